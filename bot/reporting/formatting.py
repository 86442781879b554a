"""File names as the reports write them (numbers and dates: bot.i18n.formatting)."""

from __future__ import annotations

import re
import unicodedata


def slug(text: str, *, limit: int = 40) -> str:
    """ASCII, lower case, hyphens: "Rīgas 1. vidusskola" becomes "rigas-1-vidusskola"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:limit].rstrip("-") or "school"
