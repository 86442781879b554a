"""The set-up dialogue's screens: the level, the statements, own statements, the calendar
and the review."""

from __future__ import annotations

import html
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.coordination.service import DraftView
from bot.handlers import calendar
from bot.handlers.callback_data import DraftAction, DraftOp, encode_coordination
from bot.handlers.coordinator.shared import Screen, button, day_text, level_name
from bot.handlers.render import audience, group_name
from bot.i18n import shipped, texts
from bot.i18n.formatting import moment
from bot.sessions.period import MAX_DAYS, MIN_DAYS, Period, local_today
from bot.surveys.bank import MAX_HELP_CHARS, MAX_TEXT_CHARS, Bank, Statement
from bot.surveys.open_questions import (
    MAX_ANSWER_CHARS,
    MAX_QUESTION_CHARS,
    OpenQuestion,
    default_open_questions,
)
from bot.surveys.questionnaire import MAX_OWN_STATEMENTS, OwnStatement, assemble
from bot.surveys.respondents import RespondentQuestions
from bot.surveys.vocabulary import (
    AREA_CODES,
    LEVELS,
    PROFILES,
    Language,
    Level,
    Profile,
    profiles_at,
)

CALENDAR_MONTHS_AHEAD = 12


def _header(language: Language, view: DraftView) -> str:
    t = texts()
    school = html.escape(view.school.name)
    if view.session is not None:
        return t(language, "draft.header_change", session=view.session.number, school=school)
    step = {"level": 1, "customise": 2, "dates": 3, "review": 4}[view.draft.step]
    return t(language, "draft.header_new", school=school, step=step)


def _screen(
    language: Language, view: DraftView, body: str, rows: list[list[InlineKeyboardButton]]
) -> Screen:
    return f"{_header(language, view)}\n\n{body}", InlineKeyboardMarkup(rows)


def draft_what(language: Language, view: DraftView) -> str:
    school = html.escape(view.school.name)
    if view.session is not None:
        return texts()(language, "draft.what_change", session=view.session.number, school=school)
    return texts()(language, "draft.what_new", school=school)


def draft_exists(language: Language, view: DraftView) -> Screen:
    t = texts()
    d = view.draft.id
    return t(language, "draft.exists", what=draft_what(language, view)), InlineKeyboardMarkup(
        [
            [
                button(t(language, "draft.resume_button"), DraftAction(d, DraftOp.RESUME)),
                button(t(language, "draft.discard_button"), DraftAction(d, DraftOp.DISCARD)),
            ]
        ]
    )


def draft_screen(language: Language, view: DraftView, bank: Bank, now: datetime) -> Screen:
    """The screen the draft's stored state calls for."""
    draft = view.draft
    pending = draft.pending
    if draft.step == "level":
        return level_screen(language, view)
    if draft.awaiting == "open_text" and draft.writing_open is not None:
        return open_text_screen(language, view, draft.writing_open)
    if pending is not None:
        return pending_screen(language, view, bank)
    if draft.step == "dates":
        return calendar_screen(language, view, now, None)
    if draft.step == "review":
        return review_screen(language, view, bank)
    return customise_screen(language, view, bank)


def level_screen(language: Language, view: DraftView) -> Screen:
    t = texts()
    d = view.draft.id
    rows = [
        [button(level_name(language, lvl), DraftAction(d, DraftOp.LEVEL, lvl))] for lvl in LEVELS
    ]
    rows.append([button(t(language, "draft.cancel_button"), DraftAction(d, DraftOp.DISCARD))])
    return _screen(language, view, t(language, "draft.level_prompt"), rows)


def customise_screen(language: Language, view: DraftView, bank: Bank) -> Screen:
    t = texts()
    draft = view.draft
    assert draft.level is not None
    d = draft.id
    core = sum(1 for s in bank.statements.values() if s.kind == "core")
    body = t(
        language,
        "draft.customise",
        level=level_name(language, draft.level),
        core=core,
        optional=len(draft.optional),
        own=len(draft.own),
        max_own=MAX_OWN_STATEMENTS,
    )
    onward = "draft.review_button" if view.session is not None else "draft.next_dates_button"
    onward_op = DraftOp.REVIEW if view.session is not None else DraftOp.DATES
    rows = [
        [button(t(language, "draft.optional_button"), DraftAction(d, DraftOp.OPTIONAL_AREA, "A"))],
        [
            button(
                t(language, "draft.own_button", count=len(draft.own), max_own=MAX_OWN_STATEMENTS),
                DraftAction(d, DraftOp.OWN_LIST),
            )
        ],
        [button(t(language, "draft.respondents_button"), DraftAction(d, DraftOp.RESPONDENTS))],
        [
            button(t(language, "draft.cancel_button"), DraftAction(d, DraftOp.DISCARD)),
            button(t(language, onward), DraftAction(d, onward_op)),
        ],
    ]
    return _screen(language, view, body, rows)


