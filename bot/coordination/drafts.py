"""The set-up dialogue's rules as pure functions: each takes a draft and returns the next one.

A draft for a new session walks level -> customise -> dates -> review. A draft for an existing
session (`session_id` set) starts at customise or dates; its statements are locked once the
session has opened, and its start date too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

from bot.sessions.period import (
    Period,
    PeriodError,
    check_period,
    check_period_change,
    local_today,
)
from bot.storage.records import Awaiting, Draft, PendingOwn, Session
from bot.surveys.bank import MAX_HELP_CHARS, MAX_TEXT_CHARS, Bank
from bot.surveys.open_questions import (
    MAX_QUESTION_CHARS,
    OpenQuestion,
    OpenQuestionError,
    OpenQuestions,
    default_open_questions,
    own_open_question,
)
from bot.surveys.questionnaire import MAX_OWN_STATEMENTS, OwnStatement, Translation
from bot.surveys.vocabulary import (
    AREA_CODES,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    PROFILES,
    Language,
    Level,
    Profile,
    profiles_at,
)
from bot.validation import plain_text

DraftProblem = Literal[
    "too_many_own",
    "text_empty",
    "text_too_long",
    "help_too_long",
    "no_groups",
    "unknown_statement",
    "question_empty",
    "question_too_long",
    "unknown_question",
    "statements_locked",
    "incomplete",
]


class DraftError(ValueError):
    """The input is refused; `problem` names a text to show, nothing was changed."""

    def __init__(self, problem: DraftProblem) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class DraftScope:
    """What a rule may consult besides the draft: the time, the bank, the edited session."""

    now: datetime
    bank: Bank
    session: Session | None


def _period_of(session: Session) -> Period:
    return Period(session.start_date, session.end_date, session.timezone)


def has_started(scope: DraftScope) -> bool:
    return scope.session is not None and scope.now >= scope.session.opens_at


def _require_statements_editable(scope: DraftScope) -> None:
    if has_started(scope):
        raise DraftError("statements_locked")


# Level and navigation


def choose_level(draft: Draft, scope: DraftScope, level: Level) -> Draft:
    if draft.session_id is not None:  # the level of an existing session is fixed
        raise DraftError("statements_locked")
    # Optional statements of another level may not exist at this one, nor its groups.
    visible = {s.code for s in scope.bank.optional(level)}
    groups = profiles_at(level)
    open_questions = tuple(q for q in draft.questions.open_questions if q.profile in groups)
    return replace(
        draft,
        level=level,
        optional=draft.optional & visible,
        questions=replace(draft.questions, open_questions=open_questions),
        writing_open=None,
        step="customise",
        awaiting=None,
        pending=None,
    )


def show_customise(draft: Draft, scope: DraftScope) -> Draft:
    _require_statements_editable(scope)
    if draft.level is None:
        return replace(draft, step="level", awaiting=None, pending=None, writing_open=None)
    return replace(draft, step="customise", awaiting=None, pending=None, writing_open=None)


def show_dates(draft: Draft, scope: DraftScope) -> Draft:
    if draft.level is None:
        raise DraftError("incomplete")
    awaiting: Awaiting = "end_date" if has_started(scope) else "start_date"
    return replace(draft, step="dates", awaiting=awaiting, pending=None, writing_open=None)


def show_review(draft: Draft, scope: DraftScope) -> Draft:
    if draft.level is None or draft.start is None or draft.end is None:
        raise DraftError("incomplete")
    return replace(draft, step="review", awaiting=None, pending=None, writing_open=None)


# Optional statements


def toggle_optional(draft: Draft, scope: DraftScope, code: str) -> Draft:
    _require_statements_editable(scope)
    if draft.level is None or code not in {s.code for s in scope.bank.optional(draft.level)}:
        raise DraftError("unknown_statement")
    return replace(draft, optional=draft.optional ^ {code})


# Own statements


def _clean_text(text: str) -> str:
    """The text on one line; DraftError if empty or too long, UnsafeText if it hides
    control characters (checked before whitespace is joined, which would swallow some)."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise DraftError("text_empty")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise DraftError("text_too_long")
    plain_text(text, what="the statement")
    return cleaned


def _clean_help(text: str) -> str:
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_HELP_CHARS:
        raise DraftError("help_too_long")
    plain_text(text, what="the help text")
    return cleaned


def _own(draft: Draft, code: str) -> OwnStatement:
    for statement in draft.own:
        if statement.code == code:
            return statement
    raise DraftError("unknown_statement")


def _with_own(draft: Draft, changed: OwnStatement) -> Draft:
    own = tuple(changed if s.code == changed.code else s for s in draft.own)
    return replace(draft, own=own, pending=None, awaiting=None)


def _free_code(draft: Draft) -> str:
    taken = {s.code for s in draft.own}
    for number in range(1, MAX_OWN_STATEMENTS + 1):
        if f"S{number}" not in taken:
            return f"S{number}"
    raise DraftError("too_many_own")


