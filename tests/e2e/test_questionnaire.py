"""A participant's whole questionnaire through the real bot, the emulator and SQLite."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_application, polling
from bot.clock import FixedClock
from bot.i18n import shipped
from bot.sessions.service import create_session
from bot.settings import Settings
from bot.storage import Database
from bot.surveys.bank import default_bank
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from .helpers import (
    WEBHOOK_SECRET,
    BotProcess,
    WebhookWorker,
    create_session_with_cli,
    db_rows,
    on_both_engines,
    progress_of,
    register_webhook,
    selfie_bot,
)

SCALE = ["1", "2", "3", "4", "5", "N/A"]


async def open_invite(user: EmulatedUser, link: str) -> tuple[ChatMessage, ChatMessage]:
    """Follow an invite link; the bot greets, then shows the first statement."""
    await user.open_link(link)
    welcome, statement = await user.wait_for_messages(2)
    return welcome, statement


async def answer(user: EmulatedUser, message: ChatMessage, label: str) -> ChatMessage:
    await user.click(label, message=message)
    await user.wait_for_edit(message)
    return message


async def answer_to_the_end(user: EmulatedUser, message: ChatMessage, start: int = 0) -> int:
    """Answer every remaining statement with varied values; return how many were answered."""
    count = 0
    while any(b.text.startswith("N/A") for b in message.buttons):  # a statement
        await answer(user, message, SCALE[(start + count) % len(SCALE)])
        count += 1
    return count


@on_both_engines
async def test_three_groups_answer_a_cli_created_session(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    created = await create_session_with_cli(emu, database)
    links = created["links"]
    assert set(links) == {"leader", "teacher", "student"}
    assert all(link.startswith("https://t.me/selfie_e2e_bot?start=") for link in links.values())

    async with polling(build_application(settings), poll_timeout=1):
        # A student in Latvian: help, an answer, Back to change it, N/A, forged data.
        student = emu.user(2001, first_name="Anna", language_code="lv")
        welcome, statement = await open_invite(student, links["student"])
        assert "E2E skola" in welcome.content
        assert "skolēni" in welcome.content
        assert "plkst. 23.59" in welcome.content
        assert statement.content.startswith("B · Sadarbība un tīklošanās")
        assert "Apgalvojums 1 no" in statement.content
        assert [b.text for b in statement.buttons][:5] == ["1", "2", "3", "4", "5"]
        assert statement.buttons[5].text.startswith("N/A")
        first_text = statement.text

        await answer(student, statement, "ℹ️ Rādīt palīdzības tekstu")
        assert "Izvēlies 5 tikai tad" in statement.content
        await answer(student, statement, "ℹ️ Paslēpt")
        assert statement.text == first_text

        await answer(student, statement, "4")
        assert "Apgalvojums 2 no" in statement.content
        await answer(student, statement, "◀")
        assert "Apgalvojums 1 no" in statement.content
        assert "4 ✓" in [b.text for b in statement.buttons]
        await answer(student, statement, "N/A")
        assert "Apgalvojums 2 no" in statement.content

        before = statement.text
        await student.press(statement, f"a:{created['session_id'] + 7}:B1:3", force=True)
        alert = await student.wait_for_answer()
        assert alert.show_alert
        await student.press(statement, "definitely-not-ours", force=True)
        assert "nav derīga" in ((await student.wait_for_answer()).text or "")
        assert statement.text == before

        await answer_to_the_end(student, statement, start=1)
        assert "Paldies" in statement.content
        total = len(default_bank().core("upper-secondary", "student"))
        assert f"Atbildēto apgalvojumu skaits: {total}" in statement.content

        # A teacher in English and a school leader complete theirs too.
        teacher = emu.user(2002, first_name="Jānis", language_code="en")
        welcome, statement = await open_invite(teacher, links["teacher"])
        assert "teachers" in welcome.content
        assert "Statement 1 of" in statement.content
        await answer_to_the_end(teacher, statement)
        assert "Thank you" in statement.content

        # A certificate on request: an image, and only for someone who completed.
        certificate = statement.button("🎓").callback_data
        assert certificate is not None
        await teacher.press(statement, certificate)
        image = await teacher.wait_for_message(timeout=20)
        assert image.photo is not None
        assert image.photo.startswith(b"\x89PNG")
        outsider = emu.user(2999, language_code="en")
        await outsider.send("hi")
        hint = await outsider.wait_for_message()
        await outsider.press(hint, certificate, force=True)
        assert "not available to this account" in ((await outsider.wait_for_answer()).text or "")

        leader = emu.user(2003, first_name="Ilze", language_code="lv")
        _, statement = await open_invite(leader, links["leader"])
        await answer_to_the_end(leader, statement, start=2)

        # Joining again after completing, or with another group's link, records nothing.
        await student.open_link(links["teacher"])
        assert "jau" in (await student.wait_for_message()).content

    code, out, err = await selfie_bot(
        emu, database, "session", "status", str(created["session_id"]), "--json"
    )
    assert code == 0, err
    status = json.loads(out)
    assert status["groups"] == {
        "leader": {"joined": 1, "completed": 1},
        "teacher": {"joined": 1, "completed": 1},
        "student": {"joined": 1, "completed": 1},
    }
    bank = default_bank()
    expected = sum(len(bank.core("upper-secondary", p)) for p in ("leader", "teacher", "student"))
    assert db_rows(database, "SELECT count(*) FROM answers") == [(expected,)]
    assert db_rows(database, "SELECT count(*) FROM progress") == [(0,)]


@on_both_engines
async def test_someone_elses_buttons_and_double_taps_change_nothing(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    created = await create_session_with_cli(emu, database)
    async with polling(build_application(settings), poll_timeout=1):
        owner = emu.user(3001, language_code="en")
        _, statement = await open_invite(owner, created["links"]["teacher"])
        data = statement.button("5").callback_data
        assert data is not None

        stranger = emu.user(3002, language_code="en")
        await stranger.send("hello")
        hint = await stranger.wait_for_message()
        assert "invite link" in hint.content
        await stranger.press(hint, data, force=True)
        assert "not available to this account" in ((await stranger.wait_for_answer()).text or "")

        await owner.press(statement, data)
        await owner.wait_for_edit(statement)
        await owner.press(statement, data, force=True)  # the same tap again, after the edit
        assert "out of date" in ((await owner.wait_for_answer()).text or "")

        help_data = statement.button("ℹ️").callback_data
        assert help_data is not None
        await owner.press(statement, help_data)
        await owner.wait_for_edit(statement)
        await owner.press(statement, help_data, force=True)  # re-renders identical content
        await owner.wait_for_answer()
        await owner.send("where was I?")
        resumed = await owner.wait_for_message()
        assert "Statement 2 of" in resumed.content

    assert db_rows(database, "SELECT position, answers FROM progress") == [(1, "A1=5")]
    assert any("not modified" in e.description for e in emu.errors)


@on_both_engines
async def test_before_the_start_and_after_the_close_nothing_is_recorded(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    db = await Database.open(database)
    today = clock.now().date()
    created = await create_session(
        db,
        bank=default_bank(),
        now=clock.now(),
        school_name="Future school",
        coordinator_id=1,
        level="primary",
        start=today + timedelta(days=2),
        end=today + timedelta(days=9),
        timezone="Europe/Riga",
    )
    await db.close()
    link_payload = created.invites["student"]
    async with polling(build_application(settings, clock=clock), poll_timeout=1):
        pupil = emu.user(4001, language_code="lv")
        await pupil.start(link_payload)
        assert "vēl nav sācies" in (await pupil.wait_for_message()).content
        clock.set(created.period.closes_at)
        await pupil.start(link_payload)
        assert "noslēdzies" in (await pupil.wait_for_message()).content
        await pupil.start("not-a-real-token")
        assert "nav derīga" in (await pupil.wait_for_message()).content
    assert db_rows(database, "SELECT count(*) FROM participants") == [(0,)]


@on_both_engines
async def test_a_killed_bot_process_resumes_every_questionnaire(
    emu: BotApiEmulator, database: Path
) -> None:
    created = await create_session_with_cli(emu, database)
    bot = BotProcess(emu, database)
    await bot.start()
    teacher = emu.user(5001, language_code="en")
    _, statement = await open_invite(teacher, created["links"]["teacher"])
    for label in ("5", "4", "3"):
        await answer(teacher, statement, label)
    assert "Statement 4 of" in statement.content

    await bot.kill()
    await bot.start()
    await teacher.send("I'm back")
    resumed = await teacher.wait_for_message(timeout=15)
    assert "Statement 4 of" in resumed.content
    await answer(teacher, resumed, "◀")
    assert "3 ✓" in [b.text for b in resumed.buttons]
    total = 3 + await answer_to_the_end(teacher, resumed) - 1
    assert "Thank you" in resumed.content
    stderr = await bot.stop()
    assert "424242:E2E-test-token" not in stderr
    assert db_rows(database, "SELECT count(*) FROM answers") == [(total,)]
    assert db_rows(database, "SELECT count(*) FROM participants WHERE completed = 1") == [(1,)]


async def test_language_switch_applies_to_the_questionnaire(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    created = await create_session_with_cli(emu, database)
    async with polling(build_application(settings), poll_timeout=1):
        user = emu.user(6001, language_code="de")
        welcome, _ = await open_invite(user, created["links"]["leader"])
        assert "invites you" in welcome.content  # a language not shipped gets English
        await user.send("/language")
        chooser = await user.wait_for_message()
        assert [b.text for b in chooser.buttons] == [i.name for i in shipped()]
        await user.click("Latviešu", message=chooser)
        # The choice is confirmed, and the questionnaire goes on in Latvian at once.
        redrawn = await user.wait_for_message()
        assert "latviešu" in chooser.content
        assert "Apgalvojums 1 no" in redrawn.content
    assert emu.commands(language_code="lv")  # the command menu is published per language


def live_cards(user: EmulatedUser) -> list[ChatMessage]:
    """The bot's messages in the chat that still offer answer buttons."""
    return [m for m in user.messages if any(b.text.startswith("N/A") for b in m.buttons)]


