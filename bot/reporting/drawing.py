"""The drawings of a session's results behind one seam: the bot draws with these, and a test
can pass others (one that fails, say) to `build_application`.

The drawing modules are imported on the first drawing, not here (see rendering.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.surveys.bank import Bank
from bot.surveys.scoring import SessionResults
from bot.surveys.vocabulary import Language


class Draw(Protocol):
    def __call__(self, results: SessionResults, /, *, bank: Bank, language: Language) -> bytes:
        """The drawing as file bytes (PNG, PDF)."""
        ...


def chart_png(results: SessionResults, /, *, bank: Bank, language: Language) -> bytes:
    from bot.reporting.chart import area_chart_png

    return area_chart_png(results, bank=bank, language=language)


def report_pdf(results: SessionResults, /, *, bank: Bank, language: Language) -> bytes:
    from bot.reporting.pdf import report_pdf as draw

    return draw(results, bank=bank, language=language)


@dataclass(frozen=True, slots=True)
class Drawing:
    chart: Draw = chart_png
    pdf: Draw = report_pdf
