"""A VET school with work-based learning runs a session end to end with all four groups, the
in-company trainers among them: set up in the chat, answered through each group's link,
reminded, closed, and reported on, through the real bot, the emulator and SQLite."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.i18n import texts
from bot.settings import load_settings
from bot.surveys.bank import default_bank
from bot.surveys.vocabulary import Profile
from emulator import BotApiEmulator, EmulatedUser

from .helpers import TOKEN, db_rows, first_tick_done, midday_zone, on_both_engines, say, today_in
from .test_coordinator import click, invite_coordinator, link_in

ADMIN = 100
COORDINATOR = 200
GROUPS: tuple[Profile, ...] = ("leader", "teacher", "student", "trainer")
PER_GROUP = 2
CODE = re.compile(r"^a:\d+:([A-HS]\d{1,2}):\d$")


async def answer_all(
    user: EmulatedUser, link: str, profile: Profile, *, at_most: int = 1000, language: str = "en"
) -> list[str]:
    """Open the link and answer 4 to each statement (to `at_most` of them); return the codes
    of the statements shown."""
    bank = default_bank()
    await user.open_link(link)
    welcome, card = await user.wait_for_messages(2, timeout=20)
    assert texts()(language, f"group.{profile}") in welcome.content
    # A session set up in the chat asks about the person first, as on the command line.
    undisclosed = texts()(language, "background.undisclosed")
    while any(b.text == undisclosed for b in card.buttons):
        await click(user, card, undisclosed)
    seen: list[str] = []
    while any(b.text.startswith("N/A") for b in card.buttons) and len(seen) < at_most:
        code = CODE.fullmatch(card.button("N/A").callback_data or "")
        assert code is not None
        seen.append(code[1])
        if not code[1].startswith("S"):
            assert bank.statement(code[1]).text(profile, "wbl", language) in card.content
        await click(user, card, "4")
    return seen


@on_both_engines
async def test_a_vet_school_runs_a_work_based_learning_session_with_four_groups(
    emu: BotApiEmulator, database: Path
) -> None:
    zone = midday_zone()  # civil hours now: the reminder round goes out
    settings = load_settings(
        None,
        bot_token=TOKEN,
        api_url=emu.base_url,
        database=database,
        rate_limit=False,
        admins=str(ADMIN),
        timezone=zone,
        min_group_size=PER_GROUP,
        minimum_trainers=3,
        tick_seconds=3600,
    )
    bank = default_bank()
    admin = emu.user(ADMIN, language_code="en")
    coordinator = emu.user(COORDINATOR, language_code="en")
    application = build_application(settings, clock=FixedClock(datetime.now(UTC)))
    async with polling(application, poll_timeout=1):
        await first_tick_done(application)
        await say(admin, "/addschool Rīgas Valsts tehnikums")
        await coordinator.open_link(await invite_coordinator(admin, "Rīgas Valsts tehnikums"))
        await coordinator.wait_for_message()

        # The set-up dialogue offers the level; the review counts each group's statements.
        screen = await say(coordinator, "/newsession")
        await click(coordinator, screen, "Vocational with work-based learning")
        await click(coordinator, screen, "✏️ Own statements (0/10)")
        await click(coordinator, screen, "➕")
        areas = await say(coordinator, "Our workshop machines are the same as in companies.")
        await click(coordinator, areas, "C · ")
        assert "✅ in-company trainers" in [b.text for b in areas.buttons]
        await click(coordinator, areas, "✅ in-company trainers")  # not for the trainers
        await click(coordinator, areas, "✅ Done")
        await click(coordinator, areas, "Skip")
        await click(coordinator, areas, "◀")
        await click(coordinator, areas, "Next: dates")
        today = today_in(zone)
        review = await say(coordinator, f"{today:%d.%m.%Y} – {today + timedelta(days=13):%d.%m.%Y}")
        sizes = {p: len(bank.core("wbl", p)) + (p != "trainer") for p in GROUPS}
        assert (
            f"school leaders – {sizes['leader']}, teachers – {sizes['teacher']}, "
            f"students – {sizes['student']}, in-company trainers – {sizes['trainer']}"
        ) in review.content, review.content
        assert "one for each group" in review.content

        # Four links, each with its QR code.
        await coordinator.click("✅ Activate", message=review)
        await coordinator.wait_for_edit(review)
        links_message, *photos = await coordinator.wait_for_messages(5)
        assert links_message.content.count("https://t.me/selfie_e2e_bot?start=") == 4
        assert "in-company trainers" in (photos[3].caption or "")
        links = dict(zip(GROUPS, (link_in(photo) for photo in photos), strict=True))
        assert db_rows(database, "SELECT level FROM sessions") == [("wbl",)]
        session_id = cast(int, db_rows(database, "SELECT id FROM sessions")[0][0])

        # Two people of every group answer everything; a third trainer stops before the end.
        people = {
            (profile, n): emu.user(1000 + 10 * index + n, language_code="en")
            for index, profile in enumerate(GROUPS)
            for n in range(PER_GROUP)
        }
        seen = await asyncio.gather(
            *(answer_all(user, links[profile], profile) for (profile, _), user in people.items())
        )
        shown = dict(zip(people, seen, strict=True))
        trainers_core = [s.code for s in bank.core("wbl", "trainer")]
        assert shown[("trainer", 0)] == trainers_core  # and not the own statement
        assert "S1" in shown[("teacher", 0)]
        assert "B10" in shown[("student", 0)] and "B9" in shown[("teacher", 0)]  # the workplace
        assert "B10" not in shown[("teacher", 0)] and "A1" not in shown[("trainer", 0)]
        late = emu.user(1099, language_code="lv")
        await answer_all(
            late, links["trainer"], "trainer", at_most=len(trainers_core) - 3, language="lv"
        )

        # Status and preview know the group.
        status = await say(coordinator, "/status")
        assert "in-company trainers: joined 3, completed 2 · 67% of the recommended 3" in (
            status.content
        )
        chooser = await say(coordinator, "/preview")
        await coordinator.click("in-company trainers · LV", message=chooser)
        preview = await coordinator.wait_for_message()
        assert bank.statement("H12").text("trainer", "wbl", "lv") in preview.content

        # A reminder round reaches the unfinished trainer, addressed as staff are.
        scheduler = application.bot_data.scheduler
        await scheduler.remind(session_id)
        await scheduler.drain()
        reminder = await late.wait_for_message(timeout=20)
        assert "jūsu pašvērtējums" in reminder.content  # staff are addressed with "jūs"
        assert "Atlikušo apgalvojumu skaits: 3" in reminder.content
        assert reminder.button("▶ Turpināt")
        digest = await coordinator.wait_for_message(timeout=20)
        t = texts()
        trainers_line = {  # in the coordinator's language, or in the bot's first
            t(
                code,
                "notice.digest_line",
                group=t(code, "group.trainer").capitalize(),
                completed=2,
                joined=3,
            )
            for code in ("lv", "en")
        }
        assert trainers_line & set(digest.content.splitlines()), digest.content

        # The close: the chart's caption, the report and the summary show the trainers.
        card = await say(coordinator, "/sessions")
        await coordinator.press(card, f"s:{session_id}:cls", force=True)
        confirm = await coordinator.wait_for_response()
        photos_before = len([m for m in coordinator.messages if m.photo])
        await click(coordinator, confirm, "✅")
        await emu.wait_for(
            lambda: len([m for m in coordinator.messages if m.photo]) > photos_before, timeout=30
        )
        await coordinator.send("/results")
        photo, pdf, summary = await coordinator.wait_for_messages(3, timeout=60)
    assert "In-company trainers: 2" in (photo.caption or "")
    assert photo.photo is not None and pdf.document is not None and summary.document is not None
    assert pdf.document.data.startswith(b"%PDF")
    rows = list(csv.reader(io.StringIO(summary.document.data.decode("utf-8-sig"))))
    trainer_codes = {row[0] for row in rows if row[2] == "In-company trainers"}
    assert trainer_codes == set(trainers_core)
    assert {row[2] for row in rows[1:]} == {
        "School leaders",
        "Teachers",
        "Students",
        "In-company trainers",
    }
