"""Statement cards in the reader's language; a school's own statement as written where it has
no translation, marked as such."""

from __future__ import annotations

from datetime import UTC, date, datetime

from telegram import InlineKeyboardMarkup

from bot.coordination.own_format import parse_own
from bot.handlers import render
from bot.participation.outcomes import Progress
from bot.storage.records import Session
from bot.surveys.bank import default_bank
from bot.surveys.questionnaire import Item, assemble
from bot.surveys.vocabulary import Language

SESSION = Session(
    id=3, school_id=1, school_name="Rīgas Tehniskā koledža", level="upper-secondary",
    start_date=date(2026, 11, 23), end_date=date(2026, 12, 6), timezone="Europe/Riga",
    opens_at=datetime(2026, 11, 22, 22, tzinfo=UTC),
    closes_at=datetime(2026, 12, 6, 21, 59, tzinfo=UTC),
    status="active", created_by=9, closed_at=None,
)  # fmt: skip


def card(language: str) -> str:
    own = parse_own(
        ["C|student|Mūsu bibliotēka izsniedz klēpjdatorus."],
        language="lv",
        translations=["S1|en|Our library lends laptops."],
    )
    questionnaire = assemble(
        default_bank(), level="upper-secondary", profile="student", codes=[], own=own
    )
    (item,) = questionnaire.items
    progress = Progress(
        session=SESSION, profile="student", language=language, position=0, total=1,
        item=item, previous_value=None,
    )  # fmt: skip
    text, _ = render.statement(default_bank(), progress)
    return text


def test_a_translated_own_statement_is_shown_in_the_reader_s_language() -> None:
    english = card("en")
    assert "Our library lends laptops." in english and "not translated" not in english


def test_an_untranslated_one_is_shown_as_written_and_marked() -> None:
    russian = card("ru")
    assert "Mūsu bibliotēka izsniedz klēpjdatorus." in russian
    assert "(текст школы без перевода – Latviešu)" in russian
    assert "netulkots" not in card("lv")  # in the language it was written in: no mark


def test_a_coordinator_s_open_question_is_shown_as_text_and_marked_where_untranslated() -> None:
    from bot.participation.outcomes import OpenStep
    from bot.surveys.open_questions import own_open_question

    question = own_open_question("student", "Vai <b>tev</b> & draugiem pietiek laika?", "lv")
    text, keyboard = render.open_question(OpenStep(SESSION, "student", "uk", question))
    assert "Vai &lt;b&gt;tev&lt;/b&gt; &amp; draugiem pietiek laika?" in text
    assert "(текст школи без перекладу – Latviešu)" in text
    assert "не називай" in text  # the note, in the student's register
    assert [[b.text for b in row] for row in keyboard.inline_keyboard] == [["⏭ Пропустити"]]
    latvian, _ = render.open_question(OpenStep(SESSION, "student", "lv", question))
    assert "tulkot" not in latvian


def test_a_question_about_the_student_addresses_them_and_marks_the_answer_given() -> None:
    from bot.participation.outcomes import BackgroundStep
    from bot.surveys.background import UNDISCLOSED, default_background

    _, second = default_background().asked("student")
    step = BackgroundStep(
        session=SESSION, profile="student", language="lv", question=second, position=1,
        count=2, previous=UNDISCLOSED, total=30,
    )  # fmt: skip
    text, keyboard = render.background_question(step)
    assert text.startswith("<b>Par tevi</b> · Jautājums 2 no 2")
    assert "Cik droši tu jūties" in text and "jūs" not in text
    labels = [row[0].text for row in keyboard.inline_keyboard]
    assert labels == ["Ne pārāk droši", "Diezgan droši", "Ļoti droši", "Nevēlos norādīt ✓",
                      "◀ Atpakaļ"]  # fmt: skip


def test_a_statement_s_keyboard_is_made_once_and_marks_the_answer_given_after_back() -> None:
    bank = default_bank()
    questionnaire = assemble(
        bank, level="upper-secondary", profile="teacher", codes=set(bank.statements)
    )
    first, second = questionnaire.items[:2]

    def keyboard(
        item: Item, position: int, previous: int | None, language: Language = "en"
    ) -> InlineKeyboardMarkup:
        progress = Progress(
            session=SESSION, profile="teacher", language=language, position=position,
            total=len(questionnaire.items), item=item, previous_value=previous,
        )  # fmt: skip
        return render.statement(bank, progress)[1]

    shown = keyboard(second, 1, None)
    assert keyboard(second, 1, None) is shown  # the same statement again: the same buttons
    labels = [button.text for row in shown.inline_keyboard for button in row]
    assert labels[:5] == ["1", "2", "3", "4", "5"] and "◀ Back" in " ".join(labels)
    again = keyboard(second, 1, 4)  # after Back, the answer given is marked
    assert [button.text for button in again.inline_keyboard[0]][3].startswith("4 ")
    assert again is not shown
    assert all(
        "Back" not in b.text for row in keyboard(first, 0, None).inline_keyboard for b in row
    )
    latvian = keyboard(second, 1, None, "lv")
    assert (
        latvian is not shown
        and latvian.inline_keyboard[1][0].text != shown.inline_keyboard[1][0].text
    )
    assert (
        shown.inline_keyboard[0][0].callback_data
        != keyboard(first, 0, None).inline_keyboard[0][0].callback_data
    )
