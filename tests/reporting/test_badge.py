import struct
from datetime import date

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.reporting.badge import CENTRE, INNER, badge_png, build_badge
from bot.surveys.vocabulary import profiles_at

START, END = date(2026, 11, 23), date(2026, 12, 6)
UPPER_SECONDARY = profiles_at("upper-secondary")


def texts(figure: Figure) -> list[str]:
    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def test_the_badge_is_a_square_png() -> None:
    data = badge_png(
        school="Ogres tehnikums", start=START, end=END, groups=UPPER_SECONDARY, language="lv"
    )
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1000, 1000)
    assert len(data) < 300_000


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "lv",
            [
                "Mēs piedalījāmies",
                "digitālās gatavības pašvērtējumā",
                "Pašvērtējuma periods: 23.11.2026. – 06.12.2026.",
                "Skolas vadītāji · Skolotāji · Skolēni",
                "Digitālais žetons",
            ],
        ),
        ("en", ["We took part", "Self-reflection period: 23 Nov 2026 – 6 Dec 2026"]),
        ("ru", ["Мы приняли участие", "Цифровой значок"]),
        ("uk", ["Ми взяли участь", "Цифровий значок"]),
    ],
)
def test_the_badge_names_the_school_the_period_and_the_groups_and_no_result(
    language: str, expected: list[str]
) -> None:
    figure = build_badge(
        school="Ogres tehnikums", start=START, end=END, groups=UPPER_SECONDARY, language=language
    )
    written = texts(figure)
    assert "Ogres tehnikums" in written
    for line in expected:
        assert line in written
    assert not [t for t in written if any(c.isdigit() for c in t) and "2026" not in t]


def test_the_groups_on_the_badge_are_the_session_s() -> None:
    figure = build_badge(
        school="Ogres tehnikums", start=START, end=END, groups=("leader", "teacher"), language="en"
    )
    assert "School leaders · Teachers" in texts(figure)


def test_long_lines_stay_inside_the_circle() -> None:
    school = "Rīgas Tehniskās universitātes Inženierzinātņu vidusskola ar ļoti garu nosaukumu"
    figure = build_badge(school=school, start=START, end=END, groups=UPPER_SECONDARY, language="ru")
    FigureCanvasAgg(figure)
    figure.draw_without_rendering()
    (ax,) = figure.axes
    for text in ax.texts:
        extent = text.get_window_extent().transformed(ax.transData.inverted())
        for x in (extent.x0, extent.x1):
            for y in (extent.y0, extent.y1):
                assert (x - CENTRE) ** 2 + (y - CENTRE) ** 2 < INNER**2, text.get_text()
    assert school in [t.replace("\n", " ") for t in texts(figure)]
