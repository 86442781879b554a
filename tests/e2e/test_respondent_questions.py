"""The questions about the respondents and the open question through the real bot, the emulator
over HTTP and SQLite: asked, answered, changed with Back, and reported only as allowed."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.app import build_application, polling
from bot.settings import load_settings
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from .helpers import TOKEN, create_session_with_cli, db_rows, on_both_engines

SCALE = ["1", "2", "3", "4", "5", "N/A"]


async def press(user: EmulatedUser, message: ChatMessage, label: str) -> ChatMessage:
    await user.click(label, message=message)
    await user.wait_for_edit(message)
    return message


async def answer_statements(user: EmulatedUser, card: ChatMessage, value: str) -> ChatMessage:
    """Every statement with `value`; then the open question, which comes as a new message."""
    while any(b.text.startswith("N/A") for b in card.buttons):
        await user.click(value, message=card)
        await user.wait_for_edit(card)
    return await user.wait_for_message()


@on_both_engines
async def test_teachers_answer_about_themselves_and_the_open_question_reaches_the_coordinator(
    emu: BotApiEmulator, database: Path
) -> None:
    settings = load_settings(
        None,
        bot_token=TOKEN,
        api_url=emu.base_url,
        database=database,
        rate_limit=False,
        min_group_size=2,
    )
    created = await create_session_with_cli(
        emu, database, questions=("--open-question", "teacher=strength",
                                  "--open-question", "leader=improvement"),
    )  # fmt: skip
    links = created["links"]
    coordinator = emu.user(900, language_code="lv")
    await coordinator.send("/start")

    async with polling(build_application(settings), poll_timeout=1) as app:
        # The preview shows a group's questions in its order: about the person, the
        # statements, the open question (the coordinator reads Latvian; the preview English).
        await coordinator.wait_for_message()  # the reply to /start
        await coordinator.send("/preview")
        chooser = await coordinator.wait_for_message()
        await coordinator.click("skolotāji · EN", message=chooser)
        await emu.wait_for(
            lambda: any("What does your school do well" in m.content for m in coordinator.messages)
        )
        shown = "\n".join(m.content for m in coordinator.messages[-3:])
        order = [
            shown.index(text)
            for text in (
                "Par respondentu",
                "How long have you been teaching?",
                "Less than 5 years / 5–14 years",
                "How confident do you feel",
                "Atvērtais jautājums",
                "What does your school do well",
            )
        ]
        assert order == sorted(order)
        assert "In our school" in shown[order[3] : order[4]]  # the statements between them
        # The first teacher: the block, Back from the first statement into it, a change.
        first = emu.user(3001, language_code="en")
        await first.open_link(links["teacher"])
        welcome, card = await first.wait_for_messages(2)
        assert "teachers" in welcome.content
        assert card.content.startswith("About you · Question 1 of 2")
        assert "“Prefer not to say” is always fine" in card.content
        assert "How long have you been teaching?" in card.content
        assert [b.text for b in card.buttons][-1] == "Prefer not to say"
        assert not any(b.text.startswith("◀") for b in card.buttons)
        await press(first, card, "Less than 5")
        assert "Question 2 of 2" in card.content and "How confident" in card.content
        await press(first, card, "◀")
        assert "Less than 5 years ✓" in [b.text for b in card.buttons]
        await press(first, card, "Less than 5")
        await press(first, card, "Fairly")
        assert "Statement 1 of" in card.content
        await press(first, card, "◀")
        assert "Question 2 of 2" in card.content and "Fairly confident ✓" in [
            b.text for b in card.buttons
        ]
        await press(first, card, "Very")
        assert "Statement 1 of" in card.content
        assert db_rows(database, "SELECT background, background_step FROM progress") == [
            ("teaching_years=under_5,confidence=very", None)
        ]
        question = await answer_statements(first, card, "4")
        assert "Thank you!" in card.content  # the card became the recap
        assert "One last question (optional)" in question.content
        assert "What does your school do well" in question.content
        assert "do not name or describe anyone" in question.content
        assert [b.text for b in question.buttons] == ["⏭ Skip"]
        assert db_rows(database, "SELECT background FROM responses") == [
            ("teaching_years=under_5,confidence=very",)
        ]
        await first.send("x" * 501)
        refusal = await first.wait_for_message()
        assert "too long (501 characters; the limit is 500)" in refusal.content
        assert db_rows(database, "SELECT count(*) FROM open_answers") == [(0,)]
        await first.send("Teachers share what works.")
        saved = await first.wait_for_message()
        assert "Your answer is saved, apart from your other answers" in saved.content
        await first.wait_for_edit(question)
        assert question.buttons == []  # the question's card is plain text now

        # Three more teachers; one skips the open question, one answers in Latvian.
        for user, language, years, very, value, reply in [
            (3002, "en", "Less than 5", "Very", "2", None),
            (3003, "lv", "15–24", "Ļoti", "5", "Laba sadarbība."),
            (3004, "en", "15–24", "Very", "3", "More projectors."),
        ]:
            teacher = emu.user(user, language_code=language)
            await teacher.open_link(links["teacher"])
            _, card = await teacher.wait_for_messages(2)
            await press(teacher, card, years)
            await press(teacher, card, very)
            question = await answer_statements(teacher, card, value)
            if reply is None:
                await press(teacher, question, "⏭")
                assert "Question skipped" in question.content
            else:
                await teacher.send(reply)
                await teacher.wait_for_message()
        # A school leader, on their own: too few to be shown, and so is their open answer.
        leader = emu.user(3100, language_code="en")
        await leader.open_link(links["leader"])
        _, card = await leader.wait_for_messages(2)
        await press(leader, card, "Prefer not to say")
        await press(leader, card, "Prefer not to say")
        question = await answer_statements(leader, card, "1")
        await leader.send("Only I would write this.")
        await leader.wait_for_message()
        assert len(db_rows(database, "SELECT id FROM open_answers")) == 4

        scheduler = app.bot_data.scheduler
        assert await scheduler.close(created["session_id"])
        await scheduler.drain()
        documents = [m for m in coordinator.messages if m.document is not None]
        assert len(documents) == 1 and any(m.photo for m in coordinator.messages)
        document = documents[0].document
        assert document is not None and (document.filename or "").endswith(
            "-atverta-jautajuma-atbildes.txt"
        )
        content = document.data.decode("utf-8")
        for answer in ("Teachers share what works.", "Laba sadarbība.", "More projectors."):
            assert f"• {answer}" in content
        assert "Skolotāji — atbilžu skaits: 3" in content
        assert "Skolas vadītāji: netiek sniegtas, respondentu ir mazāk nekā 2." in content
        assert "Only I would write this." not in content

        await coordinator.send("/results")
        *_, summary, opened = await coordinator.wait_for_messages(4, timeout=30)
        assert opened.document is not None  # the same answers, shuffled anew
        assert sorted(opened.document.data.splitlines()) == sorted(document.data.splitlines())
        assert summary.document is not None
        text = summary.document.data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        section = rows[rows.index(["Par respondentiem"]) + 2 :]
        # Years: 2 and 2 teachers; confidence: everyone "very", which would tell each answer.
        assert [row[:4] for row in section] == [
            ["Skolotāji", "Cik ilgs ir jūsu pedagoģiskā darba stāžs?", "Mazāk par 5 gadiem", "2"],
            ["Skolotāji", "Cik ilgs ir jūsu pedagoģiskā darba stāžs?", "15–24 gadi", "2"],
        ]
        assert section[0][5] == "3,00" and section[1][5] == "4,00"  # area B: (4+2)/2, (5+3)/2
