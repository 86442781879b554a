"""Session drafts: a coordinator's set-up dialogue, one row per person."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, cast

from bot.storage.database import fetch_one
from bot.storage.engine import Connection, Row
from bot.storage.records import (
    DRAFT_QUESTIONS,
    Awaiting,
    Draft,
    DraftStep,
    PendingOwn,
    from_epoch,
    to_epoch,
)
from bot.surveys.open_questions import OpenQuestion
from bot.surveys.questionnaire import OwnStatement, Translation
from bot.surveys.respondents import RespondentQuestions
from bot.surveys.vocabulary import DEFAULT_LANGUAGE, PROFILES, Language, Level, Profile

_COLUMNS = """
    id, owner, school_id, session_id, step, awaiting, level, optional, own, pending,
    start_date, end_date, timezone, created_at, updated_at, respondents
"""


def _profiles(values: list[str]) -> frozenset[Profile]:
    return frozenset(profile for profile in PROFILES if profile in values)


def _ordered(profiles: frozenset[Profile]) -> list[str]:
    return [profile for profile in PROFILES if profile in profiles]


def _own_to_json(statement: OwnStatement) -> dict[str, Any]:
    return {
        "code": statement.code,
        "area": statement.area,
        "profiles": _ordered(statement.profiles),
        "text": statement.text,
        "help": statement.help,
        "language": statement.language,
        "translations": [
            {"language": t.language, "text": t.text, "help": t.help} for t in statement.translations
        ],
    }


def _own_from_json(raw: dict[str, Any]) -> OwnStatement:
    statement = OwnStatement(
        code=raw["code"],
        area=raw["area"],
        profiles=_profiles(raw["profiles"]),
        text=raw["text"],
        help=raw.get("help", ""),
        language=raw.get("language", DEFAULT_LANGUAGE),
    )
    for translation in raw.get("translations", []):
        statement = statement.translated(
            Translation(translation["language"], translation["text"], translation.get("help", ""))
        )
    return statement


def _pending_to_json(pending: PendingOwn | None) -> str | None:
    if pending is None:
        return None
    return json.dumps(
        {
            "code": pending.code,
            "text": pending.text,
            "area": pending.area,
            "profiles": _ordered(pending.profiles),
            "help": pending.help,
            "language": pending.language,
        },
        ensure_ascii=False,
    )


def _pending_from_json(text: str | None) -> PendingOwn | None:
    if text is None:
        return None
    raw = json.loads(text)
    return PendingOwn(
        code=raw["code"],
        text=raw["text"],
        area=raw["area"],
        profiles=_profiles(raw["profiles"]),
        help=raw["help"],
        language=raw.get("language"),
    )


def _respondents_to_json(questions: RespondentQuestions, writing: Profile | None) -> str:
    return json.dumps(
        {
            "background": questions.background,
            "open": [
                {"profile": q.profile, "key": q.key, "text": q.text, "language": q.language}
                for q in questions.open_questions
            ],
            "writing": writing,
        },
        ensure_ascii=False,
    )


def _respondents_from_json(text: str | None) -> tuple[RespondentQuestions, Profile | None]:
    if text is None:
        return DRAFT_QUESTIONS, None
    raw = json.loads(text)
    found = {
        q["profile"]: OpenQuestion(
            profile=cast(Profile, q["profile"]),
            key=q.get("key"),
            text=q.get("text"),
            language=cast(Language | None, q.get("language")),
        )
        for q in raw.get("open", [])
        if q.get("profile") in PROFILES
    }
    questions = RespondentQuestions(
        background=bool(raw.get("background", True)),
        open_questions=tuple(found[p] for p in PROFILES if p in found),
    )
    writing = raw.get("writing")
    return questions, cast(Profile, writing) if writing in PROFILES else None


def _draft(row: Row) -> Draft:
    questions, writing = _respondents_from_json(row["respondents"])
    return Draft(
        id=row["id"],
        owner=row["owner"],
        school_id=row["school_id"],
        session_id=row["session_id"],
        step=cast(DraftStep, row["step"]),
        awaiting=cast(Awaiting | None, row["awaiting"]),
        level=cast(Level | None, row["level"]),
        optional=frozenset(code for code in row["optional"].split(",") if code),
        own=tuple(_own_from_json(raw) for raw in json.loads(row["own"])),
        pending=_pending_from_json(row["pending"]),
        start=date.fromisoformat(row["start_date"]) if row["start_date"] else None,
        end=date.fromisoformat(row["end_date"]) if row["end_date"] else None,
        timezone=row["timezone"],
        created_at=from_epoch(row["created_at"]),
        updated_at=from_epoch(row["updated_at"]),
        questions=questions,
        writing_open=writing,
    )


async def draft_of(connection: Connection, *, owner: int) -> Draft | None:
    row = await fetch_one(
        connection, f"SELECT {_COLUMNS} FROM session_drafts WHERE owner = ?", (owner,)
    )
    return _draft(row) if row else None


async def insert_draft(
    connection: Connection,
    *,
    owner: int,
    school_id: int,
    session_id: int | None,
    step: DraftStep,
    level: Level | None,
    optional: frozenset[str],
    own: tuple[OwnStatement, ...],
    start: date | None,
    end: date | None,
    timezone: str,
    now: datetime,
    questions: RespondentQuestions = DRAFT_QUESTIONS,
) -> Draft | None:
    """The new draft; None when the owner has one already (also one a moment ago)."""
    cursor = await connection.execute(
        """
        INSERT INTO session_drafts (owner, school_id, session_id, step, level, optional, own,
                                    start_date, end_date, timezone, created_at, updated_at,
                                    respondents)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (owner) DO NOTHING
        """,
        (
            owner,
            school_id,
            session_id,
            step,
            level,
            ",".join(sorted(optional)),
            json.dumps([_own_to_json(s) for s in own], ensure_ascii=False),
            start.isoformat() if start else None,
            end.isoformat() if end else None,
            timezone,
            to_epoch(now),
            to_epoch(now),
            _respondents_to_json(questions, None),
        ),
    )
    if cursor.rowcount != 1:
        return None
    return await draft_of(connection, owner=owner)


async def save_draft(connection: Connection, *, draft: Draft, now: datetime) -> None:
    """Write every changeable field of `draft` back to its row."""
    await connection.execute(
        """
        UPDATE session_drafts
        SET step = ?, awaiting = ?, level = ?, optional = ?, own = ?, pending = ?,
            start_date = ?, end_date = ?, updated_at = ?, respondents = ?
        WHERE id = ?
        """,
        (
            draft.step,
            draft.awaiting,
            draft.level,
            ",".join(sorted(draft.optional)),
            json.dumps([_own_to_json(s) for s in draft.own], ensure_ascii=False),
            _pending_to_json(draft.pending),
            draft.start.isoformat() if draft.start else None,
            draft.end.isoformat() if draft.end else None,
            to_epoch(now),
            _respondents_to_json(draft.questions, draft.writing_open),
            draft.id,
        ),
    )


async def delete_draft(connection: Connection, *, draft_id: int) -> bool:
    cursor = await connection.execute("DELETE FROM session_drafts WHERE id = ?", (draft_id,))
    return cursor.rowcount == 1
