"""Rendering charts and reports off the event loop, one at a time.

A PDF takes seconds to draw; on the event loop it would freeze every chat. matplotlib is not
thread-safe, so a single worker thread draws everything, in order.

The drawing modules (chart, pdf, certificate) are imported where they are used, on the first
drawing: matplotlib and numpy take some 65 MB that a bot which has not drawn yet can do without.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

_DRAWER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-drawing")


async def drawn(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a drawing function in the drawing thread and wait for its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_DRAWER, functools.partial(function, *args, **kwargs))
