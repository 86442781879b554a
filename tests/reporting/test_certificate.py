import struct
from datetime import date

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.reporting.certificate import build_certificate, certificate_png

START, END, ISSUED = date(2026, 11, 23), date(2026, 12, 6), date(2026, 12, 7)


def texts(figure: Figure) -> str:
    return "\n".join(t.get_text() for t in figure.findobj(Text))


def test_the_certificate_is_a_small_png() -> None:
    data = certificate_png(
        school="Rīgas Valsts 1. ģimnāzija", start=START, end=END, issued=ISSUED, language="lv"
    )
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1200, 850)
    assert len(data) < 200_000


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "lv",
            [
                "Apliecinājums par dalību",
                "digitālās gatavības pašvērtējumā SELFIE",
                "Pašvērtējuma periods: 23.11.2026. – 06.12.2026.",
                "Izsniegšanas datums: 07.12.2026.",
            ],
        ),
        (
            "en",
            [
                "Certificate of participation",
                "Self-reflection period: 23 Nov 2026 – 6 Dec 2026",
                "Date of issue: 7 Dec 2026",
            ],
        ),
    ],
)
def test_the_certificate_names_school_dates_and_issue_day(
    language: str, expected: list[str]
) -> None:
    figure = build_certificate(
        school="Ogres tehnikums",
        start=START,
        end=END,
        issued=ISSUED,
        language=language,
    )
    content = texts(figure)
    assert "Ogres tehnikums" in content
    for line in expected:
        assert line in content


def test_a_long_school_name_is_wrapped_not_cut_mid_word() -> None:
    name = "Rīgas Tehniskās universitātes Inženierzinātņu vidusskola ar ļoti garu nosaukumu"
    figure = build_certificate(school=name, start=START, end=END, issued=ISSUED, language="lv")
    (school,) = [t.get_text() for t in figure.findobj(Text) if "Inženierzinātņu" in t.get_text()]
    assert "\n" in school
    assert school.replace("\n", " ") == name
