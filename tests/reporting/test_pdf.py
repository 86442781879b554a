import dataclasses
import re

import pytest
from matplotlib.figure import Figure

from bot.i18n.formatting import number, signed
from bot.reporting.pdf import build_report_pages, report_pdf
from bot.surveys.bank import Bank
from bot.surveys.scoring import GroupParticipation, SessionResults
from bot.surveys.vocabulary import AREA_CODES

PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def texts(figure: Figure) -> list[str]:
    # The texts the report writes; cheaper than findobj(), which also builds every axis tick.
    written = [*figure.texts, *(t for axes in figure.axes for t in axes.texts)]
    return [t.get_text() for t in written if t.get_text()]


def page_with(pages: list[Figure], heading: str) -> Figure:
    found = [page for page in pages if heading in texts(page)]
    assert found, f"no page with {heading!r}"
    return found[0]


def all_text(pages: list[Figure]) -> str:
    return "\n".join(t for page in pages for t in texts(page))


@pytest.fixture(scope="module")
def pages_lv(results: SessionResults, report_bank: Bank) -> list[Figure]:
    return build_report_pages(results, bank=report_bank, language="lv")


@pytest.fixture(scope="module")
def pages_en(results: SessionResults, report_bank: Bank) -> list[Figure]:
    return build_report_pages(results, bank=report_bank, language="en")


def test_the_pdf_has_one_page_per_report_page_and_embeds_its_fonts(
    results: SessionResults, report_bank: Bank, pages_lv: list[Figure]
) -> None:
    # overview + at least one page per area + own statements + highlights + progress + notes
    assert len(pages_lv) >= 1 + len(AREA_CODES) + 4
    # Saving is the slow part (matplotlib lays out every glyph), so the bytes are checked on
    # the statements of two areas: overview, A, B, own, highlights, progress, notes.
    smaller = dataclasses.replace(
        results, statements=tuple(s for s in results.statements if s.area in "AB")
    )
    other_areas = [
        page
        for page in pages_lv
        if any(
            t.startswith(f"{area}. {report_bank.areas[area].name('lv')}")
            for t in texts(page)
            for area in "CDEFGH"
        )
    ]
    data = report_pdf(smaller, bank=report_bank, language="lv")
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert len(PAGE_OBJECT.findall(data)) == len(pages_lv) - len(other_areas) >= 7
    assert b"/FontFile2" in data and b"DejaVuSans" in data  # TrueType: text stays text


def test_every_page_is_a4_and_numbered(pages_lv: list[Figure]) -> None:
    for index, page in enumerate(pages_lv, start=1):
        assert tuple(page.get_size_inches()) == pytest.approx((8.27, 11.69))
        footer = f"Rīgas Valsts 1. ģimnāzija · {index}. lpp. no {len(pages_lv)}"
        assert footer in texts(page)


def test_the_overview_shows_participation_and_the_area_chart(
    results: SessionResults, pages_lv: list[Figure]
) -> None:
    overview = texts(pages_lv[0])
    assert "Digitālās gatavības pašvērtējuma rezultāti" in overview
    assert "Rīgas Valsts 1. ģimnāzija" in overview
    assert "Periods: 23.11.2026. – 06.12.2026." in overview
    assert "Skolas vadītāji: 3 – nav parādīti atsevišķi (respondentu ir mazāk nekā 5)" in overview
    assert "Skolotāji: 6" in overview and "Skolēni: 8" in overview
    bars = {p.get_gid() for p in pages_lv[0].findobj() if str(p.get_gid()).startswith("bar-")}
    expected = {f"bar-{s.area}-{s.profile}" for s in results.areas if s.mean is not None}
    assert bars == expected


def test_each_area_has_its_page_with_every_statement_and_group(
    results: SessionResults, report_bank: Bank, pages_lv: list[Figure]
) -> None:
    for area in AREA_CODES:
        heading = f"{area}. {report_bank.areas[area].name('lv')}"
        page = page_with(pages_lv, heading)
        assert "1 – Pilnībā nepiekrītu" in texts(page)
        assert "N/A – Nav atbilstošs" in texts(page)
    area_pages = "\n".join(
        t for page in pages_lv[1 : 1 + len(AREA_CODES)] for t in texts(page)
    ) + all_text(pages_lv)
    for statement in results.statements:
        assert statement.code in area_pages
        for distribution in statement.groups.values():
            mean = distribution.mean
            figures = (
                f"n = {distribution.answered} · vidēji {number(mean, 'lv')}"
                if mean is not None
                else f"n = {distribution.answered}"
            )
            assert figures in area_pages, (statement.code, figures)


def test_hidden_groups_appear_only_where_the_report_says_they_are_hidden(
    pages_lv: list[Figure],
) -> None:
    mentions = [
        index
        for index, page in enumerate(pages_lv)
        if any("Skolas vadītāji" in t for t in texts(page))
    ]
    progress = pages_lv.index(page_with(pages_lv, "Izmaiņas kopš iepriekšējā pašvērtējuma"))
    assert mentions == [0, progress, len(pages_lv) - 1]
    hidden = "Skolas vadītāji: 3 – nav parādīti atsevišķi (respondentu ir mazāk nekā 5)"
    assert texts(pages_lv[0]).count(hidden)
    notes = all_text(pages_lv[-1:])
    assert "Kā lasīt šos rezultātus" in notes
    assert "Šajā pašvērtējumā nav parādīti: Skolas vadītāji (3)." in notes


def test_the_school_own_statements_have_their_page(pages_lv: list[Figure]) -> None:
    page = texts(page_with(pages_lv, "Skolas pašas apgalvojumi"))
    assert "Skolā darbojas robotikas pulciņš." in page
    assert "=1+1 skolotāju istabā ir printeris." in page
    assert "S1 (B)" in page and "S2 (C)" in page
    assert "Skolas apgalvojumi nav iekļauti jomu vidējos rādītājos." in page


def test_strengths_improvements_and_disagreements_are_listed_in_order(
    results: SessionResults, pages_lv: list[Figure]
) -> None:
    page = texts(page_with(pages_lv, "Stiprās puses un uzlabojamās jomas"))
    expected = [f"{h.code} · {number(h.mean, 'lv')}" for h in results.strengths]
    expected += [f"{h.code} · {number(h.mean, 'lv')}" for h in results.improvements]
    expected += [f"{d.code} · starpība {number(d.spread, 'lv')}" for d in results.disagreements]
    assert results.strengths and results.improvements
    assert [t for t in page if t in expected] == expected


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
    results: SessionResults, report_bank: Bank, pages_lv: list[Figure]
) -> None:
    everyone_shown = tuple(
        GroupParticipation(g.profile, g.respondents if g.shown else 0, g.shown)
        for g in results.participation
    )
    plain = dataclasses.replace(
        results, progress=None, own_statements=(), participation=everyone_shown
    )
    pages = build_report_pages(plain, bank=report_bank, language="lv")
    assert len(pages) == len(pages_lv) - 2
    content = all_text(pages)
    assert "Izmaiņas kopš iepriekšējā pašvērtējuma" not in content
    assert "Skolas pašas apgalvojumi" not in content
    assert "Skolas vadītāji" not in content.replace("Skolas vadītāji: 0", "")


def test_english_report_uses_english_labels_throughout(
    report_bank: Bank, pages_en: list[Figure]
) -> None:
    content = all_text(pages_en)
    for expected in (
        "Digital readiness self-reflection: results",
        "Strengths (highest mean)",
        "Areas for improvement (lowest mean)",
        "Where the groups disagree most",
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
