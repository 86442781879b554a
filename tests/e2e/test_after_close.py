"""What a coordinator receives after the close, through the real bot, the emulator and SQLite:
words instead of an empty chart when no group can be shown, the school's badge when every
group reached its recommended minimum, and the follow-up session booked from the results."""

from __future__ import annotations

import json
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.context import BotApplication
from bot.i18n.formatting import period
from bot.sessions.follow_up import proposed_period
from bot.settings import load_settings
from bot.storage.sessions import session_by_id
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from ..completions import complete_in
from .helpers import (
    TOKEN,
    create_session_with_cli,
    db_rows,
    first_tick_done,
    on_both_engines,
    selfie_bot,
    today_in,
)

COORDINATOR = 900  # create_session_with_cli's
SCHOOL = "E2E skola"
LV_FOLLOW_UP = "📅 Ieplānot nākamo pašvērtējumu"


@asynccontextmanager
async def running(
    emu: BotApiEmulator, database: Path, **settings: object
) -> AsyncIterator[BotApplication]:
    """The bot with its own tick an hour apart: the tests close the sessions themselves."""
    configured = load_settings(
        None,
        bot_token=TOKEN,
        api_url=emu.base_url,
        database=database,
        rate_limit=False,
        tick_seconds=3600,
        **settings,
    )
    clock = FixedClock(datetime.now(UTC))
    async with polling(build_application(configured, clock=clock), poll_timeout=1) as app:
        await first_tick_done(app)
        await emu.wait_until_idle()  # the opening notices are out
        yield app


async def close(app: BotApplication, session_id: int) -> None:
    scheduler = app.bot_data.scheduler
    assert await scheduler.close(session_id)
    await scheduler.drain()


async def started(emu: BotApiEmulator, user: int, language: str) -> EmulatedUser:
    person = emu.user(user, language_code=language)
    await person.send("/start")
    await person.wait_for_message()  # the greeting
    return person


def files(user: EmulatedUser) -> list[ChatMessage]:
    return [m for m in user.messages if m.photo is not None or m.document is not None]


# -- no group reaches the minimum size -----------------------------------------------------------


@on_both_engines
async def test_with_no_group_at_the_minimum_size_the_close_and_results_say_so_in_words(
    emu: BotApiEmulator, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, school=SCHOOL)
    session_id = created["session_id"]
    await complete_in(database, session_id, {"teacher": 3, "student": 4})
    async with running(emu, database) as app:
        coordinator = await started(emu, COORDINATOR, "lv")
        # A student who joins and does not finish counts as joined, not as completed.
        student = emu.user(8001, language_code="en")
        await student.open_link(created["links"]["student"])
        await student.wait_for_messages(2)

        await close(app, session_id)
        told = await coordinator.wait_for_text("rezultātus parādīt nevar")
        assert f"Skola: {SCHOOL}" in told.content
        assert "Minimālais respondentu skaits grupā: 5" in told.content
        assert "Skolas vadītāji: aizpildījuši 0, pievienojušies 0" in told.content
        assert "Skolotāji: aizpildījuši 3, pievienojušies 3" in told.content
        assert "Skolēni: aizpildījuši 4, pievienojušies 5" in told.content
        assert "diagramma un ziņojums netiek sūtīti" in told.content
        assert told.button(LV_FOLLOW_UP)

        await coordinator.send(f"/results {session_id}")
        again = await coordinator.wait_for_message(timeout=20)
        assert again.content == told.content
        assert again.button(LV_FOLLOW_UP)
        await emu.wait_until_idle()
    assert files(coordinator) == []
    assert not [m for m in coordinator.messages if "neizdevās" in m.content]


