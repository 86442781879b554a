"""What people type is text: school names and own statements come out of every renderer as
they were written, never read as mathematics, TeX, markup, format strings or formulas.

The drawings are checked twice: every Text that carries words says parse_math=False and
usetex=False, and the figure rendered to SVG with its text kept as text (svg.fonttype none)
shows the very string. Mathematics would come out as single glyphs there, TeX would need a
LaTeX that is not installed (the tests switch `text.usetex` on to make sure nothing follows
it), and `Skola $x^{$ b` would not draw at all.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date

import matplotlib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.reporting.badge import badge_png, build_badge
from bot.reporting.certificate import build_certificate, certificate_png
from bot.reporting.chart import area_chart_png, build_area_chart, caption
from bot.reporting.exports import answers_csv, summary_csv
from bot.reporting.pdf import build_report_pages, report_pdf
from bot.storage.results import AnswerRow
from bot.surveys.bank import Bank
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import PROFILES
from bot.validation import is_hidden

from .conftest import HOSTILE_TEXTS

START, END, ISSUED = date(2026, 11, 23), date(2026, 12, 6), date(2026, 12, 7)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Emoji and the like are not in DejaVu Sans; matplotlib warns and draws a box, which is fine.
pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")


@pytest.fixture(autouse=True)
def tex_switched_on() -> Iterator[None]:
    """As if an operator's matplotlibrc asked for TeX and mathematics everywhere."""
    with matplotlib.rc_context({"text.usetex": True, "text.parse_math": True}):
        yield


def worded(figure: Figure) -> list[Text]:
    """Every Text with words in it, the axes' tick labels included."""
    return [text for text in figure.findobj(Text) if text.get_text()]


def written(figure: Figure) -> list[Text]:
    """The Texts the reports write themselves, in order: cheaper than findobj()."""
    texts = [*figure.texts, *(t for axes in figure.axes for t in axes.texts)]
    texts += [t for legend in figure.legends for t in legend.get_texts()]
    return [text for text in texts if text.get_text()]


def assert_literal(figure: Figure, *, every: bool = True) -> None:
    for text in worded(figure) if every else written(figure):
        assert not text.get_parse_math(), text.get_text()
        assert not text.get_usetex(), text.get_text()


def drawn_lines(figure: Figure) -> list[str]:
    """Every line of text as the SVG backend draws it, text kept as text."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        FigureCanvasAgg(figure)
        figure.savefig(buffer, format="svg")
    root = ET.fromstring(buffer.getvalue())
    return ["".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")]


def visible(text: str) -> str:
    return "".join(character for character in text if not character.isspace())


def with_texts(results: SessionResults, school: str, own: str) -> SessionResults:
    """The results with another school name and the first own statement's text replaced."""
    first, *rest = results.own_statements
    return dataclasses.replace(
        results,
        session=dataclasses.replace(results.session, school_name=school),
        own_statements=(dataclasses.replace(first, own_text=own), *rest),
    )


# -- each renderer, with each hostile text -------------------------------------------------------


@pytest.mark.parametrize("school", HOSTILE_TEXTS)
def test_the_chart_draws_the_school_name_as_written(
    hostile_results: dict[str, SessionResults], report_bank: Bank, school: str
) -> None:
    results = hostile_results[school]
    figure = build_area_chart(results, bank=report_bank, language="en")
    assert_literal(figure)
    assert school in drawn_lines(figure)
    assert area_chart_png(results, bank=report_bank, language="lv").startswith(b"\x89PNG")
    assert school in caption(results, language="lv")


@pytest.mark.parametrize("school", HOSTILE_TEXTS)
def test_the_pdf_report_draws_names_and_own_statements_as_written(
    hostile_results: dict[str, SessionResults], report_bank: Bank, school: str
) -> None:
    results = hostile_results[school]
    pages = build_report_pages(results, bank=report_bank, language="en")
    assert_literal(pages[0])  # the overview, with the area chart's axes
    for page in pages[1:]:
        assert_literal(page, every=False)  # the rest write on a canvas without axes
    overview = drawn_lines(pages[0])
    assert school in overview
    assert f"{school} · page 1 of {len(pages)}" in overview  # the footer
    own = [line for page in own_statements_pages(pages) for line in drawn_lines(page)]
    assert set(HOSTILE_TEXTS) <= set(own)


def own_statements_pages(pages: list[Figure]) -> list[Figure]:
    """The pages from the one where the school's own statements begin to the end."""
    first = next(i for i, p in enumerate(pages) if "The school's own statements" in written_on(p))
    return pages[first:]


def written_on(figure: Figure) -> list[str]:
    return [text.get_text() for text in written(figure)]


def visible_texts(figure: Figure) -> str:
    return "\n".join(text.get_text() for text in written(figure))


def test_the_pdf_file_is_written_with_the_hostile_texts(
    hostile_results: dict[str, SessionResults], report_bank: Bank
) -> None:
    school = "Skola $x^{$ b"  # mathtext cannot even parse this one
    results = hostile_results[school]
    # The bank's statements only make the file longer to write; the own ones stay.
    smaller = dataclasses.replace(results, statements=())
    data = report_pdf(smaller, bank=report_bank, language="en")
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert f"results: {school}".encode() in data  # the document's title, in its metadata


