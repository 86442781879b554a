"""Unguessable invite tokens that fit Telegram's deep-link start parameter."""

from __future__ import annotations

import re
import secrets

# 24 random bytes = 192 bits, 32 URL-safe characters: well inside the 64-character limit.
TOKEN_BYTES = 24
START_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_start_payload(text: str) -> bool:
    return START_PAYLOAD.fullmatch(text) is not None


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"
