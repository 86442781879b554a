"""Several webhook workers (`selfie-bot run` processes) on one PostgreSQL, behind the
emulator's load balancer: each delivery may go to another worker, and a worker may die.

Every participant presses through the whole questionnaire without waiting for the bot between
presses. Each press names its statement, and the bot takes it only while that statement is
the current one, so a press handled before the one ahead of it would be refused as stale and
the questionnaire left unfinished: a finished questionnaire with every value as pressed shows
that each chat's updates were handled in order, across the workers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.scheduler.broadcast import unrecorded_at
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from .helpers import (
    PUBLIC_WEBHOOK_URL,
    TOKEN,
    USERNAME,
    WEBHOOK_SECRET,
    WebhookWorker,
    create_session_with_cli,
    db_rows,
    midday_zone,
    register_webhook,
    selfie_bot,
    webhook_environment,
)
from .test_leader import RATE, check_once, last_reminded, settled, unsent, wait_for_reminders

on_postgresql = pytest.mark.parametrize("database", ["postgresql"], indirect=True)
PEOPLE = 6  # besides the first, who walks through slowly to learn the statements' order


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    # Generous timeouts: on a busy machine a handler may take seconds, and a timed-out
    # delivery would be sent again (harmless, but not what these tests look at).
    async with BotApiEmulator(
        TOKEN,
        username=USERNAME,
        webhook_timeout=60,
        webhook_retry_attempts=10,
        webhook_worker_down_for=5,
    ) as emulator:
        yield emulator


def is_statement(message: ChatMessage) -> bool:
    return any(button.text.startswith("N/A") for button in message.buttons)


def value_of(person: int, position: int) -> int:
    return (person + position) % 6


def code_shown(message: ChatMessage) -> str:
    data = message.buttons[0].callback_data
    assert data is not None and data.startswith("a:"), data
    return data.split(":")[2]


async def walk_slowly(user: EmulatedUser, link: str, session_id: int) -> list[str]:
    """Answer one statement at a time, waiting for each next one; the codes in order."""
    await user.open_link(link)
    _, statement = await user.wait_for_messages(2, timeout=30)
    codes: list[str] = []
    while is_statement(statement):
        code = code_shown(statement)
        await user.press(statement, f"a:{session_id}:{code}:{value_of(user.id, len(codes))}")
        codes.append(code)
        await user.wait_for_edit(statement, timeout=30)
    return codes


def answers_given(database: Path, session_id: int) -> list[tuple[tuple[str, int], ...]]:
    """Each completed questionnaire's answers (anonymous: not whose), sorted."""
    rows = db_rows(
        database,
        "SELECT r.id, a.code, a.value FROM responses r JOIN answers a ON a.response_id = r.id"
        " WHERE r.session_id = ?",
        session_id,
    )
    by_response: dict[object, list[tuple[str, int]]] = {}
    for response, code, value in rows:
        assert isinstance(code, str) and isinstance(value, int)
        by_response.setdefault(response, []).append((code, value))
    return sorted(tuple(sorted(pairs)) for pairs in by_response.values())


@on_postgresql
@pytest.mark.parametrize(("workers", "killed"), [(2, False), (3, True)])
async def test_workers_take_a_school_through_its_questionnaires(
    emu: BotApiEmulator, database: Path, workers: int, killed: bool
) -> None:
    created = await create_session_with_cli(emu, database)
    session_id = created["session_id"]
    link = created["links"]["teacher"]
    pool = [WebhookWorker(emu, database) for _ in range(workers)]
    emu.set_webhook_workers([worker.url for worker in pool], policy="round_robin")
    await register_webhook(emu, database)
    await asyncio.gather(*(worker.start() for worker in pool))
    try:
        first = emu.user(8000, language_code="en")
        codes = await walk_slowly(first, link, session_id)
        assert len(codes) >= 20

        people = [emu.user(8001 + number, language_code="en") for number in range(PEOPLE)]
        for person in people:
            await person.open_link(link)
        cards = [(await person.wait_for_messages(2, timeout=30))[1] for person in people]
        delivered = sum(emu.stats.webhook_deliveries.values())
        # Everyone's presses at once, each person's in quick succession, none waiting.
        for position, code in enumerate(codes):
            for person, card in zip(people, cards, strict=True):
                data = f"a:{session_id}:{code}:{value_of(person.id, position)}"
                await person.press(card, data, force=True)
        if killed:
            # A third of the presses in, one worker dies without a word.
            third = delivered + len(codes) * PEOPLE // 3
            await emu.wait_for(
                lambda: sum(emu.stats.webhook_deliveries.values()) >= third, timeout=120
            )
            await pool[0].kill()
        await emu.wait_until_idle(quiet=1.0, timeout=240)
    finally:
        logs = [await worker.stop() for worker in pool]

    expected = sorted(
        tuple(sorted((code, value_of(pid, k)) for k, code in enumerate(codes)))
        for pid in [first.id, *(person.id for person in people)]
    )
    # Every questionnaire finished, each answer recorded once and as pressed.
    assert answers_given(database, session_id) == expected, logs
    assert db_rows(database, "SELECT count(*) FROM progress") == [(0,)]
    assert emu.stats.webhook_dropped == 0
    assert all(emu.stats.webhook_deliveries[worker.url] > 0 for worker in pool)
    # No failure; a press the dead worker had handled but not acknowledged is handled again
    # (and found stale) elsewhere, whose callback query it had answered already.
    assert sum(log.count("Traceback") for log in logs) == 0, "\n\n".join(logs)
    answered_twice = sum(log.count("could no longer be answered") for log in logs)
    assert answered_twice <= (PEOPLE if killed else 0), "\n\n".join(logs)
    if killed:
        # Deliveries found it gone (its in-flight one, or the next sent to it) and went on
        # to the others, which answered everything after.
        assert emu.stats.webhook_worker_failures[pool[0].url] >= 1


