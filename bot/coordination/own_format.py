"""Own statements written on one line, for the command line and CSV files.

`AREA|GROUPS|TEXT[|HELP]`, e.g. `C|teacher,student|Our library lends laptops.` GROUPS is a
comma-separated list of leader, teacher, student, trainer (level wbl only), or `all` (every
group of the session's level). The statements are numbered S1, S2 … in the order given, and
written in one language; a translation is
`CODE|LANGUAGE|TEXT[|HELP]`, e.g. `S1|lv|Mūsu bibliotēka izsniedz klēpjdatorus.`
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.surveys.bank import MAX_HELP_CHARS, MAX_TEXT_CHARS
from bot.surveys.questionnaire import MAX_OWN_STATEMENTS, OwnStatement, Translation
from bot.surveys.vocabulary import (
    AREA_CODES,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    PROFILES,
    Language,
    Profile,
)
from bot.validation import UnsafeText, plain_text


def parse_own(
    specs: list[str],
    *,
    language: Language = DEFAULT_LANGUAGE,
    translations: Sequence[str] = (),
) -> list[OwnStatement]:
    """Own statements S1, S2 … from their one-line forms, written in `language`, with their
    translations; ValueError says what is wrong."""
    if len(specs) > MAX_OWN_STATEMENTS:
        raise ValueError(f"at most {MAX_OWN_STATEMENTS} own statements, got {len(specs)}")
    if language not in LANGUAGES:
        raise ValueError(f"the own statements' language must be one of {', '.join(LANGUAGES)}")
    found = {
        f"S{number}": replace(_parse_one(spec, f"S{number}"), language=language)
        for number, spec in enumerate(specs, start=1)
    }
    for spec in translations:
        code, translation = _parse_translation(spec)
        if code not in found:
            raise ValueError(f"translation {spec!r}: there is no own statement {code}")
        if translation.language == language:
            raise ValueError(f"translation {spec!r}: {code} is written in {language} already")
        found[code] = found[code].translated(translation)
    return list(found.values())


def _fields(spec: str, what: str, form: str) -> tuple[str, str, str, str]:
    """The two leading fields of a one-line form, its text and its help, checked; the
    ValueError names `what` (e.g. "own statement 'C|all|…'") and the expected `form`."""
    where = f"{what} {spec!r}"
    try:
        plain_text(spec, what="it")
    except UnsafeText as error:
        raise ValueError(f"{where}: {error}") from None
    parts = [part.strip() for part in spec.split("|")]
    if len(parts) not in (3, 4):
        raise ValueError(f"{where}: expected {form}")
    text = " ".join(parts[2].split())
    help_text = " ".join(parts[3].split()) if len(parts) == 4 else ""
    if not 1 <= len(text) <= MAX_TEXT_CHARS:
        raise ValueError(f"{where}: the text must be 1 to {MAX_TEXT_CHARS} characters")
    if len(help_text) > MAX_HELP_CHARS:
        raise ValueError(f"{where}: the help must be at most {MAX_HELP_CHARS} characters")
    return parts[0], parts[1], text, help_text


def _parse_translation(spec: str) -> tuple[str, Translation]:
    code, language, text, help_text = _fields(spec, "translation", "CODE|LANGUAGE|TEXT[|HELP]")
    if language.lower() not in LANGUAGES:
        raise ValueError(
            f"translation {spec!r}: the language must be one of {', '.join(LANGUAGES)}"
        )
    return code.upper(), Translation(language.lower(), text, help_text)


def _parse_one(spec: str, code: str) -> OwnStatement:
    area, groups, text, help_text = _fields(spec, "own statement", "AREA|GROUPS|TEXT[|HELP]")
    area = area.upper()
    if area not in AREA_CODES:
        raise ValueError(f"own statement {spec!r}: the area must be one of A to H")
    names = {name.strip().lower() for name in groups.split(",") if name.strip()}
    unknown = names - {"all", *PROFILES}
    if not names or unknown or ("all" in names and len(names) > 1):
        raise ValueError(f"own statement {spec!r}: groups must be {', '.join(PROFILES)} (or all)")
    profiles: frozenset[Profile] = frozenset(
        profile for profile in PROFILES if "all" in names or profile in names
    )
    return OwnStatement(code=code, area=area, profiles=profiles, text=text, help=help_text)
