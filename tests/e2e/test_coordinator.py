"""The coordinator's workflow through the real bot, the emulator and SQLite: invites, the
set-up dialogue, links with QR codes, live status, and every refusal."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PIL import Image

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.settings import Settings, load_settings
from emulator import BotApiEmulator, ChatMessage, EmulatedUser
from tests.completions import complete_in

from .helpers import (
    TOKEN,
    create_session_with_cli,
    db_rows,
    first_tick_done,
    on_both_engines,
    say,
    selfie_bot,
    today_in,
)

ADMIN = 100
COORDINATOR = 200
OWN_TEXT = "Our school library lends laptops to every student who needs one."
LINK = re.compile(r"https://t\.me/\S+")


def link_in(message: ChatMessage) -> str:
    found = LINK.search(message.content)
    assert found is not None, message.content
    return found[0]


@asynccontextmanager
async def running(emu: BotApiEmulator, database: Path, clock: FixedClock) -> AsyncIterator[None]:
    settings: Settings = load_settings(
        None,
        bot_token=TOKEN,
        api_url=emu.base_url,
        database=database,
        rate_limit=False,
        admins=str(ADMIN),
        minimum_students=2,
        min_group_size=1,  # the one student who answers is shown
        tick_seconds=3600,
    )
    async with polling(build_application(settings, clock=clock), poll_timeout=1) as application:
        await first_tick_done(application)
        yield


async def click(user: EmulatedUser, message: ChatMessage, label: str) -> ChatMessage:
    await user.click(label, message=message)
    await user.wait_for_edit(message)
    return message


async def forged(user: EmulatedUser, message: ChatMessage, data: str) -> str:
    """Press a button the bot never offered; return the alert."""
    before = (message.text, message.edits)
    await user.press(message, data, force=True)
    alert = await user.wait_for_answer()
    assert alert.show_alert
    assert (message.text, message.edits) == before
    return alert.text or ""


async def invite_coordinator(admin: EmulatedUser, school: str) -> str:
    reply = await say(admin, f"/invite {school}")
    assert "works once" in reply.content
    return link_in(reply)


async def add_own(user: EmulatedUser, menu: ChatMessage, text: str, *, area: str) -> ChatMessage:
    """From the own-statement list: write a statement for every group, without help."""
    await click(user, menu, "➕")
    assert "Send the statement's text" in menu.content
    areas = await say(user, text)
    await click(user, areas, f"{area} · ")
    assert "Who answers it?" in areas.content
    await click(user, areas, "✅ Done")
    assert "help text" in areas.content
    await click(user, areas, "Skip")
    return areas


@on_both_engines
async def test_an_admin_invites_a_coordinator_who_sets_up_a_session_that_is_answered(
    emu: BotApiEmulator, database: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    admin = emu.user(ADMIN, language_code="en")
    coordinator = emu.user(COORDINATOR, first_name="Inga", language_code="en")
    async with running(emu, database, clock):
        assert "added" in (await say(admin, "/addschool Ogres tehnikums")).content
        link = await invite_coordinator(admin, "Ogres tehnikums")
        await coordinator.open_link(link)
        joined = await coordinator.wait_for_message()
        assert "now a coordinator of Ogres tehnikums" in joined.content
        intruder = emu.user(201, language_code="en")
        await intruder.open_link(link)
        assert "already been used" in (await intruder.wait_for_message()).content

        # 1. The education level.
        screen = await say(coordinator, "/newsession")
        assert "step 1 of 4" in screen.content
        await click(coordinator, screen, "Upper secondary")
        assert "step 2 of 4" in screen.content
        assert "Optional statements chosen: 0" in screen.content

        # 2. Optional statements, area by area; core ones are listed as fixed.
        await click(coordinator, screen, "☑")
        # Each says who answers it and what it is about, not only its code.
        assert "Core statements of this area (fixed):\n• A1 " in screen.content
        assert "Answered by: school leaders, teachers" in screen.content
        (a6,) = [b.text for b in screen.buttons if b.text.startswith("⬜ A6 · ")]
        assert len(a6) > len("⬜ A6 · ") + 10
        await click(coordinator, screen, "⬜ A6")
        assert screen.button("✅ A6")
        await click(coordinator, screen, "◀")
        assert "Optional statements chosen: 1" in screen.content

        # Own statements: one in full, then up to the limit of ten.
        await click(coordinator, screen, "✏️ Own statements (0/10)")
        await click(coordinator, screen, "➕")
        too_long = await say(coordinator, "x" * 301)
        assert "301 characters" in too_long.content
        areas = await say(coordinator, OWN_TEXT)
        assert "Which area" in areas.content
        assert "C · Infrastructure and equipment" in labels_of(areas)
        await click(coordinator, areas, "C · ")
        await click(coordinator, areas, "✅ school leaders")
        await click(coordinator, areas, "✅ teachers")
        await click(coordinator, areas, "⬜ teachers")
        await click(coordinator, areas, "✅ Done")
        help_prompt = areas
        listing = await say(coordinator, "Choose 5 if any student can borrow one the same day.")
        assert "Statement S1 is added" in listing.content
        # The area by its name, in the list and in the statement's view.
        assert f"S1 (C · Infrastructure and equipment) {OWN_TEXT}" in listing.content
        await click(coordinator, listing, "S1 · ")
        assert "S1 · area C · Infrastructure and equipment · teachers" in listing.content
        await click(coordinator, listing, "◀")
        assert help_prompt.text != listing.text
        for number in range(2, 11):
            listing = await add_own(
                coordinator, listing, f"Own statement number {number}.", area="H"
            )
        assert "(10 of 10)" in listing.content
        assert not [b for b in listing.buttons if b.text.startswith("➕")]
        draft_id = db_rows(database, "SELECT id FROM session_drafts")[0][0]
        assert "at most 10 own statements" in await forged(
            coordinator, listing, f"d:{draft_id}:add"
        )

    # The bot restarts in the middle of the dialogue; the draft carries on from the database.
    async with running(emu, database, clock):
        resumed = await say(coordinator, "/newsession")
        assert "unfinished draft" in resumed.content
        await click(coordinator, resumed, "▶ Resume")
        assert "Your own statements: 10 of 10" in resumed.content

        # 3. Dates: refused when in the past, too short or too long; then typed as a range.
        await click(coordinator, resumed, "Next: dates")
        assert "Europe/Riga" in resumed.content
        today = today_in("Europe/Riga")
        past = await say(coordinator, (today - timedelta(days=1)).strftime("%d.%m.%Y"))
        assert "cannot be in the past" in past.content
        short = await say(coordinator, f"{today:%d.%m.%Y} – {today + timedelta(days=3):%d.%m.%Y}")
        assert "at least 7 days" in short.content
        long = await say(coordinator, f"{today:%Y-%m-%d} {today + timedelta(days=21):%Y-%m-%d}")
        assert "at most 21 days" in long.content
        assert "couldn't" not in (await say(coordinator, "next week")).content.lower()
        review = await say(coordinator, f"{today:%d.%m.%Y} – {today + timedelta(days=13):%d.%m.%Y}")
        assert "step 4 of 4" in review.content
        assert "23:59 (Europe/Riga)" in review.content

        # 4. Activate: the links, and a QR code for each group.
        await coordinator.click("✅ Activate", message=review)
        activated = await coordinator.wait_for_edit(review)
        assert "is set up" in activated.content
        links_message, *photos = await coordinator.wait_for_messages(4)
        assert links_message.content.count("https://t.me/selfie_e2e_bot?start=") == 3
        assert all(photo.photo and photo.photo.startswith(b"\x89PNG") for photo in photos)
        student_link = link_in(photos[2])
        assert "students" in (photos[2].caption or "")
        # Each code is labelled under it, and its caption is the group's invitation to forward.
        for photo, group in zip(photos, ("school leaders", "teachers", "students"), strict=True):
            assert photo.photo is not None
            with Image.open(io.BytesIO(photo.photo)) as image:
                assert image.height > image.width  # the label under the square code
            caption = photo.caption or ""
            assert "Ogres tehnikums invites you to take part" in caption
            assert f"Group: {group}" in caption
            assert link_in(photo) in links_message.content
        assert "your learning" in (photos[2].caption or "")
        assert "your learning" not in (photos[1].caption or "")
        session_id = db_rows(database, "SELECT id FROM sessions")[0][0]
        assert db_rows(database, "SELECT count(*) FROM session_drafts") == [(0,)]
        assert db_rows(
            database, f"SELECT count(*) FROM own_statements WHERE session_id = {session_id}"
        ) == [(10,)]

        # A student answers everything, own statements included.
        student = emu.user(300, language_code="en")
        await student.open_link(student_link)
        _, statement = await student.wait_for_messages(2)
        # The dialogue asks about the respondents by default, as the command line does.
        assert statement.content.startswith("About you")
        while statement.content.startswith("About you"):
            await click(student, statement, "Prefer not to say")
        seen: list[str] = []
        while any(b.text.startswith("N/A") for b in statement.buttons):
            seen.append(statement.content)
            await click(student, statement, "4")
        assert any(OWN_TEXT in text for text in seen)
        assert any("Own statement number 10." in text for text in seen)

        # Live completion: numbers only.
        status = await say(coordinator, "/status")
        assert "students: joined 1, completed 1 · 50% of the recommended 2" in status.content
        assert "medium participation" in status.content
        assert "teachers: joined 0, completed 0" in status.content
        assert "Inga" not in status.content and "300" not in status.content

        sessions = await say(coordinator, "/sessions")
        assert f"#{session_id} · Ogres tehnikums" in sessions.content
        assert "· open" in sessions.content

        # The preview records nothing.
        chooser = await say(coordinator, "/preview")
        await coordinator.click("students · EN", message=chooser)
        shown = await coordinator.wait_for_message()
        assert "Nothing is recorded" in shown.content
        assert OWN_TEXT in shown.content
        answers_before = db_rows(database, "SELECT count(*) FROM progress")

        # Editing after the start: statements are locked; the end date can still move.
        assert "can no longer be changed" in await forged(
            coordinator, sessions, f"s:{session_id}:eds"
        )
        await coordinator.press(sessions, f"s:{session_id}:edd", force=True)
        change = await coordinator.wait_for_response()
        assert "first day stays" in change.content
        saved_review = await say(coordinator, f"{today + timedelta(days=20):%d.%m.%Y}")
        await click(coordinator, saved_review, "💾 Save")
        assert "is saved" in saved_review.content
        assert db_rows(database, "SELECT end_date FROM sessions") == [
            ((today + timedelta(days=20)).isoformat(),)
        ]

        # While it runs, /results shows participation only.
        early = await say(coordinator, "/results")
        assert "when the session closes" in early.content
        assert "students: joined 1" in early.content

        # Closing early takes a confirmation; then the chart goes to the coordinator.
        card = await say(coordinator, "/sessions")
        photos_before = len([m for m in coordinator.messages if m.photo])  # the QR codes
        await coordinator.press(card, f"s:{session_id}:cls", force=True)
        confirm = await coordinator.wait_for_response()
        assert "cannot be undone" in confirm.content
        await click(coordinator, confirm, "✅")
        assert "is closed" in confirm.content
        await emu.wait_for(
            lambda: len([m for m in coordinator.messages if m.photo]) > photos_before, timeout=20
        )
        assert db_rows(database, "SELECT status FROM sessions") == [("closed",)]

        # Afterwards /results brings the chart, the PDF report and the summary CSV; the
        # response-by-response CSV is for operators only (selfie-bot session export).
        await coordinator.send("/results")
        photo, pdf, summary = await coordinator.wait_for_messages(3, timeout=30)
        assert photo.photo is not None
        assert photo.photo.startswith(b"\x89PNG")
        assert "Ogres tehnikums" in (photo.caption or "")
        assert pdf.document is not None
        assert pdf.document.data.startswith(b"%PDF")
        assert summary.document is not None
        assert (summary.document.filename or "").endswith(".csv")
        await asyncio.sleep(0.5)
        assert not [
            m
            for m in coordinator.messages
            if m.document and "answers" in (m.document.filename or "")
        ]
    assert db_rows(database, "SELECT count(*) FROM progress") == answers_before


@on_both_engines
async def test_refusals_change_nothing(emu: BotApiEmulator, database: Path) -> None:
    clock = FixedClock(datetime.now(UTC))
    admin = emu.user(ADMIN, language_code="en")
    first = emu.user(COORDINATOR, language_code="en")
    other = emu.user(400, language_code="lv")
    stranger = emu.user(500, language_code="en")
    today = today_in("Europe/Riga")
    async with running(emu, database, clock):
        # Admin commands are for admins only.
        assert "Only the bot's admins" in (await say(stranger, "/addschool Fake")).content
        assert "Only the bot's admins" in (await say(first, "/invite Fake")).content
        await say(admin, "/addschool Skola A")
        await say(admin, "/addschool Skola B")
        assert "already exists" in (await say(admin, "/addschool skola a")).content
        await first.open_link(await invite_coordinator(admin, "Skola A"))
        await first.wait_for_message()
        await other.open_link(await invite_coordinator(admin, "Skola B"))
        assert "koordinators" in (await other.wait_for_message()).content

        # An invite expires after 48 hours.
        late = await invite_coordinator(admin, "Skola B")
        clock.advance(timedelta(hours=48, seconds=1))
        await stranger.open_link(late)
        assert "expired" in (await stranger.wait_for_message()).content
        clock.set(datetime.now(UTC))

        # A session of school A, starting tomorrow, set up by typing the dates.
        screen = await say(first, "/newsession")
        await click(first, screen, "Primary")
        await click(first, screen, "Next: dates")
        start = today + timedelta(days=1)
        await first.click(f"{start.day}", message=screen)  # the calendar
        await first.wait_for_edit(screen)
        assert f"First day: {start:%d.%m.%Y}" in screen.content
        review = await say(first, f"{start + timedelta(days=6):%d.%m.%Y}")
        await first.click("✅ Activate", message=review)
        await first.wait_for_messages(4)
        session_id = db_rows(database, "SELECT id FROM sessions")[0][0]

        # Nothing of school A for a coordinator of school B, nor for anyone else.
        denied = await say(other, f"/status {session_id}")
        assert "nekoordinējat" in denied.content
        assert "Skola A" not in denied.content
        for person in (other, stranger):
            message = await say(person, f"/links {session_id}")
            assert "Skola A" not in message.content
            for op in ("st", "ln", "pv:student.lv", "eds", "card", "rem", "cls", "clsy"):
                await forged(person, message, f"s:{session_id}:{op}")
        assert "any school" in (await say(stranger, "/newsession")).content
        team = await say(other, "/coordinators")
        school_a = db_rows(database, "SELECT id FROM schools WHERE name = 'Skola A'")[0][0]
        await forged(other, team, f"k:{school_a}:inv")
        await forged(other, team, f"k:{school_a}:rmy:{COORDINATOR}")
        assert "nav derīga" in await forged(other, team, "d:1:lvl:university")

        # Before the start, own statements can be changed; the changes are saved.
        await first.send("/sessions")
        listing = await first.wait_for_message()
        await first.press(listing, f"s:{session_id}:eds", force=True)
        editing = await first.wait_for_response()
        await click(first, editing, "✏️ Own statements")
        await click(first, editing, "➕")
        areas = await say(first, "Mums ir robotikas pulciņš.")
        await click(first, areas, "B · ")
        await click(first, areas, "✅ Done")
        listing = await say(first, "x" * 351)
        assert "at most 350" in listing.content
        listing = await say(first, "Izvēlieties 5, ja pulciņš notiek katru nedēļu.")
        await click(first, listing, "◀")
        await click(first, listing, "Review")
        await click(first, listing, "💾 Save")
        assert "is saved" in listing.content
        assert db_rows(database, "SELECT code, area FROM own_statements") == [("S1", "B")]

        # Once it has started, the statements are locked even through an old draft's buttons.
        await first.press(listing, f"s:{session_id}:eds", force=True)
        editing = await first.wait_for_response()
        draft_id = db_rows(database, "SELECT id FROM session_drafts")[0][0]
        clock.set(datetime.now(UTC) + timedelta(days=1, hours=1))
        await click(first, editing, "✏️ Own statements")
        assert "can no longer be changed" in await forged(first, editing, f"d:{draft_id}:add")
        assert "can no longer be changed" in await forged(first, editing, f"d:{draft_id}:od:S1")
        assert db_rows(database, "SELECT count(*) FROM own_statements") == [(1,)]
        assert "discarded" in (await say(first, "/cancel")).content


@on_both_engines
async def test_operators_provision_schools_from_the_command_line(
    emu: BotApiEmulator, database: Path, tmp_path: Path
) -> None:
    code, out, _ = await selfie_bot(
        emu, database, "school", "add", "--name", "Cēsu skola", "--json"
    )
    assert code == 0
    assert json.loads(out)["school_id"] == 1
    code, _, err = await selfie_bot(emu, database, "school", "add", "--name", "cēsu skola")
    assert code == 1 and "exists already" in err
    code, out, _ = await selfie_bot(
        emu, database, "coordinator", "invite", "--school", "Cēsu skola", "--json"
    )
    assert code == 0
    invite = json.loads(out)["link"]
    code, _, err = await selfie_bot(emu, database, "coordinator", "invite", "--school", "Nav")
    assert code == 1 and "no school" in err

    start, end = today_in("Europe/Riga"), today_in("Europe/Riga") + timedelta(days=9)
    common = ["--level", "vet", "--start", start.isoformat(), "--end", end.isoformat(), "--json"]
    own = ["--own", "C|teacher,student|Mums ir 3D printeris.|Izvēlieties 5, ja to lieto."]
    code, out, err = await selfie_bot(
        emu, database, "session", "create", "--school", "Cēsu skola", "--coordinator", "42",
        "--optional", "A6", *own, *common,
    )  # fmt: skip
    assert code == 0, err
    created = json.loads(out)
    code, _, err = await selfie_bot(
        emu, database, "session", "create", "--school", "Cēsu skola", "--coordinator", "42",
        "--own", "Z|all|Nav jomas", *common,
    )  # fmt: skip
    assert code == 1 and "area must be one of A to H" in err

    rows = tmp_path / "schools.csv"
    rows.write_text(
        "school,level,start,end,optional,own,coordinator\n"
        f'Valmieras skola,primary,{start},{end},A6,"C|all|Viens\nH|student|Divi",\n'
        f"Bauskas skola,college,{start},{end},,,\n"
        f"Bauskas skola,vet,2020-01-01,2020-01-09,,,\n"
        f"Talsu skola,vet,{start},{end},,Z|all|x,\n"
        f"Siguldas skola,upper-secondary,{start},{end},,,77\n",
        encoding="utf-8",
    )
    code, out, err = await selfie_bot(emu, database, "session", "bulk-create", str(rows), "--json")
    assert code == 1  # some rows were rejected
    assert "5/5" in err and "[" in err  # the progress bar
    report = json.loads(out)
    assert (report["created"], report["rejected"]) == (2, 3)
    by_row = {entry["row"]: entry for entry in report["rows"]}
    assert by_row[2]["status"] == "created" and "coordinator_invite" in by_row[2]
    assert "level 'college'" in by_row[3]["error"]
    assert "before today" in by_row[4]["error"]
    assert "area must be one of A to H" in by_row[5]["error"]
    assert by_row[6]["status"] == "created" and "coordinator_invite" not in by_row[6]
    # Nothing half created: rejected rows left no school behind.
    assert db_rows(database, "SELECT name FROM schools ORDER BY id") == [
        ("Cēsu skola",),
        ("Valmieras skola",),
        ("Siguldas skola",),
    ]
    assert db_rows(database, "SELECT count(*) FROM sessions") == [(3,)]
    assert db_rows(
        database,
        "SELECT code, area, profiles FROM own_statements"
        f" WHERE session_id = {created['session_id']}",
    ) == [("S1", "C", "teacher,student")]

    # The invites printed by the command line work in the chat.
    clock = FixedClock(datetime.now(UTC))
    async with running(emu, database, clock):
        coordinator = emu.user(COORDINATOR, language_code="lv")
        await coordinator.open_link(invite)
        assert "Cēsu skola" in (await coordinator.wait_for_message()).content
        valmiera = emu.user(201, language_code="lv")
        await valmiera.open_link(by_row[2]["coordinator_invite"])
        await valmiera.wait_for_message()
        listing = await say(valmiera, "/sessions")
        assert "Valmieras skola" in listing.content and "Cēsu" not in listing.content


async def create_with_cli(
    emu: BotApiEmulator, database: Path, *, school: str, start: date, level: str = "primary"
) -> int:
    """A session of `COORDINATOR` made on the command line; its id."""
    created = await create_session_with_cli(
        emu,
        database,
        level=level,
        school=school,
        start=start,
        coordinator=COORDINATOR,
        questions=(),
    )
    session_id: int = created["session_id"]
    return session_id


async def open_card(user: EmulatedUser, session_id: int) -> ChatMessage:
    """The session's card, opened from the list of /sessions."""
    await user.send("/sessions")
    listing = await user.wait_for_text("Your self-reflections")
    await user.press(listing, f"s:{session_id}:card", force=True)
    return await user.wait_for_edit(listing)


