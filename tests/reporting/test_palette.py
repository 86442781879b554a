from itertools import combinations

import pytest

from bot.reporting.palette import (
    GROUP_COLOURS,
    INK,
    SCALE_FILLS,
    WHITE,
    lightness,
    relative_luminance,
    text_colour_on,
)
from bot.surveys.vocabulary import PROFILES

# Two colours that differ by less than this in L* print as one grey.
APART = 12


def test_lightness_and_luminance_of_known_colours() -> None:
    assert lightness("#FFFFFF") == pytest.approx(100)
    assert lightness("#000000") == pytest.approx(0)
    assert lightness("#777777") == pytest.approx(50.0, abs=0.5)
    assert relative_luminance("#FFFFFF") == pytest.approx(1)


def test_every_group_has_a_colour_that_prints_apart_from_the_others() -> None:
    assert set(GROUP_COLOURS) == set(PROFILES)
    for one, other in combinations(GROUP_COLOURS.values(), 2):
        assert abs(lightness(one) - lightness(other)) >= APART, (one, other)


def test_answers_print_apart_by_lightness_or_hatching() -> None:
    for (one, first), (other, second) in combinations(SCALE_FILLS.items(), 2):
        apart = abs(lightness(first.colour) - lightness(second.colour)) >= APART
        assert apart or first.hatch != second.hatch, (one, other)
    # 3, the middle of the scale, is a colour, not paper.
    assert lightness(SCALE_FILLS[3].colour) < 85
    assert {v for v, fill in SCALE_FILLS.items() if fill.hatch} == {1, 2}


@pytest.mark.parametrize(
    ("background", "expected"), [("#174A7C", WHITE), ("#4393C3", INK), ("#EBEBEB", INK)]
)
def test_counts_are_written_in_the_colour_that_contrasts_more(
    background: str, expected: str
) -> None:
    assert text_colour_on(background) == expected