@pytest.mark.parametrize("school", HOSTILE_TEXTS)
def test_the_certificate_draws_the_school_name_as_written(school: str) -> None:
    figure = build_certificate(school=school, start=START, end=END, issued=ISSUED, language="lv")
    assert_literal(figure)
    assert school in drawn_lines(figure)
    png = certificate_png(school=school, start=START, end=END, issued=ISSUED, language="en")
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize("school", HOSTILE_TEXTS)
def test_the_badge_draws_the_school_name_as_written(school: str) -> None:
    figure = build_badge(school=school, start=START, end=END, groups=PROFILES, language="lv")
    assert_literal(figure)
    assert school in drawn_lines(figure)
    png = badge_png(school=school, start=START, end=END, groups=PROFILES, language="en")
    assert png.startswith(b"\x89PNG")


def parse(content: bytes, delimiter: str) -> list[list[str]]:
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize("language", ["lv", "en"])
def test_the_summary_csv_keeps_own_statements_from_becoming_formulas(
    hostile_results: dict[str, SessionResults], report_bank: Bank, language: str
) -> None:
    results = hostile_results["{0}"]
    export = summary_csv(results, bank=report_bank, language=language)
    lines = parse(export.content, export.delimiter)[1:]
    own = {line[0]: line for line in lines if line[0].startswith("S")}
    assert [own[f"S{n}"][3] for n in range(1, len(HOSTILE_TEXTS) + 1)] == [
        "'" + text if text.startswith("=") else text for text in HOSTILE_TEXTS
    ]
    for line in lines:
        # The figures we write stay figures: counts and a mean, never quoted as text.
        assert all(cell.isdigit() for cell in line[4:11]), line
        assert line[11] == "" or float(line[11].replace(",", ".")) >= 1, line


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_of_an_own_text_is_defused(
    results: SessionResults, report_bank: Bank, start: str
) -> None:
    typed = f"{start}SUM(A1:A9)"
    changed = with_texts(results, results.session.school_name, typed)
    export = summary_csv(changed, bank=report_bank, language="en")
    wording = {line[0]: line[3] for line in parse(export.content, export.delimiter)[1:]}
    code = changed.own_statements[0].code
    assert wording[code] == "'" + typed


def test_the_answers_csv_carries_no_typed_text_and_a_safe_file_name(
    hostile_results: dict[str, SessionResults], report_bank: Bank
) -> None:
    results = hostile_results['=HYPERLINK("http://x")']
    rows = [AnswerRow(response_id=1, profile="teacher", code="S1", value=4)]
    export = answers_csv(rows, results=results, bank=report_bank, language="en")
    session = results.session
    number, start = session.number, session.start_date
    assert export.name == f"selfie-hyperlink-http-x-{number}-{start}-answers.csv"
    assert parse(export.content, export.delimiter)[1] == ["1", "Teachers", "S1", "A", "4"]


# -- fuzzed names and own statements through every renderer --------------------------------------

# Pieces that mean something to mathtext, TeX, HTML, format strings or spreadsheets.
PIECES = (
    "$", "$$", "$x^{$", "\\$", "\\", "{", "}", "^", "_", "%", "%(name)s", "{0}", "{school}",
    "=", "+", "-", "@", "<b>", "</i>", "&amp;", "'", '"', "#", "~", "\\textbf{x}", "\\n",
    "\u200f", "\u200b", "\u00a0", "e\u0301", "🙂", "👩‍👩‍👧‍👦", "Ģ", "ļ", "ž",
)  # fmt: skip
SETTINGS = settings(
    deadline=None,  # a drawing takes a good part of a second
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)


def typed_text(max_size: int) -> st.SearchStrategy[str]:
    """What a person could get past the input rules: any character but the hidden ones, on
    one line with single spaces, as the database holds it."""
    piece = st.one_of(
        st.text(
            st.characters(codec="utf-8").filter(lambda c: not is_hidden(c)), min_size=1, max_size=6
        ),
        st.sampled_from(PIECES),
    )
    return (
        st.lists(piece, min_size=1, max_size=12)
        .map(lambda pieces: " ".join("".join(pieces).split())[:max_size])
        .filter(lambda text: text.strip() != "")
    )


@SETTINGS
@given(school=typed_text(60), own=typed_text(80))
def test_fuzzed_names_and_own_statements_come_out_of_every_renderer_as_written(
    results: SessionResults, report_bank: Bank, school: str, own: str
) -> None:
    # Without the bank's statements: fewer pages to draw, and they carry no typed text.
    changed = dataclasses.replace(with_texts(results, school, own), statements=())
    chart = build_area_chart(changed, bank=report_bank, language="lv")
    pages = build_report_pages(changed, bank=report_bank, language="en")
    own_page = own_statements_pages(pages)[0]
    certificate = build_certificate(
        school=school, start=START, end=END, issued=ISSUED, language="en"
    )
    for page in pages:
        assert_literal(page, every=False)
    # The own statements' page has the school's name too, in its footer.
    for figure in (chart, own_page, certificate):
        assert_literal(figure, every=False)
        figure.savefig(io.BytesIO(), format="png")  # mathematics or TeX would fail here
    assert visible(school) in visible(visible_texts(chart))
    assert visible(school) in visible(visible_texts(pages[0]))
    assert visible(school) in visible(visible_texts(own_page))
    assert visible(school) in visible(visible_texts(certificate))
    assert visible(own) in visible(visible_texts(own_page))
    export = summary_csv(changed, bank=report_bank, language="lv")
    wording = {line[0]: line[3] for line in parse(export.content, export.delimiter)[1:]}
    code = changed.own_statements[0].code
    assert wording[code] == ("'" + own if own.startswith(FORMULA_STARTS) else own)
