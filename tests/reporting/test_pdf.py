import dataclasses
import re
from collections.abc import Iterator

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from bot.i18n import texts as catalogue
from bot.i18n.formatting import number, signed
from bot.reporting.page import A4, BOTTOM, MARGIN
from bot.reporting.palette import SCALE_FILLS
from bot.reporting.pdf import build_report_pages, report_pdf
from bot.surveys.bank import Bank
from bot.surveys.next_steps import default_next_steps, focus_areas
from bot.surveys.scoring import GroupParticipation, SessionResults
from bot.surveys.vocabulary import AREA_CODES

PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def written(figure: Figure) -> list[Text]:
    # The texts the report writes; cheaper than findobj(), which also builds every axis tick.
    found = [*figure.texts, *(t for axes in figure.axes for t in axes.texts)]
    return [t for t in found if t.get_text()]


def texts(figure: Figure) -> list[str]:
    return [t.get_text() for t in written(figure)]


def canvas_texts(figure: Figure) -> list[tuple[float, float, str]]:
    """(inches from the top, from the left, text) of what is written on the page's canvas, in
    reading order."""
    canvas = figure.axes[0]
    found = [(t.get_position()[1], t.get_position()[0], t.get_text()) for t in canvas.texts]
    return sorted(found)


def page_with(pages: list[Figure], heading: str) -> Figure:
    found = [page for page in pages if heading in texts(page)]
    assert found, f"no page with {heading!r}"
    return found[0]


def all_text(pages: list[Figure]) -> str:
    return "\n".join(t for page in pages for t in texts(page))


def reading_order(pages: list[Figure]) -> list[str]:
    """Every text on the pages' canvases, top to bottom, each on one line."""
    return [" ".join(t.split()) for page in pages for _, _, t in canvas_texts(page)]


def areas_start(order: list[str], title: str = "A. Līderība") -> int:
    """Where the areas' section begins: area A's title with the answers' legend under it (the
    title also heads area A's next steps)."""
    return next(i for i, t in enumerate(order) if t == title and order[i + 1].startswith("1 – "))


@pytest.fixture(scope="module")
def pages_lv(results: SessionResults, report_bank: Bank) -> list[Figure]:
    return build_report_pages(results, bank=report_bank, language="lv")


@pytest.fixture(scope="module")
def pages_en(results: SessionResults, report_bank: Bank) -> list[Figure]:
    return build_report_pages(results, bank=report_bank, language="en")


def test_the_pdf_has_every_page_and_embeds_its_fonts(
    results: SessionResults, report_bank: Bank
) -> None:
    # Saving is the slow part (matplotlib lays out every glyph), so the bytes are checked on
    # the statements of two areas.
    smaller = dataclasses.replace(
        results, statements=tuple(s for s in results.statements if s.area in "AB")
    )
    data = report_pdf(smaller, bank=report_bank, language="lv")
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    pages = build_report_pages(smaller, bank=report_bank, language="lv")
    assert len(PAGE_OBJECT.findall(data)) == len(pages) >= 3
    assert b"/FontFile2" in data and b"DejaVuSans" in data  # TrueType: text stays text


def test_every_page_is_a4_and_numbered(pages_lv: list[Figure]) -> None:
    for index, page in enumerate(pages_lv, start=1):
        assert tuple(page.get_size_inches()) == pytest.approx((8.27, 11.69))
        footer = f"Rīgas Valsts 1. ģimnāzija · {index}. lpp. no {len(pages_lv)}"
        assert footer in texts(page)


