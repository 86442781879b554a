"""Claims on messages that must go out once per recipient, and what became of them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import dialect_of, fetch_all, fetch_one
from bot.storage.engine import Connection, Dialect
from bot.storage.records import to_epoch


@dataclass(frozen=True, slots=True)
class Claim:
    session_id: int
    kind: str
    recipient: int


async def claim(
    connection: Connection,
    *,
    session_id: int,
    kind: str,
    recipients: Iterable[int],
    now: datetime,
    owner: str | None = None,
    lease_until: datetime | None = None,
) -> list[Claim]:
    """Claim a delivery per recipient; only recipients not claimed before come back. Without
    an owner the claim is anyone's to take (`take`, `take_over`)."""
    wanted = list(dict.fromkeys(recipients))
    # One statement for any number of recipients (thousands of teachers' nudges would be as
    # many round trips while the transaction holds the database).
    many, listed = _EACH_RECIPIENT[dialect_of(connection)]
    rows = await fetch_all(
        connection,
        "INSERT INTO deliveries (session_id, kind, recipient, claimed_at, owner, lease_until)"
        f" SELECT ?, ?, value, ?, ?, ? FROM {many} WHERE true"
        " ON CONFLICT DO NOTHING RETURNING recipient",
        (session_id, kind, to_epoch(now), owner, _epoch(lease_until), listed(wanted)),
    )
    new = {row["recipient"] for row in rows}
    return [Claim(session_id, kind, recipient) for recipient in wanted if recipient in new]


# Any number of recipients as one parameter: a JSON array for SQLite, an array for PostgreSQL.
_EACH_RECIPIENT: dict[Dialect, tuple[str, Callable[[list[int]], object]]] = {
    "sqlite": ("json_each(?)", json.dumps),
    "postgresql": ("unnest(?::bigint[]) AS value", list),
}


# PostgreSQL runs two rounds side by side: counting a reminder against the person and
# claiming it are one statement, and a round that waited for another's row lock reads the
# row again, count included, before it counts (READ COMMITTED re-checks the condition).
_CLAIM_REMINDERS_AT_ONCE = """
WITH counted AS (
    UPDATE participants p SET reminders_sent = reminders_sent + 1, last_reminded_at = :at
    WHERE session_id = :session AND completed = 0 AND reminders_muted = 0 AND unreachable = 0
      AND reminders_sent < :most
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.session_id = p.session_id
                      AND d.kind = :kind AND d.recipient = p.chat_id)
    RETURNING session_id, chat_id
)
INSERT INTO deliveries (session_id, kind, recipient, claimed_at)
SELECT session_id, :kind, chat_id, :at FROM counted
ON CONFLICT DO NOTHING
RETURNING recipient
"""


async def claim_reminders(
    connection: Connection,
    *,
    session_id: int,
    kind: str,
    max_per_person: int,
    now: datetime,
) -> list[Claim]:
    """Claim a reminder for every participant who may get one, and count it against them."""
    at = to_epoch(now)
    if dialect_of(connection) == "postgresql":
        rows = await fetch_all(
            connection,
            _CLAIM_REMINDERS_AT_ONCE,
            {"kind": kind, "at": at, "session": session_id, "most": max_per_person},
        )
        return [Claim(session_id, kind, row["recipient"]) for row in rows]
    # RETURNING gives exactly the rows this statement inserted: a second round with the same
    # kind in the same second (two "remind now" at once) claims nobody twice.
    rows = await fetch_all(
        connection,
        """
        INSERT INTO deliveries (session_id, kind, recipient, claimed_at)
        SELECT session_id, ?, chat_id, ? FROM participants
        WHERE session_id = ? AND completed = 0 AND reminders_muted = 0
          AND unreachable = 0 AND reminders_sent < ?
        ON CONFLICT DO NOTHING
        RETURNING recipient
        """,
        (kind, at, session_id, max_per_person),
    )
    recipients = [row["recipient"] for row in rows]
    await connection.executemany(
        "UPDATE participants SET reminders_sent = reminders_sent + 1, last_reminded_at = ?"
        " WHERE session_id = ? AND chat_id = ?",
        [(at, session_id, recipient) for recipient in recipients],
    )
    return [Claim(session_id, kind, recipient) for recipient in recipients]