def labels_of(message: ChatMessage) -> list[str]:
    return [b.text for b in message.buttons]


async def test_the_card_offers_what_the_state_allows_and_its_views_lead_back(
    emu: BotApiEmulator, database: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    coordinator = emu.user(COORDINATOR, language_code="en")
    today = today_in("Europe/Riga")
    scheduled = await create_with_cli(
        emu, database, school="Skola A", start=today + timedelta(days=2)
    )
    running_id = await create_with_cli(emu, database, school="Skola B", start=today)
    async with running(emu, database, clock):
        # Before the opening: the state is on the card; no status button repeats it.
        card = await open_card(coordinator, scheduled)
        assert "State: scheduled" in card.content
        shown = labels_of(card)
        assert not [label for label in shown if "Status" in label]
        assert not [label for label in shown if "Results" in label]
        assert [label for label in shown if "Links" in label]

        # The preview's choice leads back to the card.
        await click(coordinator, card, "👁")
        assert "◀ Back to the card" in labels_of(card)
        await coordinator.click("students · EN", message=card)
        preview = await coordinator.wait_for_message()
        assert "Nothing is recorded" in preview.content
        # The preview stays to be read; the card comes below it.
        await coordinator.click("◀ Back to the card", message=preview)
        below = await coordinator.wait_for_message()
        assert "State: scheduled" in below.content
        assert "Nothing is recorded" in preview.content
        await click(coordinator, card, "◀ Back to the card")
        assert "State:" in card.content

        # An open session: status and links, each with the way back.
        card = await open_card(coordinator, running_id)
        assert [label for label in labels_of(card) if "Status" in label]
        await click(coordinator, card, "📊")
        assert "joined 0" in card.content
        await click(coordinator, card, "◀ Back to the card")
        assert "State:" in card.content
        await coordinator.click("🔗", message=card)
        links, *_ = await coordinator.wait_for_messages(4)
        await coordinator.click("◀ Back to the card", message=links)
        assert "State: open" in (await coordinator.wait_for_message()).content
        assert "https://t.me/" in links.content  # the links stay where they were

        # Closed early: results instead of links, and the day it closed. Five teachers have
        # completed, so that the close has a chart to send.
        await complete_in(database, running_id, {"teacher": 5})
        await coordinator.press(card, f"s:{running_id}:cls", force=True)
        confirm = await coordinator.wait_for_response()
        photos_before = len([m for m in coordinator.messages if m.photo])
        await click(coordinator, confirm, "✅")
        await emu.wait_for(
            lambda: len([m for m in coordinator.messages if m.photo]) > photos_before, timeout=20
        )
        await asyncio.sleep(0.5)
        card = await open_card(coordinator, running_id)
        shown = labels_of(card)
        assert [label for label in shown if "Results" in label]
        assert not [label for label in shown if "Links" in label]
        assert re.search(rf"Closed: {today.day} \w+ {today.year}, ", card.content)
        planned = today + timedelta(days=13)
        assert re.search(rf"Planned close: {planned.day} \w+ {planned.year}, 23:59", card.content)

        # The results end with the way back: the card comes as a new message.
        await coordinator.click("📈", message=card)
        _, _, summary = await coordinator.wait_for_messages(3, timeout=30)
        assert "◀ Back to the card" in labels_of(summary)
        await coordinator.click("◀ Back to the card", message=summary)
        again = await coordinator.wait_for_message()
        assert "Closed:" in again.content


async def test_a_new_school_s_coordinator_is_invited_by_a_name_typed_loosely(
    emu: BotApiEmulator, database: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    admin = emu.user(ADMIN, language_code="en")
    async with running(emu, database, clock):
        # A new school has nobody yet: the admin invites its coordinator, not a co-coordinator.
        added = await say(admin, "/addschool Liepājas Raiņa 6. vidusskola")
        assert labels_of(added) == ["➕ Invite the coordinator"]
        await say(admin, "/addschool Liepājas 5. vidusskola")

        # Case and diacritics do not matter.
        found = await say(admin, "/invite liepajas raina")
        assert "works once" in found.content
        assert "Liepājas Raiņa 6. vidusskola" in found.content

        # A name that fits two schools names them; one that fits none, the closest.
        both = await say(admin, "/invite Liepajas")
        assert "More than one school" in both.content
        assert "Liepājas 5. vidusskola" in both.content
        assert "Liepājas Raiņa 6. vidusskola" in both.content
        near = await say(admin, "/invite Liepajas Rainis vidusskola")
        assert "no school with that name" in near.content
        assert "Did you mean" in near.content
        assert "Liepājas Raiņa 6. vidusskola" in near.content
        assert "Did you mean" not in (await say(admin, "/invite Zzzz")).content