@on_both_engines
async def test_results_with_no_group_at_the_minimum_say_so_in_the_coordinator_s_language(
    emu: BotApiEmulator, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, school=SCHOOL)
    await complete_in(database, created["session_id"], {"leader": 2})
    async with running(emu, database, min_group_size=3) as app:
        coordinator = await started(emu, COORDINATOR, "en")
        await close(app, created["session_id"])
        await coordinator.wait_for_message()  # the close's own notice
        await coordinator.send(f"/results {created['session_id']}")
        told = await coordinator.wait_for_message(timeout=20)
        assert "there are no results to show" in told.content
        assert "Minimum respondents per group: 3" in told.content
        assert "School leaders: 2 completed, 2 joined" in told.content
        assert "Students: 0 completed, 0 joined" in told.content
        assert told.button("📅 Plan the follow-up session")
        await emu.wait_until_idle()
    assert files(coordinator) == []


# -- the school's badge --------------------------------------------------------------------------

MINIMUMS = {"minimum_leaders": 1, "minimum_teachers": 5, "minimum_students": 2}


@on_both_engines
async def test_a_close_with_every_group_at_its_minimum_sends_the_badge_in_the_school_s_language(
    emu: BotApiEmulator, database: Path
) -> None:
    start = today_in("Europe/Riga")
    code, out, err = await selfie_bot(
        emu,
        database,
        "session",
        "create",
        "--school",
        "Ogres tehnikums",
        "--coordinator",
        str(COORDINATOR),
        "--level",
        "vet",
        "--start",
        start.isoformat(),
        "--end",
        (start + timedelta(days=13)).isoformat(),
        "--own",
        "C|teacher|Skolā darbojas robotikas pulciņš.",
        "--json",
    )
    assert code == 0, err
    session_id = json.loads(out)["session_id"]
    await complete_in(database, session_id, {"leader": 1, "teacher": 5, "student": 2})
    db_rows(database, "INSERT INTO user_languages VALUES (?, 'en')", COORDINATOR)  # as /language
    async with running(emu, database, **MINIMUMS) as app:
        coordinator = await started(emu, COORDINATOR, "en")
        await close(app, session_id)
        await emu.wait_until_idle()
    chart, badge = files(coordinator)
    assert chart.photo is not None  # the report first, then the badge
    assert badge.document is not None
    # Drawn in Latvian, the language the school writes its own statements in; the caption in
    # the coordinator's English.
    # The school's first session: its number 1.
    assert badge.document.filename == f"selfie-ogres-tehnikums-1-{start}-zetons.png"
    data = badge.document.data
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1000, 1000)
    assert "A digital badge for taking part" in (badge.caption or "")
    assert "Ogres tehnikums" in (badge.caption or "")
    assert db_rows(
        database, "SELECT recipient, sent_at IS NOT NULL FROM deliveries WHERE kind = 'badge'"
    ) == [(COORDINATOR, 1)]


@on_both_engines
async def test_a_close_below_a_minimum_sends_the_report_and_no_badge(
    emu: BotApiEmulator, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, school=SCHOOL)
    session_id = created["session_id"]
    # One student short of the minimum.
    await complete_in(database, session_id, {"leader": 1, "teacher": 5, "student": 1})
    async with running(emu, database, **MINIMUMS) as app:
        coordinator = await started(emu, COORDINATOR, "en")
        await close(app, session_id)
        await emu.wait_until_idle()
    (chart,) = files(coordinator)
    assert chart.photo is not None
    assert db_rows(database, "SELECT count(*) FROM deliveries WHERE kind = 'badge'") == [(0,)]


# -- the follow-up session -----------------------------------------------------------------------


