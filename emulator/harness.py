"""Helpers to run a real python-telegram-bot Application against the emulator in tests."""

from __future__ import annotations

import datetime as dtm
import socket
import struct
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from emulator.emulator import BotApiEmulator

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def builder_for(emu: BotApiEmulator) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An ApplicationBuilder with the emulator's token and URLs already set."""
    return (
        Application.builder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
    )


@asynccontextmanager
async def running_polling(
    app: AnyApplication, *, poll_timeout: float = 1.0, drop_pending_updates: bool = False
) -> AsyncIterator[AnyApplication]:
    """Initialise, start and long-poll; stop everything cleanly on exit."""
    if app.updater is None:
        raise ValueError("the application was built without an updater")
    await app.initialize()
    try:
        await app.start()
        await app.updater.start_polling(
            timeout=dtm.timedelta(seconds=poll_timeout),
            poll_interval=0,
            drop_pending_updates=drop_pending_updates,
        )
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()


@asynccontextmanager
async def running_webhook(
    app: AnyApplication,
    *,
    url_path: str = "telegram",
    secret_token: str | None = None,
    port: int | None = None,
) -> AsyncIterator[AnyApplication]:
    """Serve the application's webhook on 127.0.0.1 and register it with the emulator."""
    if app.updater is None:
        raise ValueError("the application was built without an updater")
    port = port or free_port()
    await app.initialize()
    try:
        await app.start()
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path=url_path,
            webhook_url=f"http://127.0.0.1:{port}/{url_path}",
            secret_token=secret_token,
        )
        yield app
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def png_bytes(width: int, height: int) -> bytes:
    """A valid grey PNG image of the given size, for photo uploads."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
