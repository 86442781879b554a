"""File names as the reports write them (numbers and dates: bot.i18n.formatting).

Every file the bot sends or writes is named `selfie-<school>-<session>-<first day>-<what>`, the
session by its number within the school: readable by a person, and unique per session, since two
sessions of a school may start on the same day.
"""

from __future__ import annotations

import re
import unicodedata

from bot.storage.records import Session


def file_name(session: Session, what: str, extension: str) -> str:
    school = slug(session.school_name)
    return f"selfie-{school}-{session.number}-{session.start_date.isoformat()}-{what}.{extension}"


def slug(text: str, *, limit: int = 40) -> str:
    """ASCII, lower case, hyphens: "Rīgas 1. vidusskola" becomes "rigas-1-vidusskola"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:limit].rstrip("-") or "school"
