import dataclasses
import struct

import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from bot.reporting.chart import area_chart_png, build_area_chart, caption
from bot.reporting.palette import GROUP_COLOURS
from bot.surveys.bank import Bank
from bot.surveys.scoring import SessionResults, SessionTallies, score
from bot.surveys.vocabulary import AREA_CODES

SCHOOL = "Rīgas Valsts 1. ģimnāzija"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def texts(figure: Figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def bars(figure: Figure) -> dict[str, Rectangle]:
    found = {}
    for patch in figure.findobj(Rectangle):
        gid = patch.get_gid()
        if gid and gid.startswith("bar-"):
            found[gid] = patch
    return found


@pytest.fixture(scope="module")
def chart_lv(results: SessionResults, report_bank: Bank) -> Figure:
    return build_area_chart(results, bank=report_bank, language="lv")


def test_the_png_is_1080_px_wide_and_small_enough_to_send(
    results: SessionResults, report_bank: Bank
) -> None:
    data = area_chart_png(results, bank=report_bank, language="en")
    width, height = png_size(data)
    assert width == 1080
    assert 1080 <= height <= 2600
    assert len(data) < 400_000


def test_every_area_mean_of_a_shown_group_is_a_bar_labelled_with_it(
    results: SessionResults, chart_lv: Figure
) -> None:
    drawn = bars(chart_lv)
    labels = texts(chart_lv)
    expected = {
        f"bar-{score.area}-{score.profile}": score.mean
        for score in results.areas
        if score.mean is not None
    }
    assert set(drawn) == set(expected)
    for gid, mean in expected.items():
        # Bars start at 1, the bottom of the scale, and end at the mean.
        assert drawn[gid].get_x() == pytest.approx(1.0)
        assert drawn[gid].get_x() + drawn[gid].get_width() == pytest.approx(mean)
        assert f"{mean:.1f}".replace(".", ",") in labels


def test_a_group_without_answers_in_an_area_gets_no_bar_but_a_note(
    results: SessionResults, chart_lv: Figure
) -> None:
    students_g = results.area_score("G", "student")
    assert students_g is not None and students_g.mean is None  # all N/A in the scenario
    assert "bar-G-student" not in bars(chart_lv)
    assert "bar-G-teacher" in bars(chart_lv)
    assert [t for t in texts(chart_lv) if "nav atbilžu" in t] == ["Skolēni: nav atbilžu"]
    # Students are never asked area A: no row at all, not even a note.
    assert "bar-A-student" not in bars(chart_lv)


def test_hidden_groups_are_not_drawn_and_the_chart_says_why(chart_lv: Figure) -> None:
    assert not any(gid.endswith("-leader") for gid in bars(chart_lv))
    (legend,) = chart_lv.legends
    assert [t.get_text() for t in legend.get_texts()] == ["Skolotāji (n = 6)", "Skolēni (n = 8)"]
    assert any("Skolas vadītāji (3)" in t and "mazāk nekā 5" in t for t in texts(chart_lv))


def test_groups_have_the_palette_s_distinct_colours(chart_lv: Figure) -> None:
    drawn = bars(chart_lv)
    teacher = {drawn[g].get_facecolor() for g in drawn if g.endswith("-teacher")}
    student = {drawn[g].get_facecolor() for g in drawn if g.endswith("-student")}
    assert len(teacher) == 1 and len(student) == 1 and teacher != student
    (legend,) = chart_lv.legends
    handles = [h.get_facecolor() for h in legend.legend_handles]  # type: ignore[union-attr]
    assert handles == [teacher.pop(), student.pop()]
    # The PDF's colours too (bot/reporting/palette.py, which tests that they print apart).
    assert [to_hex(c).upper() for c in handles] == [
        GROUP_COLOURS["teacher"],
        GROUP_COLOURS["student"],
    ]


@pytest.mark.parametrize("language", ["lv", "en"])
def test_area_names_and_title_are_in_the_chosen_language(
    results: SessionResults, report_bank: Bank, chart_lv: Figure, language: str
) -> None:
    figure = (
        chart_lv if language == "lv" else build_area_chart(results, bank=report_bank, language="en")
    )
    shown = texts(figure)
    for area in AREA_CODES:  # teachers answer every area
        name = report_bank.areas[area].name(language)
        assert any(name in t for t in shown), name
    assert ("Rezultāti pa jomām" in shown) == (language == "lv")
    assert ("Results by area" in shown) == (language == "en")
    assert SCHOOL in shown


def test_a_session_without_a_group_to_show_still_gives_a_chart(
    results: SessionResults, report_bank: Bank
) -> None:
    nobody = score(
        bank=report_bank,
        current=SessionTallies(
            session=results.session,
            codes=frozenset(),
            respondents={"teacher": 2},
            area_respondents={},
            statements=[],
        ),
    )
    figure = build_area_chart(nobody, bank=report_bank, language="en")
    assert bars(figure) == {}
    assert "Not enough responses to show results." in texts(figure)
    assert figure.legends == []


def test_the_caption_names_school_dates_and_participation(results: SessionResults) -> None:
    text = caption(results, language="lv")
    assert len(text) <= 1024
    assert SCHOOL in text
    assert "23.11.2026. – 06.12.2026." in text
    assert "Skolotāji: 6" in text and "Skolēni: 8" in text
    assert "Skolas vadītāji: 3 (nav parādīti, jo respondentu ir mazāk nekā 5)" in text
    english = caption(results, language="en")
    assert "23 Nov 2026 – 6 Dec 2026" in english and "Teachers: 6" in english


def test_the_caption_fits_telegram_even_with_a_very_long_school_name(
    results: SessionResults,
) -> None:
    long_name = "Ļoti garš skolas nosaukums " * 40
    session = dataclasses.replace(results.session, school_name=long_name)
    renamed = dataclasses.replace(results, session=session)
    text = caption(renamed, language="lv")
    assert len(text) <= 1024
    assert "Ļoti garš skolas nosaukums" in text
    assert text.endswith("Skolēni: 8")


def test_every_missing_bar_says_why(chart_lv: Figure) -> None:
    """Students are not asked in areas A and D; the three leaders are too few to be shown."""
    shown = texts(chart_lv)
    not_asked = [t for t in shown if t == "Skolēni: šajā jomā netiek jautāti"]
    assert len(not_asked) == 2  # A and D
    hidden = "Skolas vadītāji: nav parādīti – respondentu ir mazāk nekā 5"
    assert shown.count(hidden) == 8  # every area
    assert not any(key.startswith(("bar-A-student", "bar-D-student")) for key in bars(chart_lv))


def test_in_company_trainers_have_bars_of_their_own_colour(
    wbl_results: SessionResults, results: SessionResults, report_bank: Bank
) -> None:
    assert wbl_results.shown_groups == ("leader", "teacher", "student", "trainer")
    figure = build_area_chart(wbl_results, bank=report_bank, language="lv")
    drawn = bars(figure)
    trainer = {g: drawn[g] for g in drawn if g.endswith("-trainer")}
    assert {g.split("-")[1] for g in trainer} == set("BCDEFGH")
    colours = {
        profile: {to_hex(drawn[g].get_facecolor()).upper() for g in drawn if g.endswith(profile)}
        for profile in wbl_results.shown_groups
    }
    assert all(len(found) == 1 for found in colours.values())
    assert len(set().union(*colours.values())) == 4
    assert set().union(*colours.values()) == set(GROUP_COLOURS.values())
    (legend,) = figure.legends
    assert [t.get_text() for t in legend.get_texts()][-1] == "Prakses vadītāji uzņēmumos (n = 6)"
    assert "Prakses vadītāji uzņēmumos: šajā jomā netiek jautāti" in texts(figure)  # area A
    assert "Prakses vadītāji uzņēmumos: 6" in caption(wbl_results, language="lv")
    # Other levels have no trainers: not in the chart, not in the caption.
    assert "trainer" not in {group.profile for group in results.participation}
    assert "uzņēmumos" not in caption(results, language="lv")
