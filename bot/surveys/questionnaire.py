"""Assembling the ordered questionnaire a profile answers in a session."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.surveys.bank import Bank
from bot.surveys.vocabulary import LANGUAGES, Language, Level, Profile

MAX_OWN_STATEMENTS = 10


@dataclass(frozen=True, slots=True)
class OwnStatement:
    """A statement the school wrote itself, in its own language."""

    code: str
    area: str
    profiles: frozenset[Profile]
    text: str
    help: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    """One statement as a given profile sees it, in every language."""

    code: str
    area: str
    own: bool
    texts: Mapping[Language, str]
    helps: Mapping[Language, str]

    def text(self, language: Language) -> str:
        return self.texts[language]

    def help(self, language: Language) -> str:
        return self.helps[language]


@dataclass(frozen=True, slots=True)
class Questionnaire:
    items: tuple[Item, ...]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, position: int) -> Item:
        return self.items[position]

    def position_of(self, code: str) -> int | None:
        for position, item in enumerate(self.items):
            if item.code == code:
                return position
        return None


def assemble(
    bank: Bank,
    *,
    level: Level,
    profile: Profile,
    codes: Collection[str],
    own: Sequence[OwnStatement] = (),
) -> Questionnaire:
    """The session's bank statements this profile sees, then its own ones, area by area."""
    items: list[Item] = []
    for area in bank.areas:
        for statement in bank.statements.values():
            if statement.area != area or statement.code not in codes:
                continue
            if not statement.shown_to(profile, level):
                continue
            items.append(
                Item(
                    code=statement.code,
                    area=area,
                    own=False,
                    texts={lang: statement.text(profile, level, lang) for lang in LANGUAGES},
                    helps={lang: statement.help(profile, level, lang) for lang in LANGUAGES},
                )
            )
        for mine in own:
            if mine.area == area and profile in mine.profiles:
                items.append(
                    Item(
                        code=mine.code,
                        area=area,
                        own=True,
                        texts=dict.fromkeys(LANGUAGES, mine.text),
                        helps=dict.fromkeys(LANGUAGES, mine.help),
                    )
                )
    return Questionnaire(tuple(items))