def area_screen(language: Language, view: DraftView, bank: Bank, area: str) -> Screen:
    """One area's core statements (fixed) and its optional ones to toggle; tabs for areas."""
    t = texts()
    draft = view.draft
    assert draft.level is not None
    d = draft.id
    optional = [s for s in bank.optional(draft.level) if s.area == area]
    core = [s for s in bank.statements.values() if s.kind == "core" and s.area == area]
    level = draft.level
    lines = [
        t(
            language,
            "draft.area_title",
            area=area,
            name=html.escape(bank.areas[area].name(language)),
        ),
        "",
        t(language, "draft.core_title"),
    ]
    lines += [
        f"• <b>{s.code}</b> {html.escape(short_title(s, level, language))} "
        f"<i>({answered_by(language, s, level)})</i>"
        for s in core
        if any(s.shown_to(p, level) for p in PROFILES)
    ]
    rows: list[list[InlineKeyboardButton]] = []
    if not optional:
        lines += ["", t(language, "draft.no_optional")]
    for statement in optional:
        profile = next(p for p in PROFILES if statement.shown_to(p, level))
        text = statement.text(profile, level, language)
        chosen = statement.code in draft.optional
        mark = "✅" if chosen else "⬜"
        groups = answered_by(language, statement, level)
        lines += [
            "",
            f"{mark} <b>{statement.code}</b> {html.escape(text)}",
            f"<i>{t(language, 'draft.answered_by', groups=groups)}</i>",
        ]
        rows.append(
            [
                button(
                    f"{mark} {statement.code} · {short_title(statement, level, language)}",
                    DraftAction(d, DraftOp.TOGGLE_OPTIONAL, statement.code),
                )
            ]
        )
    counts = {a: sum(1 for c in draft.optional if c.startswith(a)) for a in AREA_CODES}
    tabs = [
        button(
            f"·{a}·" if a == area else (f"{a} {counts[a]}" if counts[a] else a),
            DraftAction(d, DraftOp.OPTIONAL_AREA, a),
        )
        for a in AREA_CODES
    ]
    rows += [tabs[:4], tabs[4:]]
    rows.append([button(t(language, "draft.back_button"), DraftAction(d, DraftOp.CUSTOMISE))])
    return _screen(language, view, "\n".join(lines), rows)


def area_label(language: Language, bank: Bank, area: str) -> str:
    """An area as the pickers name it: "C · Infrastructure and equipment"."""
    return f"{area} · {bank.areas[area].name(language)}"


def own_list_screen(language: Language, view: DraftView, bank: Bank, note: str = "") -> Screen:
    t = texts()
    draft = view.draft
    d = draft.id
    lines = [note, ""] if note else []
    lines.append(
        t(language, "draft.own_list_title", count=len(draft.own), max_own=MAX_OWN_STATEMENTS)
    )
    if not draft.own:
        lines.append(t(language, "draft.own_list_empty"))
    rows = []
    for statement in draft.own:
        area = html.escape(area_label(language, bank, statement.area))
        lines.append(f"<b>{statement.code}</b> ({area}) {html.escape(statement.text)}")
        rows.append(
            [
                button(
                    f"{statement.code} · {statement.text[:40]}",
                    DraftAction(d, DraftOp.OWN_DETAIL, statement.code),
                )
            ]
        )
    if len(draft.own) < MAX_OWN_STATEMENTS:
        rows.append([button(t(language, "draft.add_button"), DraftAction(d, DraftOp.ADD_OWN))])
    rows.append([button(t(language, "draft.back_button"), DraftAction(d, DraftOp.CUSTOMISE))])
    return _screen(language, view, "\n".join(lines), rows)