async def claims_exist(connection: Connection, *, session_id: int, kind: str) -> bool:
    rows = await fetch_all(
        connection,
        "SELECT 1 FROM deliveries WHERE session_id = ? AND kind = ? LIMIT 1",
        (session_id, kind),
    )
    return bool(rows)


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else to_epoch(moment)


# Unsent, never failed, and nobody's: no owner, or an owner whose lease ran out.
_FREE = (
    "sent_at IS NULL AND failure IS NULL"
    " AND (owner IS NULL OR lease_until IS NULL OR lease_until < :now{steal})"
)


async def take_over(
    connection: Connection,
    *,
    owner: str,
    now: datetime,
    lease_until: datetime,
    from_others: bool = False,
) -> list[Claim]:
    """Take every unsent claim that nobody is sending (no owner, or a lease that ran out), or
    with `from_others` also those of other owners (a sender that knows nobody else can be
    sending); oldest first. Each claim is taken by one caller only."""
    condition = _FREE.format(steal=" OR owner <> :owner" if from_others else "")
    parameters = {"owner": owner, "until": to_epoch(lease_until), "now": to_epoch(now)}
    if dialect_of(connection) == "postgresql":
        # Rows another sender is taking right now are skipped, not waited for.
        sql = f"""
            WITH free AS (
                SELECT session_id, kind, recipient FROM deliveries WHERE {condition}
                FOR UPDATE SKIP LOCKED
            )
            UPDATE deliveries d SET owner = :owner, lease_until = :until FROM free
            WHERE d.session_id = free.session_id AND d.kind = free.kind
              AND d.recipient = free.recipient
            RETURNING d.session_id, d.kind, d.recipient, d.claimed_at
        """
    else:
        sql = (
            "UPDATE deliveries SET owner = :owner, lease_until = :until"
            f" WHERE {condition} RETURNING session_id, kind, recipient, claimed_at"
        )
    rows = await fetch_all(connection, sql, parameters)
    rows.sort(key=lambda row: (row["claimed_at"], row["recipient"], _kind_rank(row["kind"])))
    return [Claim(row["session_id"], row["kind"], row["recipient"]) for row in rows]


def _kind_rank(kind: str) -> int:
    """A coordinator's report before the badge that follows it, when both are taken over."""
    return 1 if kind == "badge" else 0


async def take(
    connection: Connection,
    *,
    claims: Iterable[Claim],
    owner: str,
    now: datetime,
    lease_until: datetime,
) -> list[Claim]:
    """Take these claims, as far as nobody else is sending them; those taken, in order."""
    wanted = list(claims)
    sql = (
        "UPDATE deliveries SET owner = ?, lease_until = ? WHERE session_id = ? AND kind = ?"
        " AND recipient IN (SELECT value FROM {many})"
        " AND sent_at IS NULL AND failure IS NULL"
        " AND (owner IS NULL OR lease_until IS NULL OR lease_until < ?) RETURNING recipient"
    )
    taken = await _each_group(
        connection, sql, wanted, before=(owner, to_epoch(lease_until)), after=(to_epoch(now),)
    )
    return [c for c in wanted if c in taken]


async def release(connection: Connection, *, claims: Iterable[Claim], owner: str) -> int:
    """Give up the claims of `owner` among these that are still unsent, for any sender to
    take at once; how many."""
    sql = (
        "UPDATE deliveries SET owner = NULL, lease_until = NULL WHERE session_id = ?"
        " AND kind = ? AND recipient IN (SELECT value FROM {many})"
        " AND owner = ? AND sent_at IS NULL RETURNING recipient"
    )
    return len(await _each_group(connection, sql, list(claims), after=(owner,)))


async def renew(connection: Connection, *, owner: str, lease_until: datetime) -> int:
    """Extend the lease of every unsent claim of `owner`; how many."""
    cursor = await connection.execute(
        "UPDATE deliveries SET lease_until = ?"
        " WHERE owner = ? AND sent_at IS NULL AND failure IS NULL",
        (to_epoch(lease_until), owner),
    )
    return cursor.rowcount


