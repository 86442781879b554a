"""Text drawn as it is written: matplotlib reads no mathematics and no TeX in anything we draw.

By default matplotlib takes what stands between two `$` for mathematics (mathtext), and with
`text.usetex` it hands every text to LaTeX. A school named `Skola $x^{$ b` would then stop the
chart from drawing, and an own statement `$5 and $10` would come out as a formula. Every Text
the reports make passes `LITERAL`, which holds whatever an operator's matplotlibrc says;
`make_literal` does the same for Texts that matplotlib makes for us (legends).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

from matplotlib.text import Text

LITERAL: Final[Mapping[str, Any]] = MappingProxyType({"parse_math": False, "usetex": False})


def make_literal(texts: Iterable[Text]) -> None:
    for text in texts:
        text.set_parse_math(False)
        text.set_usetex(False)
