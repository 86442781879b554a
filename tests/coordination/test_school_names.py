"""School names as admins type them: without case or diacritics, and the closest names."""

from __future__ import annotations

from bot.coordination.school_names import closest, folded, matching
from bot.storage.records import School

SCHOOLS = [
    School(1, "Liepājas Raiņa 6. vidusskola"),
    School(2, "Liepājas 5. vidusskola"),
    School(3, "Ogres tehnikums"),
    School(4, "Rīgas Valsts 1. ģimnāzija"),
]


def test_case_and_diacritics_do_not_matter() -> None:
    assert folded("  LIEPĀJAS   Raiņa ") == "liepajas raina"
    assert matching("Liepajas Raina", SCHOOLS) == [SCHOOLS[0]]
    assert matching("rigas valsts 1. gimnazija", SCHOOLS) == [SCHOOLS[3]]
    assert matching("tehnikums", SCHOOLS) == [SCHOOLS[2]]


def test_a_name_that_fits_several_returns_them_all() -> None:
    assert matching("liepajas", SCHOOLS) == SCHOOLS[:2]
    assert matching("", SCHOOLS) == []


def test_nothing_matching_suggests_the_closest() -> None:
    assert matching("Ogres tehnikum skola", SCHOOLS) == []
    assert closest("Ogres tehnikum skola", SCHOOLS)[0] == SCHOOLS[2]
    assert closest("Liepajas Rainis 6 vidusskola", SCHOOLS)[0] == SCHOOLS[0]
    assert closest("zzzz", SCHOOLS) == []