def begin_own(draft: Draft, scope: DraftScope, language: Language = DEFAULT_LANGUAGE) -> Draft:
    """Start writing a new own statement, in `language`: its text comes first, as a message."""
    _require_statements_editable(scope)
    if len(draft.own) >= MAX_OWN_STATEMENTS:
        raise DraftError("too_many_own")
    return replace(draft, pending=PendingOwn(code=None, language=language), awaiting="own_text")


def begin_translation(draft: Draft, scope: DraftScope, code: str, language: Language) -> Draft:
    """Start translating an own statement into `language`: its text comes as a message."""
    _require_statements_editable(scope)
    statement = _own(draft, code)
    if language not in LANGUAGES or language == statement.language:
        raise DraftError("unknown_statement")
    pending = PendingOwn(code=code, language=language)
    return replace(draft, pending=pending, awaiting="own_translation")


def own_translation(draft: Draft, scope: DraftScope, text: str) -> Draft:
    """The translation typed as "TEXT" or "TEXT | HELP"."""
    _require_statements_editable(scope)
    pending = draft.pending
    if pending is None or pending.code is None or pending.language is None:
        raise DraftError("unknown_statement")
    if draft.awaiting != "own_translation":
        raise DraftError("unknown_statement")
    typed, _, help_part = text.partition("|")
    translation = Translation(pending.language, _clean_text(typed), _clean_help(help_part))
    return _with_own(draft, _own(draft, pending.code).translated(translation))


def edit_own(draft: Draft, scope: DraftScope, code: str, part: str) -> Draft:
    """Start changing one part (text, help, area, groups) of an own statement."""
    _require_statements_editable(scope)
    statement = _own(draft, code)
    match part:
        case "text":
            return replace(draft, pending=PendingOwn(code=code), awaiting="own_text")
        case "help":
            return replace(draft, pending=PendingOwn(code=code), awaiting="own_help")
        case "area":
            return replace(draft, pending=PendingOwn(code=code), awaiting=None)
        case "groups":
            pending = PendingOwn(code=code, area=statement.area, profiles=statement.profiles)
            return replace(draft, pending=pending, awaiting=None)
    raise DraftError("unknown_statement")


def delete_own(draft: Draft, scope: DraftScope, code: str) -> Draft:
    _require_statements_editable(scope)
    _own(draft, code)
    own = tuple(s for s in draft.own if s.code != code)
    return replace(draft, own=own, pending=None, awaiting=None)


def cancel_pending(draft: Draft, scope: DraftScope) -> Draft:
    return replace(draft, pending=None, awaiting=None, writing_open=None)


def own_text(draft: Draft, scope: DraftScope, text: str) -> Draft:
    _require_statements_editable(scope)
    pending = draft.pending
    if pending is None or draft.awaiting != "own_text":
        raise DraftError("unknown_statement")
    cleaned = _clean_text(text)
    if pending.code is not None:
        return _with_own(draft, replace(_own(draft, pending.code), text=cleaned))
    # Next: the area, chosen with buttons.
    return replace(draft, pending=replace(pending, text=cleaned), awaiting=None)


def own_area(draft: Draft, scope: DraftScope, area: str) -> Draft:
    _require_statements_editable(scope)
    pending = draft.pending
    if pending is None or pending.area is not None or area not in AREA_CODES:
        raise DraftError("unknown_statement")
    if pending.code is not None:
        return _with_own(draft, replace(_own(draft, pending.code), area=area))
    # Next: the groups, every group of the level chosen to begin with.
    groups = profiles_at(draft.level) if draft.level is not None else PROFILES
    return replace(draft, pending=replace(pending, area=area, profiles=frozenset(groups)))


def toggle_own_group(draft: Draft, scope: DraftScope, profile: Profile) -> Draft:
    _require_statements_editable(scope)
    pending = draft.pending
    if pending is None or pending.area is None:
        raise DraftError("unknown_statement")
    if draft.level is not None and profile not in profiles_at(draft.level):
        raise DraftError("unknown_statement")
    return replace(draft, pending=replace(pending, profiles=pending.profiles ^ {profile}))


def own_groups_done(draft: Draft, scope: DraftScope) -> Draft:
    _require_statements_editable(scope)
    pending = draft.pending
    if pending is None or pending.area is None:
        raise DraftError("unknown_statement")
    if not pending.profiles:
        raise DraftError("no_groups")
    if pending.code is not None:
        return _with_own(draft, replace(_own(draft, pending.code), profiles=pending.profiles))
    return replace(draft, awaiting="own_help")  # Next: the help text, or skip it.


def own_help(draft: Draft, scope: DraftScope, text: str) -> Draft:
    """Set the help text ('' to skip); for a new statement this adds it to the draft."""
    _require_statements_editable(scope)
    pending = draft.pending
    if pending is None or draft.awaiting != "own_help":
        raise DraftError("unknown_statement")
    cleaned = _clean_help(text)
    if pending.code is not None:
        return _with_own(draft, replace(_own(draft, pending.code), help=cleaned))
    assert pending.area is not None
    added = OwnStatement(
        code=_free_code(draft),
        area=pending.area,
        profiles=pending.profiles,
        text=pending.text,
        help=cleaned,
        language=pending.language or DEFAULT_LANGUAGE,
    )
    return replace(draft, own=(*draft.own, added), pending=None, awaiting=None)