@on_both_engines
async def test_one_card_is_live_whatever_brings_the_statement_back(
    emu: BotApiEmulator, settings: Settings, database: Path
) -> None:
    created = await create_session_with_cli(emu, database)
    async with polling(build_application(settings), poll_timeout=1):
        user = emu.user(6101, language_code="en")
        _, first = await open_invite(user, created["links"]["teacher"])
        await answer(user, first, "4")

        # Typing brings the statement back as a new card; the old one keeps its text only.
        await user.send("hello?")
        reposted = await user.wait_for_message()
        await user.wait_for_edit(first)
        assert "Statement 2 of" in reposted.content
        assert "Statement 2 of" in first.content
        assert first.buttons == []
        assert live_cards(user) == [reposted]

        # After /language the card in the new language is the live one.
        await user.send("/language")
        chooser = await user.wait_for_message()
        await user.click("Latviešu", message=chooser)
        latvian = await user.wait_for_message()
        await user.wait_for_edit(reposted)
        assert "Apgalvojums 2 no" in latvian.content
        assert live_cards(user) == [latvian]

        # At the end no card anywhere offers an answer: the live one became the thanks.
        await answer_to_the_end(user, latvian)
        assert live_cards(user) == []
        assert latvian.content.startswith("Paldies")


async def test_one_webhook_worker_on_sqlite_takes_a_questionnaire(
    emu: BotApiEmulator, database: Path
) -> None:
    """The single-worker webhook path: registered once from the command line, then served."""
    created = await create_session_with_cli(emu, database)
    worker = WebhookWorker(emu, database, public_url=None)
    await register_webhook(emu, database, worker.url)
    assert emu.webhook is not None
    assert emu.webhook.url == worker.url
    assert emu.webhook.secret_token == WEBHOOK_SECRET
    assert emu.webhook.allowed_updates == ["message", "callback_query"]
    await worker.start()
    assert emu.call_count("setWebhook") == 1  # the worker did not register it again
    user = emu.user(7001, language_code="en")
    _, statement = await open_invite(user, created["links"]["student"])
    await answer(user, statement, "5")
    assert "Statement 2 of" in statement.content
    assert progress_of(database, 7001) is not None
    stderr = await worker.stop()
    assert WEBHOOK_SECRET not in stderr
    assert "not to SELFIE_WEBHOOK_URL" not in stderr  # registered where the worker expects