async def _each_group(
    connection: Connection,
    sql: str,
    claims: list[Claim],
    *,
    before: tuple[object, ...] = (),
    after: tuple[object, ...] = (),
) -> set[Claim]:
    """Run `sql` (a statement on one session and kind, its recipients as one parameter, that
    returns the recipients it changed) once per session and kind; the claims it changed."""
    many, listed = _EACH_RECIPIENT[dialect_of(connection)]
    groups: dict[tuple[int, str], list[int]] = {}
    for c in claims:
        groups.setdefault((c.session_id, c.kind), []).append(c.recipient)
    changed: set[Claim] = set()
    for (session_id, kind), recipients in groups.items():
        rows = await fetch_all(
            connection,
            sql.format(many=many),
            (*before, session_id, kind, listed(recipients), *after),
        )
        changed.update(Claim(session_id, kind, row["recipient"]) for row in rows)
    return changed


async def unsent_count(connection: Connection) -> int:
    row = await fetch_one(
        connection, "SELECT count(*) FROM deliveries WHERE sent_at IS NULL AND failure IS NULL"
    )
    return int(row[0]) if row is not None else 0


# Why a message did not reach a person who can still be reached later: they have not started
# the bot yet, blocked it, or the command line had no token to send with.
UNREACHED = ("no chat", "blocked", "not sent")


async def take_unreached(
    connection: Connection,
    *,
    recipient: int,
    kinds: Iterable[str],
    now: datetime,
    owner: str | None = None,
    lease_until: datetime | None = None,
) -> list[Claim]:
    """Claim again the messages of `kinds` that did not reach `recipient` (UNREACHED), now that
    they have started the bot; each is taken by one caller only (`owner`, until `lease_until`).
    They come in the order of `kinds` within each session."""
    kinds = list(kinds)
    if not kinds:
        return []
    rows = await fetch_all(
        connection,
        "UPDATE deliveries SET failure = NULL, claimed_at = ?, owner = ?, lease_until = ?"
        " WHERE recipient = ? AND sent_at IS NULL AND retry_at IS NULL"
        f" AND failure IN ({', '.join('?' for _ in UNREACHED)})"
        f" AND kind IN ({', '.join('?' for _ in kinds)})"
        " RETURNING session_id, kind, recipient",
        (to_epoch(now), owner, _epoch(lease_until), recipient, *UNREACHED, *kinds),
    )
    claims = [Claim(row["session_id"], row["kind"], row["recipient"]) for row in rows]
    return sorted(claims, key=lambda c: (c.session_id, kinds.index(c.kind)))


_SETTLE_SENT = (
    "UPDATE deliveries SET sent_at = ?, failure = NULL, retry_at = NULL"
    " WHERE session_id = ? AND kind = ? AND recipient = ?"
)
_SETTLE_FAILED = (
    "UPDATE deliveries SET failure = ?, retry_at = NULL"
    " WHERE session_id = ? AND kind = ? AND recipient = ?"
)


async def settle(
    connection: Connection, *, claim: Claim, now: datetime, failure: str | None = None
) -> None:
    """Record that a claimed message was sent (failure None) or why it was not, for good."""
    await settle_many(connection, outcomes=[(claim, now, failure)])


async def settle_many(
    connection: Connection, *, outcomes: Iterable[tuple[Claim, datetime, str | None]]
) -> None:
    """`settle` for many claims, each with the moment it was settled: one statement for those
    sent and one for those that failed, however many there are."""
    sent: list[tuple[object, ...]] = []
    failed: list[tuple[object, ...]] = []
    for claim, at, failure in outcomes:
        key = (claim.session_id, claim.kind, claim.recipient)
        if failure is None:
            sent.append((to_epoch(at), *key))
        else:
            failed.append((failure, *key))
    if sent:
        await connection.executemany(_SETTLE_SENT, sent)
    if failed:
        await connection.executemany(_SETTLE_FAILED, failed)


async def settle_unowned(connection: Connection, *, claim: Claim, failure: str) -> bool:
    """Record why an unsent claim that nobody has taken was not sent; False when a sender
    has it (or it was settled)."""
    cursor = await connection.execute(
        "UPDATE deliveries SET failure = ?"
        " WHERE session_id = ? AND kind = ? AND recipient = ? AND owner IS NULL"
        " AND sent_at IS NULL AND failure IS NULL",
        (failure, claim.session_id, claim.kind, claim.recipient),
    )
    return cursor.rowcount == 1