@on_both_engines
async def test_the_follow_up_is_booked_from_the_results_once_and_forged_presses_change_nothing(
    emu: BotApiEmulator, database: Path
) -> None:
    created = await create_session_with_cli(emu, database, school=SCHOOL)
    session_id = created["session_id"]
    await complete_in(database, session_id, {"teacher": 5})
    other = await create_session_with_cli(emu, database, school="Cita skola")
    # Another school's coordinator.
    db_rows(database, "UPDATE coordinators SET telegram_id = 901 WHERE school_id = 2")
    async with running(emu, database) as app:
        coordinator = await started(emu, COORDINATOR, "lv")
        stranger = await started(emu, 901, "lv")
        assert app.job_queue is not None
        await close(app, session_id)
        await emu.wait_for(lambda: len(files(coordinator)) == 1, timeout=20)
        (chart,) = files(coordinator)

        # Under the chart: the button; it proposes dates three and six months on.
        await coordinator.click(LV_FOLLOW_UP, message=chart)
        offer = await coordinator.wait_for_text("Nākamais pašvērtējums ·")
        services = app.bot_data.services
        async with services.db.read() as reader:
            closed = await session_by_id(reader, session_id=session_id)
        assert closed is not None
        now = services.clock.now()
        proposals = {months: proposed_period(closed, months, now=now) for months in (3, 6)}
        assert f"tas būs tāds pats kā #{session_id}" in offer.content
        for months, proposed in proposals.items():
            assert (
                f"Pēc {months} mēnešiem: {period(proposed.start, proposed.end, 'lv')}"
                in offer.content
            )
            assert proposed.days == 14 and proposed.start.weekday() < 5

        # A stale date on the button: told, and the offer shown anew; nothing is made.
        stale = f"s:{session_id}:fuy:3.{proposals[3].start + timedelta(days=1):%Y%m%d}"
        await coordinator.press(offer, stale, force=True)
        assert "datumi ir mainījušies" in ((await coordinator.wait_for_answer()).text or "")
        # Forged: a day that does not exist; a session of a school the presser does not have.
        await coordinator.press(offer, f"s:{session_id}:fuy:3.20270231", force=True)
        assert (await coordinator.wait_for_answer()).show_alert
        assert stranger.last_message is not None
        await stranger.press(stranger.last_message, f"s:{session_id}:fu", force=True)
        assert "nekoordinējat" in ((await stranger.wait_for_answer()).text or "")
        await coordinator.press(offer, f"s:{other['session_id']}:fu", force=True)
        assert "nekoordinējat" in ((await coordinator.wait_for_answer()).text or "")
        assert db_rows(database, "SELECT count(*) FROM sessions") == [(2,)]

        # Scheduling: the session is made with its links, and the scheduler told.
        await coordinator.click("✅ Pēc 3 mēnešiem", message=offer)
        await coordinator.wait_for_edit(offer)
        assert "Nākamais pašvērtējums #2 ir ieplānots" in offer.content
        assert f"Tāds pats kā #{session_id}" in offer.content
        assert offer.buttons == []
        links, *qr_codes = await coordinator.wait_for_messages(4, timeout=20)
        assert links.text is not None and links.text.count("https://t.me/") == 3
        assert all(qr.photo is not None for qr in qr_codes)
        assert db_rows(
            database,
            "SELECT level, start_date, end_date, status, follows FROM sessions WHERE id = 3",
        ) == [
            (
                "upper-secondary",
                proposals[3].start.isoformat(),
                proposals[3].end.isoformat(),
                "active",
                session_id,
            )
        ]
        assert db_rows(database, "SELECT count(*) FROM invites WHERE session_id = 3") == [(3,)]
        assert app.job_queue.get_jobs_by_name("session:3:open")

        # Pressing again, here or under the chart, makes nothing more.
        await coordinator.press(
            offer, f"s:{session_id}:fuy:6.{proposals[6].start:%Y%m%d}", force=True
        )
        assert "jau ir ieplānots: #2" in ((await coordinator.wait_for_answer()).text or "")
        await coordinator.click(LV_FOLLOW_UP, message=chart)
        assert "jau ir ieplānots: #2" in ((await coordinator.wait_for_answer()).text or "")
        # The new session is not closed: it has no follow-up yet.
        await coordinator.press(offer, "s:3:fu", force=True)
        assert "kad pašvērtējums būs noslēdzies" in (
            (await coordinator.wait_for_answer()).text or ""
        )

        # /results carries the button too.
        await coordinator.send(f"/results {session_id}")
        photo, *_ = await coordinator.wait_for_messages(3, timeout=60)
        assert photo.photo is not None and photo.button(LV_FOLLOW_UP)
    assert db_rows(database, "SELECT count(*) FROM sessions") == [(3,)]
