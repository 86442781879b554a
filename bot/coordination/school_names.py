"""Finding a school by the name an admin typed: without case or diacritics ("Liepajas Raina"
finds "Liepājas Raiņa 6. vidusskola"), and the closest names when nothing matches."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence

from bot.storage.records import School

# How many close names to suggest, and how close a name must be (difflib's ratio).
SUGGESTIONS = 3
CUTOFF = 0.5


def folded(name: str) -> str:
    """The name without case, diacritics or repeated spaces: "liepajas raina 6. vidusskola"."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def matching(typed: str, schools: Sequence[School]) -> list[School]:
    """The schools the typed name means: the one with that name, or else those whose name
    starts with it or contains it."""
    wanted = folded(typed)
    if not wanted:
        return []
    same = [s for s in schools if folded(s.name) == wanted]
    if same:
        return same
    starting = [s for s in schools if folded(s.name).startswith(wanted)]
    return starting or [s for s in schools if wanted in folded(s.name)]


def closest(typed: str, schools: Sequence[School]) -> list[School]:
    """The schools whose names are nearest to the typed one, nearest first."""
    by_folded: dict[str, School] = {}
    for school in schools:
        by_folded.setdefault(folded(school.name), school)
    near = difflib.get_close_matches(folded(typed), list(by_folded), SUGGESTIONS, CUTOFF)
    return [by_folded[name] for name in near]
