"""Assembling the ordered questionnaire a profile answers in a session."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from bot.surveys.bank import Bank
from bot.surveys.vocabulary import DEFAULT_LANGUAGE, LANGUAGES, Language, Level, Profile

MAX_OWN_STATEMENTS = 10


@dataclass(frozen=True, slots=True)
class Translation:
    language: Language
    text: str
    help: str = ""


@dataclass(frozen=True, slots=True)
class OwnStatement:
    """A statement the school wrote itself: its text and help in the language it was written
    in, and translations into other languages."""

    code: str
    area: str
    profiles: frozenset[Profile]
    text: str
    help: str = ""
    language: Language = DEFAULT_LANGUAGE
    translations: tuple[Translation, ...] = ()

    def in_language(self, language: Language) -> tuple[str, str]:
        """(text, help) as a reader of `language` sees it: its translation, else as written."""
        for translation in self.translations:
            if translation.language == language:
                return translation.text, translation.help
        return self.text, self.help

    def has(self, language: Language) -> bool:
        """Whether a reader of `language` sees it in their language."""
        return language == self.language or any(t.language == language for t in self.translations)

    def missing(self, languages: Sequence[Language] = LANGUAGES) -> list[Language]:
        return [language for language in languages if not self.has(language)]

    def translated(self, translation: Translation) -> OwnStatement:
        """The same statement with `translation` added or replaced."""
        others = tuple(t for t in self.translations if t.language != translation.language)
        kept = (*others, translation) if translation.language != self.language else others
        return OwnStatement(
            self.code, self.area, self.profiles, self.text, self.help, self.language,
            tuple(sorted(kept, key=lambda t: LANGUAGES.index(t.language)
                         if t.language in LANGUAGES else len(LANGUAGES))),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Item:
    """One statement as a given profile sees it, in every language."""

    code: str
    area: str
    own: bool
    texts: Mapping[Language, str]
    helps: Mapping[Language, str]
    # For an own statement without a translation into some languages: the language it was
    # written in, which readers of those languages see.
    written_in: Language | None = None
    untranslated: frozenset[Language] = frozenset()

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
                        texts={lang: mine.in_language(lang)[0] for lang in LANGUAGES},
                        helps={lang: mine.in_language(lang)[1] for lang in LANGUAGES},
                        written_in=mine.language,
                        untranslated=frozenset(mine.missing()),
                    )
                )
    return Questionnaire(tuple(items))
