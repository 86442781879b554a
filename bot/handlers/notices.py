"""Rendering the messages the bot sends on its own (openings, reminders, digests, the report)."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.coordination.badge import school_language
from bot.handlers import greetings, render
from bot.handlers.callback_data import Continue, Mute, encode
from bot.handlers.coordinator import after_close_screens
from bot.handlers.render import audience
from bot.i18n import texts
from bot.i18n.formatting import day, moment
from bot.participation.outcomes import BackgroundStep, Progress
from bot.participation.service import Participation
from bot.reporting.drawing import Drawing
from bot.reporting.formatting import file_name
from bot.reporting.labels import labels
from bot.reporting.rendering import drawn
from bot.reporting.respondents import open_answers_file
from bot.reporting.service import load_results
from bot.reporting.turnout import nothing_to_show
from bot.scheduler.broadcast import Document, Notice
from bot.scheduler.retries import REPORT, REPORT_ABANDONED, REPORT_DELAYED
from bot.sessions.tokens import invite_link
from bot.storage import Database
from bot.storage import deliveries as delivery_queries
from bot.storage import participants as participant_queries
from bot.storage import sessions as session_queries
from bot.storage.deliveries import Claim
from bot.storage.records import Session
from bot.surveys.bank import Bank
from bot.surveys.vocabulary import DEFAULT_LANGUAGE, Language, profiles_at

log = logging.getLogger(__name__)

TROUBLE_KEYS = {
    REPORT_DELAYED: "notice.report_delayed",
    REPORT_ABANDONED: "notice.report_abandoned",
}


@dataclass
class NoticeRenderer:
    db: Database
    bank: Bank
    participation: Participation
    bot_username: str
    min_group_size: int = 5
    # The students' recommended minimum that teachers are told (SELFIE_MINIMUM_STUDENTS).
    student_minimum: int = 30
    drawing: Drawing = field(default_factory=Drawing)

    async def __call__(self, claim: Claim) -> Notice | None:
        async with self.db.read() as connection:
            session = await session_queries.session_by_id(connection, session_id=claim.session_id)
        if session is None:
            return None
        kind = claim.kind.split(":", 1)[0]
        if kind == "reminder":
            return await self._reminder(claim, session)
        language = await self._language(claim.recipient, session.id)
        match kind:
            case "opening" if session.status == "active":  # not cancelled or closed since
                return Notice(claim, self._opening(session, language))
            case "opened":
                return await greetings.opened_notice(self.db, self.bot_username, claim, session)
            case "welcome":
                return greetings.welcome_notice(claim, session, language)
            case "nudge":
                return await self._nudge(claim, session, language)
            case "digest":
                return Notice(claim, await self._digest(session, language))
            case "report":
                return await self._report(claim, session, language)
            case "badge":
                return await self._badge(claim, session, language)
            case "report-delayed" | "report-abandoned":
                return await self._report_trouble(claim, session, language)
            case "opening":
                return None
        log.warning("no rendering for a %s delivery", claim.kind)
        return None

    async def _language(self, telegram_id: int, session_id: int) -> Language:
        """The person's chosen language, else the one they answer in, else the default."""
        async with self.db.read() as connection:
            chosen = await participant_queries.user_language(connection, telegram_id=telegram_id)
            if chosen is not None:
                return chosen
            participant = await participant_queries.participant(
                connection, session_id=session_id, telegram_id=telegram_id
            )
        return participant.language if participant is not None else DEFAULT_LANGUAGE

    def _opening(self, session: Session, language: Language) -> str:
        return texts()(
            language,
            "notice.opening",
            school=html.escape(session.school_name),
            session=session.number,
            closes=moment(session.closes_at, session.timezone, language),
        )

    async def _reminder(self, claim: Claim, session: Session) -> Notice | None:
        standing = await self.participation.standing(
            telegram_id=claim.recipient, session_id=session.id
        )
        if not isinstance(standing, Progress | BackgroundStep):
            return None  # completed, closed or gone since the round was claimed
        t = texts()
        language = standing.language
        register = audience(standing.profile)
        text = t.addressed(
            language,
            "notice.reminder",
            register,
            school=html.escape(session.school_name),
            remaining=t(language, "notice.remaining", count=standing.remaining),
            closes=moment(session.closes_at, session.timezone, language),
        )
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t(language, "notice.continue_button"),
                        callback_data=encode(Continue(session.id)),
                    )
                ],
                [
                    InlineKeyboardButton(
                        t(language, "notice.mute_button"), callback_data=encode(Mute(session.id))
                    )
                ],
            ]
        )
        return Notice(claim, text, keyboard)

    async def _nudge(self, claim: Claim, session: Session, language: Language) -> Notice:
        async with self.db.read() as connection:
            counts = await session_queries.group_counts(connection, session_id=session.id)
            invites = await session_queries.invites_of(connection, session_id=session.id)
        text = texts()(
            language,
            "notice.nudge",
            school=html.escape(session.school_name),
            completed=counts["student"].completed,
            joined=counts["student"].joined,
            minimum=self.student_minimum,
            link=invite_link(self.bot_username, invites["student"]),
        )
        return Notice(claim, text)

    async def _group_lines(self, session: Session, language: Language) -> str:
        async with self.db.read() as connection:
            counts = await session_queries.group_counts(connection, session_id=session.id)
        return "\n".join(
            texts()(
                language,
                "notice.digest_line",
                group=render.group_name(language, profile).capitalize(),
                completed=counts[profile].completed,
                joined=counts[profile].joined,
            )
            for profile in counts
        )

    async def _digest(self, session: Session, language: Language) -> str:
        return texts()(
            language,
            "notice.digest",
            school=html.escape(session.school_name),
            session=session.number,
            groups=await self._group_lines(session, language),
        )

    async def _report(self, claim: Claim, session: Session, language: Language) -> Notice:
        t = texts()
        summary = t(
            language,
            "notice.closed",
            school=html.escape(session.school_name),
            session=session.number,
            start=day(session.start_date, language),
            end=day(session.end_date, language),
            groups=await self._group_lines(session, language),
        )
        results = await load_results(
            self.db, session_id=session.id, bank=self.bank, min_group_size=self.min_group_size
        )
        if results is None:
            return Notice(claim, summary)
        follow_up = after_close_screens.follow_up_keyboard(language, session.id)
        if empty := await nothing_to_show(self.db, results=results):
            return Notice(claim, after_close_screens.no_results(language, empty), follow_up)
        from bot.reporting.chart import caption  # imported late: see rendering

        chart = await drawn(self.drawing.chart, results, bank=self.bank, language=language)
        opened = open_answers_file(results, language=language)
        return Notice(
            claim,
            html.escape(caption(results, language=language)),
            keyboard=follow_up,
            photo=chart,
            intro=summary + "\n" + t(language, "notice.report_follows"),
            attachment=Document(opened.name, opened.content) if opened is not None else None,
        )

    async def _badge(self, claim: Claim, session: Session, language: Language) -> Notice:
        """The school's badge in the school's language, else the coordinator's."""
        from bot.reporting.badge import badge_png  # imported late: see rendering

        async with self.db.read() as connection:
            own = await session_queries.own_statements(connection, session_id=session.id)
        drawn_in = school_language(own) or language
        png = await drawn(
            badge_png,
            school=session.school_name,
            start=session.start_date,
            end=session.end_date,
            groups=profiles_at(session.level),
            language=drawn_in,
        )
        name = file_name(session, labels()(drawn_in, "badge.file"), "png")
        caption = after_close_screens.badge_caption(language, session)
        return Notice(claim, caption, document=Document(name, png))

    async def _report_trouble(
        self, claim: Claim, session: Session, language: Language
    ) -> Notice | None:
        """The report is delayed, or will not be tried again; None once it has been sent."""
        report = Claim(claim.session_id, REPORT, claim.recipient)
        async with self.db.read() as connection:
            if await delivery_queries.delivered(connection, claim=report):
                return None
        key = TROUBLE_KEYS[claim.kind]
        school = html.escape(session.school_name)
        return Notice(claim, texts()(language, key, school=school, session=session.number))