# Dates


def choose_start(draft: Draft, scope: DraftScope, day: date) -> Draft:
    """The first day; the last one is asked next."""
    if has_started(scope):
        assert scope.session is not None
        raise PeriodError(
            "start_locked",
            f"the session opened on {scope.session.start_date}; its start cannot change",
        )
    today = local_today(scope.now, draft.timezone)
    if day < today:
        raise PeriodError("starts_in_past", f"the start date {day} is before today ({today})")
    return replace(draft, start=day, end=None, awaiting="end_date", step="dates")


def choose_end(draft: Draft, scope: DraftScope, day: date) -> Draft:
    start = draft.start
    if has_started(scope):
        assert scope.session is not None
        start = scope.session.start_date
    if start is None:
        raise DraftError("incomplete")
    check_dates(draft, scope, start, day)
    return replace(draft, start=start, end=day, awaiting=None, step="review")


def choose_both(draft: Draft, scope: DraftScope, start: date, end: date) -> Draft:
    """Both days at once, e.g. typed as a range."""
    check_dates(draft, scope, start, end)
    return replace(draft, start=start, end=end, awaiting=None, step="review")


def check_dates(draft: Draft, scope: DraftScope, start: date, end: date) -> Period:
    """The period the dates make for this draft, or PeriodError."""
    if scope.session is not None:
        return check_period_change(_period_of(scope.session), start, end, now=scope.now)
    return check_period(start, end, draft.timezone, now=scope.now)


# What the respondents are asked besides the statements: the questions about themselves
# before them, and one open question per group after them. Locked with the statements.


def show_respondents(draft: Draft, scope: DraftScope) -> Draft:
    _require_statements_editable(scope)
    if draft.level is None:
        raise DraftError("incomplete")
    return replace(draft, awaiting=None, pending=None, writing_open=None)


def show_open_choice(draft: Draft, scope: DraftScope, profile: Profile) -> Draft:
    """The choice of one group's open question (the group must answer at the level)."""
    _require_group(show_respondents(draft, scope), profile)
    return show_respondents(draft, scope)


def toggle_background(draft: Draft, scope: DraftScope) -> Draft:
    draft = show_respondents(draft, scope)
    questions = replace(draft.questions, background=not draft.questions.background)
    return replace(draft, questions=questions)


def choose_open(
    draft: Draft,
    scope: DraftScope,
    profile: Profile,
    key: str,
    catalogue: OpenQuestions | None = None,
) -> Draft:
    """One of the listed open questions for the group."""
    draft = show_respondents(draft, scope)
    _require_group(draft, profile)
    try:
        question = (catalogue or default_open_questions()).listed_for(key, profile)
    except OpenQuestionError:
        raise DraftError("unknown_question") from None
    return _with_open(draft, profile, question)


def no_open(draft: Draft, scope: DraftScope, profile: Profile) -> Draft:
    draft = show_respondents(draft, scope)
    _require_group(draft, profile)
    return _with_open(draft, profile, None)


def begin_open_text(draft: Draft, scope: DraftScope, profile: Profile) -> Draft:
    """Start writing an own open question for the group: it comes as a message."""
    draft = show_respondents(draft, scope)
    _require_group(draft, profile)
    return replace(draft, awaiting="open_text", writing_open=profile)


def open_text(
    draft: Draft, scope: DraftScope, text: str, language: Language = DEFAULT_LANGUAGE
) -> Draft:
    """The own open question typed, in the coordinator's `language`: one line, 1 to
    MAX_QUESTION_CHARS characters, no control characters (UnsafeText), as own statements."""
    _require_statements_editable(scope)
    profile = draft.writing_open
    if profile is None or draft.awaiting != "open_text":
        raise DraftError("unknown_question")
    _require_group(draft, profile)
    plain_text(text, what="the open question")
    line = " ".join(text.split())
    if not line:
        raise DraftError("question_empty")
    if len(line) > MAX_QUESTION_CHARS:
        raise DraftError("question_too_long")
    question = own_open_question(profile, line, language)
    return replace(_with_open(draft, profile, question), awaiting=None, writing_open=None)


def _require_group(draft: Draft, profile: Profile) -> None:
    if draft.level is None or profile not in profiles_at(draft.level):
        raise DraftError("unknown_question")


def _with_open(draft: Draft, profile: Profile, question: OpenQuestion | None) -> Draft:
    chosen = {q.profile: q for q in draft.questions.open_questions if q.profile != profile}
    if question is not None:
        chosen[profile] = question
    ordered = tuple(chosen[p] for p in PROFILES if p in chosen)
    return replace(draft, questions=replace(draft.questions, open_questions=ordered))