def test_the_report_reads_in_the_order_a_coordinator_thinks(
    report_bank: Bank, pages_lv: list[Figure]
) -> None:
    order = reading_order(pages_lv)
    headings = [
        "Galvenie secinājumi",
        "Stiprās puses un jomas, kurās ir iespējas uzlaboties",
        "Skola kopumā",
        "Kur grupu vērtējumi atšķiras visvairāk",
        "No rezultātiem līdz rīcībai",
        *(f"{area}. {report_bank.areas[area].name('lv')}" for area in AREA_CODES),
        "Izmaiņas kopš iepriekšējā pašvērtējuma",
        "Skolas pašas apgalvojumi",
        "Kā lasīt šos rezultātus",
    ]
    position = 0
    for heading in headings:  # each after the one before
        position = order.index(heading, position + 1)
    # The chart is on the first page, the findings on it or right after it.
    assert any(t.startswith("bar-") for t in gids(pages_lv[0]))
    assert "Galvenie secinājumi" in all_text(pages_lv[:2])


def gids(figure: Figure) -> set[str]:
    return {str(p.get_gid()) for p in figure.findobj() if str(p.get_gid()).startswith("bar-")}


def test_no_page_but_the_last_is_left_half_empty(pages_lv: list[Figure]) -> None:
    for page in pages_lv[:-1]:
        lowest = max(top for top, _, text in canvas_texts(page) if "lpp." not in text)
        assert lowest > MARGIN + 0.75 * (BOTTOM - MARGIN), texts(page)[:3]


def test_the_overview_shows_participation_and_the_area_chart(
    results: SessionResults, pages_lv: list[Figure]
) -> None:
    overview = texts(pages_lv[0])
    assert "Digitālās gatavības pašvērtējuma rezultāti" in overview
    assert "Rīgas Valsts 1. ģimnāzija" in overview
    assert "Izglītības pakāpe: vidusskola · Periods: 23.11.2026. – 06.12.2026." in overview
    assert "Skolas vadītāji: 3 – nav parādīti atsevišķi (respondentu ir mazāk nekā 5)" in overview
    assert "Skolotāji: 6" in overview and "Skolēni: 8" in overview
    expected = {f"bar-{s.area}-{s.profile}" for s in results.areas if s.mean is not None}
    assert gids(pages_lv[0]) == expected


def test_the_key_findings_say_what_stands_out_in_sentences(pages_lv: list[Figure]) -> None:
    # The scenario's figures (tests/reporting/conftest.py): teachers' area means run from
    # G 3.1 down to C 2.9, students' from B 3.1 down to H 2.9.
    content = all_text(pages_lv[:2])
    for sentence in (
        "Anketu aizpildīja 17 respondentu.",
        "Skolotāji visaugstāk vērtē jomu G „Novērtēšanas prakse” (3,1), viszemāk – jomu C"
        " „Infrastruktūra un aprīkojums” (2,9).",
        "Skolēni visaugstāk vērtē jomu B „Sadarbība un tīklošanās” (3,1), viszemāk – jomu H"
        " „Skolēnu digitālā kompetence” (2,9).",
        "Visās jomās grupu vidējo vērtējumu starpība ir mazāka par 0,5.",
        "No apgalvojumiem, kas salīdzināti skolai kopumā, visaugstāk novērtēts F2 (3,4),"
        " viszemāk – C3 (2,7).",
        "Skolēni: lielākās izmaiņas kopš iepriekšējā pašvērtējuma ir jomā B „Sadarbība un"
        " tīklošanās”: 2,7 → 3,1 (+0,4).",
        "Nav parādīti (respondentu ir mazāk nekā 5): Skolas vadītāji (3)",
    ):
        assert " ".join(sentence.split()) in " ".join(content.split()), sentence


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("lv", {1: "1 respondents.", 2: "2 respondenti.", 11: "11 respondentu.",
                21: "21 respondents.", 30: "30 respondentu."}),
        ("en", {1: "1 respondent completed", 2: "2 respondents completed",
                21: "21 respondents completed"}),
        ("ru", {1: "заполнил 1 респондент.", 3: "заполнили 3 респондента.",
                5: "заполнили 5 респондентов.", 21: "заполнил 21 респондент.",
                11: "заполнили 11 респондентов."}),
        ("uk", {1: "заповнив 1 респондент.", 3: "заповнили 3 респонденти.",
                5: "заповнили 5 респондентів.", 21: "заповнив 21 респондент.",
                12: "заповнили 12 респондентів."}),
    ],
)  # fmt: skip
def test_the_count_of_respondents_takes_the_language_s_plural(
    language: str, expected: dict[int, str]
) -> None:
    for count, phrase in expected.items():
        assert phrase in catalogue()(language, "report.pdf.finding_respondents", count=count)


