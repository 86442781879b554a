"""The `selfie-bot` command: run the bot and operate sessions from the shell."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

from telegram import Bot
from telegram.error import TelegramError

from bot.clock import SystemClock
from bot.logs import configure_logging
from bot.sessions.period import PeriodError
from bot.sessions.service import (
    SessionSetupError,
    create_session,
    session_status,
)
from bot.sessions.tokens import invite_link
from bot.settings import Settings, SettingsError, load_settings
from bot.storage import Database, StorageError
from bot.surveys.bank import BankError, default_bank
from bot.surveys.vocabulary import LEVELS, PROFILES, Level


class CommandError(Exception):
    """A failure to report to the operator in one line, with exit code 1."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="selfie-bot", description="SELFIE-style self-reflections for schools, on Telegram."
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="start the bot (long polling, or a webhook if configured)")

    session = commands.add_parser("session", help="create and inspect sessions")
    session_commands = session.add_subparsers(dest="session_command", required=True)

    create = session_commands.add_parser("create", help="create a session and print its links")
    create.add_argument("--school", required=True, help="school name (created if new)")
    create.add_argument("--coordinator", required=True, type=int, help="Telegram user id")
    create.add_argument("--level", required=True, choices=LEVELS)
    create.add_argument("--start", required=True, type=_date, help="first day, YYYY-MM-DD")
    create.add_argument("--end", required=True, type=_date, help="last day, YYYY-MM-DD")
    create.add_argument("--timezone", help="the session's time zone (default: SELFIE_TIMEZONE)")
    create.add_argument(
        "--optional", default="", help="comma-separated optional statement codes, e.g. A7,C9"
    )
    create.add_argument("--json", action="store_true", help="print JSON")

    status = session_commands.add_parser("status", help="participation per group")
    status.add_argument("session_id", type=int)
    status.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.env_file)
        if args.command == "run":
            return _run(settings)
        return asyncio.run(_session_command(settings, args))
    except (SettingsError, CommandError, StorageError, BankError) as error:
        print(f"selfie-bot: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run(settings: Settings) -> int:
    from bot.app import run  # deferred: the session commands need no Telegram machinery

    token = settings.require_token()
    secrets = [token]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    configure_logging(settings.log_level, secrets)
    run(settings)
    return 0


async def _session_command(settings: Settings, args: argparse.Namespace) -> int:
    db = await Database.open(settings.database)
    try:
        if args.session_command == "create":
            return await _create(settings, db, args)
        return await _status(db, args)
    finally:
        await db.close()


async def _create(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    level: Level = args.level
    optional = [code.strip().upper() for code in args.optional.split(",") if code.strip()]
    username = await bot_username(settings)
    try:
        created = await create_session(
            db,
            bank=default_bank(),
            now=SystemClock().now(),
            school_name=args.school,
            coordinator_id=args.coordinator,
            level=level,
            start=args.start,
            end=args.end,
            timezone=args.timezone or settings.timezone,
            optional_codes=optional,
        )
    except (PeriodError, SessionSetupError) as error:
        raise CommandError(str(error)) from None
    links = {profile: invite_link(username, token) for profile, token in created.invites.items()}
    if args.json:
        _print_json({"session_id": created.session_id, "links": links})
    else:
        period = created.period
        print(
            f"Session {created.session_id} created: {period.start} to {period.end}, "
            f"answers accepted until 23:59 {period.timezone} on {period.end}."
        )
        for profile, link in links.items():
            print(f"  {profile:<8} {link}")
    return 0


async def _status(db: Database, args: argparse.Namespace) -> int:
    status = await session_status(db, session_id=args.session_id)
    if status is None:
        raise CommandError(f"there is no session {args.session_id}")
    groups = {
        profile: {
            "joined": status.groups[profile].joined,
            "completed": status.groups[profile].completed,
        }
        for profile in PROFILES
    }
    if args.json:
        _print_json({"session_id": status.session.id, "groups": groups})
    else:
        session = status.session
        print(
            f"Session {session.id} of {session.school_name} ({session.level}), "
            f"{session.start_date} to {session.end_date}"
        )
        for profile, counts in groups.items():
            print(
                f"  {profile:<8} joined {counts['joined']:>5}  completed {counts['completed']:>5}"
            )
    return 0


async def bot_username(settings: Settings) -> str:
    """The bot's username for links: from settings, or asked of the Bot API."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    token = settings.require_token()
    try:
        async with Bot(
            token, base_url=settings.api_url, base_file_url=settings.resolved_file_api_url
        ) as bot:
            return bot.username
    except TelegramError as error:
        raise CommandError(
            f"could not ask the Bot API for the bot's username ({error}); "
            "set SELFIE_BOT_USERNAME to skip the lookup"
        ) from None


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())