def own_detail_screen(language: Language, view: DraftView, bank: Bank, code: str) -> Screen:
    t = texts()
    d = view.draft.id
    statement = next((s for s in view.draft.own if s.code == code), None)
    if statement is None:
        return own_list_screen(language, view, bank)
    groups = ", ".join(group_name(language, p) for p in PROFILES if p in statement.profiles)
    body = t(
        language,
        "draft.own_detail",
        code=code,
        area=html.escape(area_label(language, bank, statement.area)),
        groups=groups,
        text=html.escape(statement.text),
        help=html.escape(statement.help) or t(language, "draft.no_help"),
    )
    body += "\n" + translations_line(language, statement)
    translate = [
        button(
            t(language, "draft.translate_button", language=info.name)
            + (" ✓" if statement.has(info.code) else ""),
            DraftAction(d, DraftOp.TRANSLATE_OWN, f"{code}.{info.code}"),
        )
        for info in shipped()
        if info.code != statement.language
    ]
    rows = [
        translate,
        [
            button(
                t(language, "draft.edit_text_button"),
                DraftAction(d, DraftOp.EDIT_OWN, f"{code}.text"),
            ),
            button(
                t(language, "draft.edit_help_button"),
                DraftAction(d, DraftOp.EDIT_OWN, f"{code}.help"),
            ),
        ],
        [
            button(
                t(language, "draft.edit_area_button"),
                DraftAction(d, DraftOp.EDIT_OWN, f"{code}.area"),
            ),
            button(
                t(language, "draft.edit_groups_button"),
                DraftAction(d, DraftOp.EDIT_OWN, f"{code}.groups"),
            ),
        ],
        [button(t(language, "draft.delete_button"), DraftAction(d, DraftOp.DELETE_OWN, code))],
        [button(t(language, "draft.back_button"), DraftAction(d, DraftOp.OWN_LIST))],
    ]
    return _screen(language, view, body, rows)


def translations_line(language: Language, statement: OwnStatement) -> str:
    """In which language the statement was written, and which translations it lacks."""
    t = texts()
    written = t(language, "draft.written_in", language=shipped()[statement.language].name)
    missing = statement.missing()
    if not missing:
        return f"{written} · {t(language, 'draft.all_translated')}"
    names = ", ".join(shipped()[code].name for code in missing)
    return f"{written} · {t(language, 'draft.not_translated', languages=names)}"


# A statement's short title: its first words, as many as fit on a button.
TITLE_CHARS = 40


def short_title(statement: Statement, level: Level, language: Language) -> str:
    """The first words of the statement as its first group reads it: "In our school, we…"."""
    profile = next((p for p in PROFILES if statement.shown_to(p, level)), None)
    if profile is None:
        return ""
    return first_words(statement.text(profile, level, language))