def test_each_group_s_strengths_stand_under_its_own_wording(
    results: SessionResults, report_bank: Bank, pages_lv: list[Figure]
) -> None:
    order = reading_order(pages_lv)
    start = order.index("Stiprās puses un jomas, kurās ir iespējas uzlaboties")
    section = order[start : order.index("No rezultātiem līdz rīcībai")]
    level = results.session.level
    for ranking in results.group_highlights:
        (profile,) = ranking.groups
        assert ranking.strengths and ranking.improvements
        for highlight in (*ranking.strengths, *ranking.improvements):
            line = f"{highlight.code} · vidēji {number(highlight.mean, 'lv')}"
            assert line in section, (profile, line)
            wording = report_bank.statements[highlight.code].text(profile, level, "lv")
            following = section[section.index(line) :]
            assert wording in following[:3], (profile, highlight.code)
    school = results.school_highlights
    assert school is not None and school.groups == ("teacher", "student")
    assert "Grupas: Skolotāji, Skolēni · Apgalvojumu skaits: 14" in section


def test_each_group_s_bars_stand_under_the_wording_it_answered(
    results: SessionResults, report_bank: Bank, pages_lv: list[Figure]
) -> None:
    """Where students read another sentence than staff, their bars follow their sentence."""
    level = results.session.level
    order = reading_order(pages_lv)
    start = areas_start(order)
    checked = 0
    for statement in results.statements:
        known = report_bank.statements[statement.code]
        if not {"teacher", "student"} <= set(statement.groups):
            continue
        staff = known.text("teacher", level, "lv")
        student = known.text("student", level, "lv")
        assert staff != student
        at = order.index(statement.code, start)
        block = order[at : at + 12]
        assert block[1] == staff
        assert block.index("Skolotāji") < block.index(student) < block.index("Skolēni")
        checked += 1
    assert checked >= 10


def test_every_part_of_every_bar_carries_its_count(
    results: SessionResults, pages_lv: list[Figure]
) -> None:
    order = reading_order(pages_lv)
    counts = [t for t in order[areas_start(order) :] if t.isdigit()]
    expected = sorted(
        str(count)
        for s in (*results.statements, *results.own_statements)
        for d in s.groups.values()
        for count in d.counts
        if count > 0
    )
    assert sorted(counts) == expected
    assert "1" in counts  # parts of a single answer too


def test_disagreeing_answers_are_hatched_for_black_and_white_prints(
    pages_lv: list[Figure],
) -> None:
    page = page_with(pages_lv, "A. Līderība")
    hatched = {
        collection.get_hatch()
        for collection in page.axes[0].collections
        if isinstance(collection, PatchCollection)
    }
    assert hatched == {None, SCALE_FILLS[1].hatch}


def test_next_steps_follow_each_group_s_lowest_areas(
    results: SessionResults, report_bank: Bank, pages_lv: list[Figure]
) -> None:
    order = reading_order(pages_lv)
    start = order.index("No rezultātiem līdz rīcībai")
    section = order[start : areas_start(order)]
    plan = focus_areas(results, default_next_steps())
    # Teachers' lowest areas are C and A, students' H and E (conftest's figures).
    assert [f.area for f in plan] == ["C", "H", "A", "E"]
    for focus in plan:
        title = f"{focus.area}. {report_bank.areas[focus.area].name('lv')}"
        at = section.index(title)
        for key in focus.steps:  # the upper-secondary step first, then those for every level
            assert catalogue()("lv", key) in section[at : at + 12]
    assert "Viena no viszemāk novērtētajām jomām: Skolotāji 2,9" in section


