"""The set-up dialogue's questions for the respondents through the real bot, the emulator and a
real database: the questions about the respondents switched off, an open question listed for
one group and written for another, what the participants then get, and forged buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FixedClock
from emulator import BotApiEmulator, ChatMessage, EmulatedUser

from .helpers import db_rows, on_both_engines, say, today_in
from .test_coordinator import (
    ADMIN,
    COORDINATOR,
    click,
    forged,
    invite_coordinator,
    link_in,
    running,
)

OWN_QUESTION = "Which <b>app</b> & which site help you learn most?"


def respondents_of(database: Path | str) -> dict[str, object]:
    (raw,) = db_rows(database, "SELECT respondents FROM session_drafts")[0]
    assert isinstance(raw, str)
    loaded: dict[str, object] = json.loads(raw)
    return loaded


async def answer_everything(user: EmulatedUser, card: ChatMessage) -> None:
    while any(b.text.startswith("N/A") for b in card.buttons):
        await click(user, card, "4")


@on_both_engines
async def test_a_coordinator_chooses_the_respondent_questions_in_the_chat(
    emu: BotApiEmulator, database: Path
) -> None:
    clock = FixedClock(datetime.now(UTC))
    admin = emu.user(ADMIN, language_code="en")
    coordinator = emu.user(COORDINATOR, language_code="en")
    today = today_in("Europe/Riga")
    async with running(emu, database, clock):
        await say(admin, "/addschool Ogres tehnikums")
        await coordinator.open_link(await invite_coordinator(admin, "Ogres tehnikums"))
        await coordinator.wait_for_message()

        screen = await say(coordinator, "/newsession")
        await click(coordinator, screen, "Upper secondary")
        draft_id = db_rows(database, "SELECT id FROM session_drafts")[0][0]
        await click(coordinator, screen, "❓ Questions for the respondents")
        # By default, as on the command line: the questions about them, no open question.
        assert "(before the statements): asked" in screen.content
        assert "• teachers: none" in screen.content
        assert "in-company trainers" not in screen.content  # not a group of this level
        await click(coordinator, screen, "✅ Questions about the respondents")
        assert "(before the statements): not asked" in screen.content
        assert screen.button("⬜ Questions about the respondents")

        # Teachers: one of the short list.
        await click(coordinator, screen, "⬜ Open question · teachers")
        assert "Open question · teachers" in screen.content
        assert "What does your school do well in using digital technology?" in screen.content
        assert screen.button("✅ No open question")
        before = respondents_of(database)
        # A listed question of another group, a group not of this level, a key not listed.
        for data in (
            f"d:{draft_id}:oqk:teacher.company_strength",
            f"d:{draft_id}:oq:trainer",
            f"d:{draft_id}:oqw:trainer",
            f"d:{draft_id}:oqk:teacher.gossip",
        ):
            assert "not available here" in await forged(coordinator, screen, data)
        assert "is not valid" in (await forged(coordinator, screen, f"d:{draft_id}:oqk:nobody.x"))
        assert respondents_of(database) == before
        await click(coordinator, screen, "⬜ 1. What does your school")
        assert "• teachers: What does your school do well" in screen.content
        assert screen.button("✅ Open question · teachers")

        # Students: their own words, which stay words (no markup), within the limit.
        await click(coordinator, screen, "⬜ Open question · students")
        await click(coordinator, screen, "✏️ Write my own")
        assert "Send the open question for students" in screen.content
        refused = await say(coordinator, "x" * 301)
        assert "301 characters; an open question can have at most 300" in refused.content
        assert respondents_of(database)["writing"] == "student"
        summary = await say(coordinator, OWN_QUESTION)
        assert f"• students: {OWN_QUESTION}" in summary.content
        assert "• school leaders: none" in summary.content

        # Back to the draft, the dates, and a review that shows all of it.
        await click(coordinator, summary, "◀")
        assert "step 2 of 4" in summary.content
        await click(coordinator, summary, "Next: dates")
        review = await say(coordinator, f"{today:%d.%m.%Y} – {today + timedelta(days=13):%d.%m.%Y}")
        assert "step 4 of 4" in review.content
        assert "(before the statements): not asked" in review.content
        assert "• teachers: What does your school do well" in review.content
        assert f"• students: {OWN_QUESTION}" in review.content
        await coordinator.click("✅ Activate", message=review)
        await coordinator.wait_for_edit(review)
        _, *photos = await coordinator.wait_for_messages(4)
        session_id = db_rows(database, "SELECT id FROM sessions")[0][0]
        assert db_rows(database, "SELECT count(*) FROM session_background") == [(0,)]
        assert db_rows(
            database,
            "SELECT profile, key, text, language FROM session_open_questions"
            " WHERE session_id = ? ORDER BY profile",
            session_id,
        ) == [("student", None, OWN_QUESTION, "en"), ("teacher", "strength", None, None)]

        # The preview: the statements, then the open question last; nothing about the person.
        chooser = await say(coordinator, "/preview")
        await coordinator.click("students · EN", message=chooser)
        await emu.wait_for(lambda: any(OWN_QUESTION in m.content for m in coordinator.messages))
        shown = [m.content for m in coordinator.messages if "Preview · students" in m.content]
        last = next(m.content for m in coordinator.messages if OWN_QUESTION in m.content)
        assert "About you" not in "".join(shown) + last
        assert last.rstrip().endswith(OWN_QUESTION)
        assert "Open question (after the statements" in last

        # A teacher starts with the statements and ends with the listed open question.
        links = {
            group: next(link_in(p) for p in photos if f"Group: {name}" in (p.caption or ""))
            for group, name in (("teacher", "teachers"), ("leader", "school leaders"))
        }
        teacher = emu.user(301, language_code="en")
        await teacher.open_link(links["teacher"])
        _, card = await teacher.wait_for_messages(2)
        assert "Statement 1 of" in card.content and "About you" not in card.content
        await answer_everything(teacher, card)
        question = await teacher.wait_for_message()
        assert "What does your school do well in using digital technology?" in question.content

        # A school leader has no open question: after the last statement, only the thanks.
        leader = emu.user(302, language_code="en")
        await leader.open_link(links["leader"])
        _, card = await leader.wait_for_messages(2)
        assert "Statement 1 of" in card.content and "About you" not in card.content
        await answer_everything(leader, card)
        assert "Thank you" in card.content
        assert db_rows(database, "SELECT count(*) FROM open_pending") == [(1,)]  # the teacher's