def first_words(text: str, limit: int = TITLE_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return f"{cut or text[:limit]}…"


def answered_by(language: Language, statement: Statement, level: Level) -> str:
    """The groups that answer the statement at the level: "school leaders, teachers"."""
    return ", ".join(group_name(language, p) for p in PROFILES if statement.shown_to(p, level))


def pending_screen(language: Language, view: DraftView, bank: Bank) -> Screen:
    """The next question about an own statement being written or changed."""
    t = texts()
    draft = view.draft
    pending = draft.pending
    assert pending is not None
    d = draft.id
    cancel = [button(t(language, "draft.cancel_button"), DraftAction(d, DraftOp.BACK))]
    if draft.awaiting == "own_text":
        return _screen(
            language, view, t(language, "draft.own_text_prompt", limit=MAX_TEXT_CHARS), [cancel]
        )
    if draft.awaiting == "own_translation" and pending.code is not None:
        statement = next(s for s in draft.own if s.code == pending.code)
        body = t(
            language,
            "draft.translation_prompt",
            language=shipped()[pending.language or statement.language].name,
            text=html.escape(statement.text),
            limit=MAX_TEXT_CHARS,
        )
        return _screen(language, view, body, [cancel])
    if draft.awaiting == "own_help":
        skip = [button(t(language, "draft.skip_button"), DraftAction(d, DraftOp.SKIP_OWN_HELP))]
        body = t(language, "draft.own_help_prompt", limit=MAX_HELP_CHARS)
        return _screen(language, view, body, [skip if pending.code is None else [], cancel])
    quoted = f"<i>{html.escape(pending.text)}</i>\n\n" if pending.text else ""
    if pending.area is None:
        areas = [
            [button(area_label(language, bank, a), DraftAction(d, DraftOp.OWN_AREA, a))]
            for a in AREA_CODES
        ]
        return _screen(
            language, view, quoted + t(language, "draft.own_area_prompt"), [*areas, cancel]
        )
    groups = [
        [
            button(
                f"{'✅' if p in pending.profiles else '⬜'} {group_name(language, p)}",
                DraftAction(d, DraftOp.OWN_GROUP, p),
            )
        ]
        for p in (profiles_at(view.draft.level) if view.draft.level else PROFILES)
    ]
    done = [button(t(language, "draft.done_button"), DraftAction(d, DraftOp.OWN_GROUPS_DONE))]
    return _screen(
        language, view, quoted + t(language, "draft.own_groups_prompt"), [*groups, done, cancel]
    )


def _end_range(view: DraftView, now: datetime) -> tuple[date, date, date]:
    """The start and the earliest and latest last day that the draft allows."""
    draft = view.draft
    start = draft.start
    if view.session is not None and now >= view.session.opens_at:
        start = view.session.start_date
    assert start is not None
    earliest = start + timedelta(days=MIN_DAYS - 1)
    if view.session is not None and now >= view.session.opens_at:
        earliest = max(earliest, local_today(now, draft.timezone))
    return start, earliest, start + timedelta(days=MAX_DAYS - 1)


def calendar_screen(
    language: Language, view: DraftView, now: datetime, month: tuple[int, int] | None
) -> Screen:
    t = texts()
    draft = view.draft
    d = draft.id
    today = local_today(now, draft.timezone)
    if draft.awaiting == "end_date":
        start, earliest, latest = _end_range(view, now)
        locked = view.session is not None and now >= view.session.opens_at
        body = t(
            language,
            "draft.dates_end_locked" if locked else "draft.dates_end_prompt",
            start=day_text(start),
            earliest=day_text(earliest),
            latest=day_text(latest),
        )
        first, last = earliest, latest
    else:
        body = t(language, "draft.dates_start_prompt", timezone=draft.timezone)
        first, last = today, today + timedelta(days=31 * CALENDAR_MONTHS_AHEAD)
    year, number = month or (first.year, first.month)
    rows = calendar.month_keyboard(
        language,
        year,
        number,
        allowed=lambda day: first <= day <= last,
        day_data=lambda day: encode_coordination(DraftAction(d, DraftOp.DAY, f"{day:%Y%m%d}")),
        month_data=lambda y, m: encode_coordination(
            DraftAction(d, DraftOp.MONTH, f"{y:04d}{m:02d}")
        ),
        nothing=encode_coordination(DraftAction(d, DraftOp.NOTHING)),
        can_go_back=(year, number) > (first.year, first.month),
        can_go_forward=(year, number) < (last.year, last.month),
    )
    if view.session is None:
        rows.append([button(t(language, "draft.back_button"), DraftAction(d, DraftOp.CUSTOMISE))])
    else:
        rows.append([button(t(language, "draft.cancel_button"), DraftAction(d, DraftOp.DISCARD))])
    return _screen(language, view, body, rows)


def review_screen(language: Language, view: DraftView, bank: Bank) -> Screen:
    t = texts()
    draft = view.draft
    assert draft.level is not None and draft.start is not None and draft.end is not None
    d = draft.id
    codes = {s.code for s in bank.statements.values() if s.kind == "core"} | draft.optional
    sizes = {
        p: len(assemble(bank, level=draft.level, profile=p, codes=codes, own=draft.own))
        for p in profiles_at(draft.level)
    }
    groups = ", ".join(
        t(language, "draft.review_group", group=group_name(language, p), count=size)
        for p, size in sizes.items()
    )
    period = Period(draft.start, draft.end, draft.timezone)
    body = t(
        language,
        "draft.review",
        level=level_name(language, draft.level),
        optional=len(draft.optional),
        own=len(draft.own),
        opens=moment(period.opens_at, period.timezone, language),
        closes=moment(period.closes_at, period.timezone, language),
        groups=groups,
    )
    missing = [
        f"{s.code} ({', '.join(shipped()[code].name for code in s.missing())})"
        for s in draft.own
        if s.missing()
    ]
    if missing:
        body += "\n" + t(language, "draft.missing_translations", statements="; ".join(missing))
    body += "\n" + respondents_summary(language, draft.level, draft.questions)
    new = view.session is None
    hint = t(language, "draft.review_new_hint" if new else "draft.review_change_hint")
    go = t(language, "draft.activate_button" if new else "draft.save_button")
    rows = [
        [
            button(
                t(language, "draft.change_statements_button"), DraftAction(d, DraftOp.CUSTOMISE)
            ),
            button(t(language, "draft.change_dates_button"), DraftAction(d, DraftOp.DATES)),
        ],
        [
            button(
                t(language, "draft.change_respondents_button"),
                DraftAction(d, DraftOp.RESPONDENTS),
            )
        ],
        [
            button(t(language, "draft.cancel_button"), DraftAction(d, DraftOp.DISCARD)),
            button(go, DraftAction(d, DraftOp.SAVE)),
        ],
    ]
    return _screen(language, view, f"{body}\n\n{hint}", rows)


# What the respondents are asked besides the statements


def open_wording(language: Language, question: OpenQuestion) -> str:
    """The open question as the coordinator reads it, escaped: people's words are text."""
    return html.escape(question.wording(language, audience(question.profile)))


def respondents_summary(language: Language, level: Level, questions: RespondentQuestions) -> str:
    """Whether the questions about the respondents come first, and each group's open question."""
    t = texts()
    background = t(
        language, "draft.background_on" if questions.background else "draft.background_off"
    )
    lines = [
        t(language, "draft.background_line", state=background),
        t(language, "draft.open_title"),
    ]
    for profile in profiles_at(level):
        question = questions.open_for(profile)
        wording = (
            f"<i>{open_wording(language, question)}</i>"
            if question is not None
            else t(language, "draft.open_none")
        )
        lines.append(
            t(language, "draft.open_line", group=group_name(language, profile), text=wording)
        )
    return "\n".join(lines)


def respondents_screen(language: Language, view: DraftView) -> Screen:
    t = texts()
    draft = view.draft
    assert draft.level is not None
    d = draft.id
    questions = draft.questions
    body = "\n\n".join(
        [
            t(language, "draft.respondents_intro", limit=MAX_ANSWER_CHARS),
            respondents_summary(language, draft.level, questions),
        ]
    )
    mark = "✅" if questions.background else "⬜"
    rows = [
        [
            button(
                f"{mark} {t(language, 'draft.background_button')}",
                DraftAction(d, DraftOp.TOGGLE_BACKGROUND),
            )
        ]
    ]
    for profile in profiles_at(draft.level):
        chosen = "✅" if questions.open_for(profile) is not None else "⬜"
        rows.append(
            [
                button(
                    t(
                        language,
                        "draft.open_group_button",
                        mark=chosen,
                        group=group_name(language, profile),
                    ),
                    DraftAction(d, DraftOp.OPEN_GROUP, profile),
                )
            ]
        )
    back = DraftOp.REVIEW if draft.step == "review" else DraftOp.CUSTOMISE
    rows.append([button(t(language, "draft.back_button"), DraftAction(d, back))])
    return _screen(language, view, body, rows)


def open_choice_screen(language: Language, view: DraftView, profile: Profile) -> Screen:
    """One group's open question: one of the short list, one's own, or none."""
    t = texts()
    draft = view.draft
    d = draft.id
    current = draft.questions.open_for(profile)
    group = group_name(language, profile)
    lines = [t(language, "draft.open_choice", group=group, limit=MAX_ANSWER_CHARS), ""]
    rows: list[list[InlineKeyboardButton]] = []
    listed = [q for q in default_open_questions().listed if profile in q.profiles]
    for number, entry in enumerate(listed, start=1):
        question = OpenQuestion(profile=profile, key=entry.key)
        mark = "✅" if current is not None and current.key == entry.key else "⬜"
        wording = question.wording(language, audience(profile))
        lines.append(f"{mark} {number}. {html.escape(wording)}")
        rows.append(
            [
                button(
                    f"{mark} {number}. {first_words(wording)}",
                    DraftAction(d, DraftOp.OPEN_PICK, f"{profile}.{entry.key}"),
                )
            ]
        )
    own = current is not None and current.text is not None
    if current is not None and current.text is not None:
        lines.append(
            f"✅ {t(language, 'draft.open_own_current')} <i>{open_wording(language, current)}</i>"
        )
    rows.append(
        [
            button(
                ("✅ " if own else "") + t(language, "draft.open_write_button"),
                DraftAction(d, DraftOp.OPEN_WRITE, profile),
            )
        ]
    )
    rows.append(
        [
            button(
                ("✅ " if current is None else "") + t(language, "draft.open_none_button"),
                DraftAction(d, DraftOp.OPEN_NONE, profile),
            )
        ]
    )
    rows.append([button(t(language, "draft.back_button"), DraftAction(d, DraftOp.RESPONDENTS))])
    return _screen(language, view, "\n".join(lines), rows)


def open_text_screen(language: Language, view: DraftView, profile: Profile) -> Screen:
    t = texts()
    d = view.draft.id
    body = t(
        language,
        "draft.open_text_prompt",
        group=group_name(language, profile),
        limit=MAX_QUESTION_CHARS,
    )
    cancel = [
        button(t(language, "draft.cancel_button"), DraftAction(d, DraftOp.OPEN_GROUP, profile))
    ]
    return _screen(language, view, body, [cancel])