async def test_the_webhook_is_registered_once_from_the_command_line(
    emu: BotApiEmulator, database: Path
) -> None:
    hook = webhook_environment()
    code, out, err = await selfie_bot(emu, database, "webhook", "info", extra=hook)
    assert code == 0, err
    assert "url: none" in out

    code, out, err = await selfie_bot(
        emu, database, "webhook", "set", "--max-connections", "7", extra=hook
    )
    assert code == 0, err
    assert emu.webhook is not None
    assert (emu.webhook.url, emu.webhook.secret_token) == (PUBLIC_WEBHOOK_URL, WEBHOOK_SECRET)
    assert emu.webhook.max_connections == 7
    assert emu.webhook.allowed_updates == ["message", "callback_query"]
    assert f"Telegram posts updates to {PUBLIC_WEBHOOK_URL}" in out

    code, out, err = await selfie_bot(emu, database, "webhook", "info", "--json", extra=hook)
    assert code == 0, err
    info = json.loads(out)
    assert info["url"] == PUBLIC_WEBHOOK_URL
    assert info["max_connections"] == 7
    assert info["pending_update_count"] == 0
    assert WEBHOOK_SECRET not in out + err

    # A worker told of another public URL serves, and says the registration differs.
    worker = WebhookWorker(emu, database, public_url="http://127.0.0.1:10/elsewhere")
    await worker.start()
    stderr = await worker.stop()
    assert "not to SELFIE_WEBHOOK_URL http://127.0.0.1:10/elsewhere" in stderr
    assert emu.call_count("setWebhook") == 1 and emu.call_count("deleteWebhook") == 0

    code, out, err = await selfie_bot(emu, database, "webhook", "delete", extra=hook)
    assert code == 0, err
    assert emu.webhook is None
    assert "Webhook deleted" in out


def sender_locks(database: Path) -> int:
    """Advisory locks held now: the sender's, while no completion takes its group's turn."""
    ((count,),) = db_rows(
        database, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    )
    assert isinstance(count, int)
    return count


@on_postgresql
async def test_two_workers_answer_remind_and_close_once_with_the_sender_killed_in_the_round(
    emu: BotApiEmulator, database: Path
) -> None:
    """A school through questionnaires, a reminder round and the close on two workers; the
    one that sends dies in the middle of the round, the other takes its place."""
    coordinator = emu.user(900, language_code="en", started=True)
    created = await create_session_with_cli(emu, database, timezone=midday_zone())
    session_id = created["session_id"]
    link = created["links"]["teacher"]
    fast = {
        "SELFIE_LEADER_SECONDS": "0.3",
        "SELFIE_LEASE_SECONDS": "3",
        "SELFIE_TICK_SECONDS": "0.5",
        "SELFIE_BROADCAST_RATE": str(RATE),
    }
    sender, other = (
        WebhookWorker(emu, database, extra=fast),
        WebhookWorker(emu, database, extra=fast),
    )
    emu.set_webhook_workers([sender.url, other.url], policy="round_robin")
    await register_webhook(emu, database)
    await sender.start()
    await emu.wait_for(lambda: sender_locks(database) == 1, timeout=60, description="a sender")
    await other.start()
    try:
        finisher = emu.user(8100, language_code="en")
        codes = await walk_slowly(finisher, link, session_id)
        people = [emu.user(8101 + number, language_code="en") for number in range(20)]
        for person in people:
            await person.open_link(link)
            await person.wait_for_messages(2, timeout=30)
        unfinished = [person.id for person in people]

        code, out, err = await selfie_bot(
            emu, database, "session", "remind", str(session_id), "--json"
        )
        assert code == 0, err
        assert json.loads(out)["sent_by"] == "bot"
        await wait_for_reminders(emu, unfinished, 5)
        await sender.kill()
        last = last_reminded(emu, unrecorded_at(RATE) + 1)
        assert unsent(database, "reminder:%") > 0  # killed in the middle of the round
        await settled(emu, database, "reminder:%", len(unfinished))
        check_once(
            emu,
            unfinished,
            "the sender killed after 5+ reminders",
            last_before_kill=last,
            rate=RATE,
        )

        before_close = len(coordinator.messages)
        code, _, err = await selfie_bot(emu, database, "session", "close", str(session_id))
        assert code == 0, err
        await settled(emu, database, "report", 1)
        await emu.wait_until_idle(quiet=1.0, timeout=60)
    finally:
        logs = [await worker.stop() for worker in (sender, other)]
    assert len(codes) >= 20
    assert len(answers_given(database, session_id)) == 1, logs
    assert db_rows(
        database, "SELECT count(*) FROM deliveries WHERE kind = 'report' AND sent_at IS NOT NULL"
    ) == [(1,)]
    # The close's message (no group reached its minimum: it says so in words), once.
    (report,) = [m for m in coordinator.messages[before_close:] if m.from_bot]
    assert "E2E skola" in report.content, report.content
    assert emu.stats.webhook_dropped == 0