async def record_failed_attempt(connection: Connection, *, claim: Claim, failure: str) -> int:
    """Record why an attempt failed, with no retry planned yet; return the failed attempts."""
    row = await fetch_one(
        connection,
        "UPDATE deliveries SET failure = ?, attempts = attempts + 1, retry_at = NULL"
        " WHERE session_id = ? AND kind = ? AND recipient = ? RETURNING attempts",
        (failure, claim.session_id, claim.kind, claim.recipient),
    )
    return int(row["attempts"]) if row is not None else 0


async def plan_retry(connection: Connection, *, claim: Claim, at: datetime) -> None:
    await connection.execute(
        "UPDATE deliveries SET retry_at = ?"
        " WHERE session_id = ? AND kind = ? AND recipient = ? AND sent_at IS NULL",
        (to_epoch(at), claim.session_id, claim.kind, claim.recipient),
    )


async def take_due_retries(
    connection: Connection, *, now: datetime, lease_until: datetime
) -> list[Claim]:
    """Claims whose next attempt is due, taken until `lease_until`: a process that takes them
    and dies leaves them due again then, and one that is still at it settles them first."""
    rows = await fetch_all(
        connection,
        "UPDATE deliveries SET retry_at = ?"
        " WHERE retry_at IS NOT NULL AND retry_at <= ? AND sent_at IS NULL"
        " RETURNING session_id, kind, recipient",
        (to_epoch(lease_until), to_epoch(now)),
    )
    claims = [Claim(row["session_id"], row["kind"], row["recipient"]) for row in rows]
    return sorted(claims, key=lambda c: (c.session_id, c.kind, c.recipient))


async def delivered(connection: Connection, *, claim: Claim) -> bool:
    row = await fetch_one(
        connection,
        "SELECT sent_at IS NOT NULL FROM deliveries"
        " WHERE session_id = ? AND kind = ? AND recipient = ?",
        (claim.session_id, claim.kind, claim.recipient),
    )
    return row is not None and bool(row[0])


async def outcome(connection: Connection, *, claim: Claim) -> str | None:
    """ "sent", why it failed, or None while it is claimed and not yet settled."""
    row = await fetch_one(
        connection,
        "SELECT sent_at, failure FROM deliveries"
        " WHERE session_id = ? AND kind = ? AND recipient = ?",
        (claim.session_id, claim.kind, claim.recipient),
    )
    if row is None or (row["sent_at"] is None and row["failure"] is None):
        return None
    return "sent" if row["sent_at"] is not None else str(row["failure"])


async def retry_planned(connection: Connection, *, claim: Claim) -> bool:
    """Whether the claim failed and another attempt will come on its own."""
    row = await fetch_one(
        connection,
        "SELECT retry_at IS NOT NULL AND sent_at IS NULL FROM deliveries"
        " WHERE session_id = ? AND kind = ? AND recipient = ?",
        (claim.session_id, claim.kind, claim.recipient),
    )
    return row is not None and bool(row[0])


async def mark_unreachable(connection: Connection, *, chat_id: int) -> None:
    await mark_all_unreachable(connection, chat_ids=[chat_id])


async def mark_all_unreachable(connection: Connection, *, chat_ids: Iterable[int]) -> None:
    await connection.executemany(
        "UPDATE participants SET unreachable = 1 WHERE chat_id = ?",
        [(chat_id,) for chat_id in chat_ids],
    )


async def record_round(
    connection: Connection, *, session_id: int, round_number: int, now: datetime
) -> bool:
    """Mark a reminder round as run; False when it already was."""
    cursor = await connection.execute(
        "INSERT INTO reminder_rounds (session_id, round, started_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (session_id, round_number, to_epoch(now)),
    )
    return cursor.rowcount == 1


async def close_session(connection: Connection, *, session_id: int, now: datetime) -> bool:
    """Close an open session; False when it was closed (or cancelled) already."""
    cursor = await connection.execute(
        "UPDATE sessions SET status = 'closed', closed_at = ?"
        " WHERE id = ? AND status != 'closed' AND cancelled_at IS NULL",
        (to_epoch(now), session_id),
    )
    return cursor.rowcount == 1


async def teacher_chats(connection: Connection, *, session_id: int) -> list[int]:
    rows = await fetch_all(
        connection,
        "SELECT chat_id FROM participants WHERE session_id = ? AND profile = 'teacher'"
        " AND reminders_muted = 0 AND unreachable = 0 ORDER BY id",
        (session_id,),
    )
    return [row["chat_id"] for row in rows]