def test_hidden_groups_appear_only_where_the_report_says_they_are_hidden(
    pages_lv: list[Figure],
) -> None:
    allowed = (
        "Skolas vadītāji: 3 – nav parādīti atsevišķi (respondentu ir mazāk nekā 5)",
        "Skolas vadītāji: nav parādīti – respondentu ir mazāk nekā 5",  # in the chart
        "Nav parādīti (respondentu ir mazāk nekā 5): Skolas vadītāji (3)",
        "Iepriekšējā pašvērtējumā nav parādīti (respondentu bija mazāk nekā 5):"
        " Skolas vadītāji (2)",
        "Šajā pašvērtējumā nav parādīti: Skolas vadītāji (3).",
    )
    for page in pages_lv:
        for text in texts(page):
            if "Skolas vadītāji" in text:
                assert " ".join(text.split()) in allowed, text
    notes = all_text(pages_lv[-2:])
    assert "Kā lasīt šos rezultātus" in notes


def test_the_school_own_statements_have_their_section(pages_lv: list[Figure]) -> None:
    page = texts(page_with(pages_lv, "Skolas pašas apgalvojumi"))
    assert "Skolā darbojas robotikas pulciņš." in page
    assert "=1+1 skolotāju istabā ir printeris." in page
    assert "S1 (B)" in page and "S2 (C)" in page
    assert "Skolas apgalvojumi nav iekļauti jomu vidējos rādītājos." in page


def test_disagreements_are_listed(results: SessionResults, pages_lv: list[Figure]) -> None:
    content = all_text(pages_lv)
    expected = [f"{d.code} · starpība {number(d.spread, 'lv')}" for d in results.disagreements]
    assert expected and all(line in content for line in expected)


def test_progress_shows_each_area_change_per_group(
    results: SessionResults, pages_lv: list[Figure]
) -> None:
    assert results.progress is not None and results.progress.changes
    page = texts(page_with(pages_lv, "Izmaiņas kopš iepriekšējā pašvērtējuma"))
    assert "Iepriekšējais pašvērtējums: 03.11.2025. – 16.11.2025." in page
    for change in results.progress.changes:
        cell = (
            f"{number(change.before, 'lv')} → {number(change.after, 'lv')}"
            f"  ({signed(change.change, 'lv')})"
        )
        assert cell in page
    assert any("Skolas vadītāji (2)" in t for t in page)  # hidden in the earlier session


def test_without_progress_own_statements_or_hidden_groups_those_parts_are_left_out(
    results: SessionResults, report_bank: Bank
) -> None:
    everyone_shown = tuple(
        GroupParticipation(g.profile, g.respondents if g.shown else 0, g.shown)
        for g in results.participation
    )
    plain = dataclasses.replace(
        results, progress=None, own_statements=(), participation=everyone_shown
    )
    content = all_text(build_report_pages(plain, bank=report_bank, language="lv"))
    assert "Izmaiņas kopš iepriekšējā pašvērtējuma" not in content
    assert "Skolas pašas apgalvojumi" not in content
    assert "Skolas vadītāji" not in content.replace("Skolas vadītāji: 0", "")


def test_english_report_uses_english_labels_throughout(
    report_bank: Bank, pages_en: list[Figure]
) -> None:
    content = all_text(pages_en)
    for expected in (
        "Digital readiness self-reflection: results",
        "Key findings",
        "Strengths",
        "Areas for improvement",
        "The school as a whole",
        "Where the groups disagree most",
        "From results to action",
        "Progress since the previous self-reflection",
        "How to read these results",
        "1 – Strongly disagree",
        *(f"{a}. {report_bank.areas[a].name('en')}" for a in AREA_CODES),
    ):
        assert expected in content, expected
    for latvian in ("Stiprās puses", "Skolotāji", "vidēji", "lpp."):
        assert latvian not in content


