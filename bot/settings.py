"""Runtime settings, read from the environment (prefix SELFIE_) and an optional .env file.

Nothing here runs at import time: `load_settings()` builds the object and the caller passes it on.
"""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.scheduler.limits import FREE_RATE as FREE_BROADCAST_RATE
from bot.scheduler.limits import PAID_RATE as PAID_BROADCAST_RATE
from bot.scheduler.plan import ReminderPolicy
from bot.storage.database import is_server_url
from bot.surveys.vocabulary import Profile
from bot.validation import OutOfRange, telegram_user_id

TELEGRAM_API_URL = "https://api.telegram.org/bot"
# Telegram's rule for setWebhook's secret_token, sent back in X-Telegram-Bot-Api-Secret-Token.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# 256 random bits in URL-safe base64: 43 characters Telegram accepts.
MAKE_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class SettingsError(Exception):
    """A configuration value is missing or wrong; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SELFIE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    bot_token: SecretStr | None = None
    api_url: str = TELEGRAM_API_URL
    file_api_url: str | None = None
    bot_username: str | None = None
    # An SQLite file's path, or a PostgreSQL server's URL (kept secret: it holds a password).
    database: Path | SecretStr = Path("data/selfie.sqlite3")
    admins: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Riga"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    rate_limit: bool = True
    # Paid broadcasts: Telegram takes up to 1,000 messages a second sent with
    # allow_paid_broadcast, charging 0.1 Star for each above the free rate (README).
    paid_broadcast: bool = False
    # Telegram allows about 30 new messages a second in all. Broadcasts keep just below, leaving
    # room for the welcome messages of people joining meanwhile; replies to answers are edits,
    # which count only per chat. Up to PAID_BROADCAST_RATE with paid broadcasts.
    broadcast_rate: float = Field(default=28.0, gt=0)
    tick_seconds: float = Field(default=60.0, gt=0, le=86400)
    # Every process tries this often to become the sender (bot/storage/leadership.py), and the
    # sender checks that it still is: a dead sender's successor starts within one interval.
    leader_seconds: float = Field(default=5.0, gt=0, le=300)
    # How long a claim stays its sender's without a renewal (renewed every third of it): what a
    # sender that lost the lock without noticing could still send. Longer than leader_seconds.
    lease_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Seconds between two getUpdates calls; unset, `resolved_poll_interval` chooses.
    poll_interval: float | None = Field(default=None, ge=0, le=5)
    reminder_day_start: time = time(9, 0)
    reminder_day_end: time = time(20, 0)
    reminder_fractions: Annotated[tuple[float, ...], NoDecode] = (1 / 3, 2 / 3)
    reminder_last_day_at: time | None = time(9, 30)
    max_reminders: int = Field(default=3, ge=0, le=10)
    min_group_size: int = Field(default=5, ge=1)
    # Days after a session's close until what is kept about its participants is deleted.
    retention_days: int = Field(default=30, ge=0, le=3650)
    # Recommended minimum of completed questionnaires per group, for the coordinator's /status.
    minimum_leaders: int = Field(default=2, ge=1)
    minimum_teachers: int = Field(default=10, ge=1)
    minimum_students: int = Field(default=30, ge=1)
    minimum_trainers: int = Field(default=5, ge=1)
    log_level: LogLevel = "INFO"
    # The libraries' loggers (python-telegram-bot, httpx, aiosqlite, ...); see bot/logs.py.
    # Unset, they stay at INFO (httpx at WARNING): below that they print user data.
    library_log_level: LogLevel | None = None

    @field_validator("database", mode="before")
    @classmethod
    def _parse_database(cls, value: object) -> object:
        if isinstance(value, str):
            return SecretStr(value) if is_server_url(value) else Path(value)
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _parse_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return frozenset(telegram_user_id(part) for part in parts)
            except OutOfRange as error:
                raise ValueError(f"{error}; separate ids with commas") from None
        return value

    @field_validator("admins")
    @classmethod
    def _check_admins(cls, value: frozenset[int]) -> frozenset[int]:
        for admin in value:  # also ids given as numbers, not text
            try:
                telegram_user_id(admin)
            except OutOfRange as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("reminder_fractions", mode="before")
    @classmethod
    def _parse_fractions(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return tuple(float(part) for part in value.split(",") if part.strip())
            except ValueError:
                raise ValueError("must be comma-separated fractions, e.g. 0.33,0.66") from None
        return value

    @field_validator("webhook_secret", "library_log_level", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1 to 256 characters, each A-Z, a-z, 0-9, _ or -")
        return value

    @field_validator("broadcast_rate")
    @classmethod
    def _check_broadcast_rate(cls, value: float, info: ValidationInfo) -> float:
        if info.data.get("paid_broadcast"):
            if value > PAID_BROADCAST_RATE:
                raise ValueError(
                    f"at most {PAID_BROADCAST_RATE} messages a second, even with paid broadcasts"
                )
        elif value > FREE_BROADCAST_RATE:
            raise ValueError(
                f"at most {FREE_BROADCAST_RATE} messages a second (Telegram's free limit);"
                f" up to {PAID_BROADCAST_RATE} with SELFIE_PAID_BROADCAST=true, which Telegram"
                " charges in Stars"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}, e.g. Europe/Riga") from None
        return value

    @field_validator("api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _check_webhook(self) -> Settings:
        if self.mode == "webhook" and not self.webhook_url:
            raise ValueError("SELFIE_WEBHOOK_URL is required when SELFIE_MODE is webhook")
        if self.mode == "webhook" and self.webhook_secret is None:
            # Without a secret anybody who finds the URL could post updates. It is configured,
            # not made at start: every worker and `selfie-bot webhook set` must share one.
            raise ValueError(
                "SELFIE_WEBHOOK_SECRET is required when SELFIE_MODE is webhook (every worker "
                "and `selfie-bot webhook set` use the same one); make one with "
                f"`{MAKE_SECRET}`"
            )
        return self

    def require_webhook(self) -> tuple[str, str]:
        """The public webhook URL and the secret, for registering the webhook."""
        if not self.webhook_url:
            raise SettingsError(
                "SELFIE_WEBHOOK_URL is not set: the https:// address Telegram should post to"
            )
        if self.webhook_secret is None:
            raise SettingsError(f"SELFIE_WEBHOOK_SECRET is not set; make one with `{MAKE_SECRET}`")
        return self.webhook_url, self.webhook_secret.get_secret_value()

    def reminder_policy(self) -> ReminderPolicy:
        try:
            return ReminderPolicy(
                fractions=self.reminder_fractions,
                last_day_at=self.reminder_last_day_at,
                day_start=self.reminder_day_start,
                day_end=self.reminder_day_end,
                max_per_person=self.max_reminders,
            )
        except ValueError as error:
            raise SettingsError(f"SELFIE_REMINDER_*: {error}") from None

    @property
    def database_target(self) -> Path | str:
        """What `Database.open` takes: the path, or the server URL with its password."""
        if isinstance(self.database, SecretStr):
            return self.database.get_secret_value()
        return self.database

    @property
    def recommended_minimums(self) -> dict[Profile, int]:
        return {
            "leader": self.minimum_leaders,
            "teacher": self.minimum_teachers,
            "student": self.minimum_students,
            "trainer": self.minimum_trainers,
        }

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_poll_interval(self) -> float:
        """A pause batches updates (fewer calls when busy), but each update waits for it. On
        SQLite an answer's SQL runs on the event loop, which is busy the whole time, and the
        bot polls at once; on PostgreSQL it awaits the server, the loop would poll again
        meanwhile for fewer updates each time, and a 20 ms pause pays (BENCHMARKS.md §1)."""
        if self.poll_interval is not None:
            return self.poll_interval
        return 0.02 if is_server_url(self.database_target) else 0.0

    @property
    def resolved_file_api_url(self) -> str:
        """Telegram's file URL sits beside the API URL: .../bot -> .../file/bot."""
        if self.file_api_url:
            return self.file_api_url
        base = self.api_url.rstrip("/")
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base + "/file/bot"

    def require_token(self) -> str:
        if self.bot_token is None or not self.bot_token.get_secret_value().strip():
            raise SettingsError(
                "SELFIE_BOT_TOKEN is not set. Create a bot with @BotFather in Telegram "
                "(send /newbot), then put SELFIE_BOT_TOKEN=<token> in .env or the environment."
            )
        return self.bot_token.get_secret_value().strip()


def load_settings(env_file: Path | str | None = ".env", **overrides: Any) -> Settings:
    """Build settings from the environment, `env_file` and explicit overrides.

    A wrong value raises SettingsError with one line naming the variable.
    """
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as error:
        first = error.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # a rule across settings: its message names them
            raise SettingsError(message) from None
        name = "SELFIE_" + str(first["loc"][0]).upper()
        raise SettingsError(f"{name}: {message}") from None