def test_the_overview_chart_stays_on_the_page_under_a_long_school_name(
    results: SessionResults, report_bank: Bank
) -> None:
    long_name = "Rīgas Tehniskās universitātes Inženierzinātņu vidusskola " * 3
    renamed = dataclasses.replace(
        results, session=dataclasses.replace(results.session, school_name=long_name.strip())
    )
    overview = build_report_pages(renamed, bank=report_bank, language="lv")[0]
    canvas, bars = overview.axes
    assert bars.get_position().y0 >= 0.6 / 11.69  # above the footer
    assert bars.get_position().y1 <= 1.0
    assert canvas.get_position().bounds == (0, 0, 1, 1)


def test_the_report_shows_in_company_trainers(
    wbl_results: SessionResults, results: SessionResults, report_bank: Bank
) -> None:
    pages = build_report_pages(wbl_results, bank=report_bank, language="lv")
    written = all_text(pages)
    assert "Prakses vadītāji uzņēmumos: 6" in written
    trainers_h12 = report_bank.statement("H12").text("trainer", "wbl", "lv")
    assert any(trainers_h12 in t for page in pages for t in texts(page))
    assert "uzņēmumos" not in all_text(build_report_pages(results, bank=report_bank, language="lv"))


def test_the_school_s_comparison_leaves_out_trainers_who_answer_statements_of_their_own(
    wbl_results: SessionResults, report_bank: Bank
) -> None:
    school = wbl_results.school_highlights
    assert school is not None and school.groups == ("leader", "teacher", "student")
    order = reading_order(build_report_pages(wbl_results, bank=report_bank, language="lv"))
    section = order[order.index("Skola kopumā") :]
    assert section[2].startswith("Grupas: Skolas vadītāji, Skolotāji, Skolēni ·")
    assert section[3] == (
        "Šajā salīdzinājumā nav iekļauti, jo atbildēja uz citiem apgalvojumiem (skatiet viņu"
        " sarakstu augstāk): Prakses vadītāji uzņēmumos"
    )


def drawn_boxes(page: Figure) -> Iterator[tuple[Bbox, str]]:
    """Each written text's box on the page, in inches from the bottom left."""
    renderer = FigureCanvasAgg(page).get_renderer()  # type: ignore[no-untyped-call]
    for text in written(page):
        box = text.get_window_extent(renderer)
        yield Bbox.from_extents(*(v / page.dpi for v in box.extents)), text.get_text()


@pytest.mark.parametrize("which", ["results", "wbl_results"])
@pytest.mark.parametrize("language", catalogue().languages.codes)
def test_nothing_runs_off_the_page_or_over_other_text_in_any_language(
    request: pytest.FixtureRequest, report_bank: Bank, language: str, which: str
) -> None:
    results: SessionResults = request.getfixturevalue(which)  # wbl: four groups
    pages = build_report_pages(results, bank=report_bank, language=language)
    for number_, page in enumerate(pages, start=1):
        boxes = sorted(drawn_boxes(page), key=lambda found: found[0].y1, reverse=True)
        footer = boxes.pop()  # the lowest: the page number
        assert str(number_) in footer[1]
        for box, text in boxes:
            assert box.x0 >= MARGIN - 0.02 and box.x1 <= A4[0] - MARGIN + 0.02, (number_, text)
            assert box.y0 >= A4[1] - BOTTOM - 0.02 and box.y1 <= A4[1] - MARGIN + 0.1, text
        for index, (box, text) in enumerate(boxes):
            for other, other_text in boxes[index + 1 :]:
                if other.y1 <= box.y0:
                    break  # sorted by their tops: the rest are lower down
                overlap = min(box.x1, other.x1) - max(box.x0, other.x0)
                assert overlap <= 0.01 or other.y1 - box.y0 <= 0.01, (number_, text, other_text)
