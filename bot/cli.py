"""The `selfie-bot` command: run the bot and operate sessions from the shell."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import sqlite3
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from telegram.error import TelegramError

from bot.botapi import connected_bot
from bot.clock import SystemClock
from bot.coordination.invites import issue_invite
from bot.coordination.own_format import parse_own
from bot.logs import Redactor, configure_logging, guard_tracebacks, print_redacted
from bot.participation.service import Participation
from bot.scheduler.plan import in_daytime
from bot.scheduler.work import WELCOME, Scheduler
from bot.sessions.period import PeriodError, session_state
from bot.sessions.service import (
    CannotCancel,
    CreatedSession,
    SessionRequest,
    SessionSetupError,
    cancel_session_in,
    check_request,
    create_session_in,
    school_name_of,
    session_status,
)
from bot.sessions.tokens import invite_link
from bot.settings import Settings, SettingsError, load_settings
from bot.storage import Database, StorageError
from bot.storage import deliveries as delivery_queries
from bot.storage import schools as school_queries
from bot.storage import sessions as session_queries
from bot.storage.copy import copy_database
from bot.storage.database import is_server_url
from bot.storage.deliveries import UNREACHED, Claim
from bot.storage.engine import Connection
from bot.storage.records import Session
from bot.surveys.bank import Bank, BankError, default_bank
from bot.surveys.open_questions import (
    MAX_QUESTION_CHARS,
    OpenQuestion,
    OpenQuestionError,
    default_open_questions,
)
from bot.surveys.respondents import RespondentQuestions, open_questions_from
from bot.surveys.vocabulary import DEFAULT_LANGUAGE, LANGUAGES, LEVELS, PROFILES, Level, profiles_at
from bot.validation import OutOfRange, plain_text, record_id, telegram_user_id


class CommandError(Exception):
    """A failure to report to the operator in one line, with exit code 1."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _user_id(text: str) -> int:
    try:
        return telegram_user_id(text)
    except OutOfRange as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# Operators name sessions by their id, unique over all schools, as `session create` prints it;
# coordinators in the chat see and type the number a session has within its school.
SESSION_ID_HELP = "the session's id (as `session create` prints it), not its number in the school"


def _session_id(text: str) -> int:
    try:
        return record_id(text)
    except OutOfRange as error:
        raise argparse.ArgumentTypeError(f"session: {error}") from None


def _connections(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 1 to 100")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="selfie-bot", description="SELFIE-style self-reflections for schools, on Telegram."
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="start the bot (long polling, or a webhook if configured)")
    demo = commands.add_parser(
        "demo", help="run a whole session offline (no token, no network) and write its results"
    )
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")

    session = commands.add_parser("session", help="create and inspect sessions")
    session_commands = session.add_subparsers(dest="session_command", required=True)

    create = session_commands.add_parser("create", help="create a session and print its links")
    create.add_argument("--school", required=True, help="school name (created if new)")
    create.add_argument("--coordinator", required=True, type=_user_id, help="Telegram user id")
    create.add_argument("--level", required=True, choices=LEVELS)
    create.add_argument("--start", required=True, type=_date, help="first day, YYYY-MM-DD")
    create.add_argument("--end", required=True, type=_date, help="last day, YYYY-MM-DD")
    create.add_argument("--timezone", help="the session's time zone (default: SELFIE_TIMEZONE)")
    create.add_argument(
        "--optional", default="", help="comma-separated optional statement codes, e.g. A7,C9"
    )
    create.add_argument("--json", action="store_true", help="print JSON")

    create.add_argument(
        "--own",
        action="append",
        default=[],
        metavar="AREA|GROUPS|TEXT[|HELP]",
        help="an own statement (repeat up to 10 times), e.g. 'C|teacher,student|Our library "
        f"lends laptops.'; GROUPS: {', '.join(PROFILES)} (trainer at level wbl only), "
        "comma-separated, or all",
    )
    create.add_argument(
        "--own-language",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"the language the own statements are written in (default {DEFAULT_LANGUAGE})",
    )
    create.add_argument(
        "--own-translation",
        action="append",
        default=[],
        metavar="CODE|LANGUAGE|TEXT[|HELP]",
        help="an own statement in another language, e.g. 'S1|lv|Mūsu bibliotēka izsniedz "
        "klēpjdatorus.' (repeat for each statement and language)",
    )
    create.add_argument(
        "--no-background",
        dest="background",
        action="store_false",
        help="do not ask the respondents the questions about themselves before the statements",
    )
    create.add_argument(
        "--open-question",
        action="append",
        default=[],
        metavar="GROUP=KEY",
        help="ask GROUP a listed open question after the statements: "
        + ", ".join(q.key for q in default_open_questions().listed),
    )
    create.add_argument(
        "--open-question-text",
        action="append",
        default=[],
        metavar="GROUP=TEXT",
        help="ask GROUP an open question of your own (in --own-language, at most "
        f"{MAX_QUESTION_CHARS} characters); one open question a group",
    )

    groups = "|".join(PROFILES)
    bulk = session_commands.add_parser(
        "bulk-create",
        help="create one session per row of a CSV file (columns: see README)",
        description="Create one session per row of a CSV file (UTF-8, header row). Required"
        " columns: school, level, start, end. Optional: timezone, optional, own, own_language,"
        " own_translations, coordinator; background (yes or no, default yes: the questions"
        f" about the respondents before the statements); open_question_GROUP ({groups}) with"
        " a listed open question's key ("
        + ", ".join(q.key for q in default_open_questions().listed)
        + "), or open_question_text_GROUP with your own question (in own_language, at most"
        f" {MAX_QUESTION_CHARS} characters), one of the two a group.",
    )
    bulk.add_argument("file", type=Path, help="CSV file with a header row")
    bulk.add_argument("--json", action="store_true", help="print JSON")

    remind = session_commands.add_parser(
        "remind", help="send a reminder round now (same rules as the planned rounds)"
    )
    remind.add_argument("session_id", type=_session_id, help=SESSION_ID_HELP)
    remind.add_argument("--json", action="store_true", help="print JSON")

    close = session_commands.add_parser(
        "close", help="close a session now and send the report to its coordinators"
    )
    close.add_argument("session_id", type=_session_id, help=SESSION_ID_HELP)
    close.add_argument("--json", action="store_true", help="print JSON")

    cancel = session_commands.add_parser(
        "cancel",
        help="cancel a session that has not opened: its links stop working, nothing is sent "
        "for it, and it no longer counts toward the school's limits",
    )
    cancel.add_argument("session_id", type=_session_id, help=SESSION_ID_HELP)
    cancel.add_argument("--json", action="store_true", help="print JSON")

    status = session_commands.add_parser("status", help="participation per group")
    status.add_argument("session_id", type=_session_id, help=SESSION_ID_HELP)
    status.add_argument("--json", action="store_true", help="print JSON")

    export = session_commands.add_parser(
        "export",
        help="write the summary CSV and the response-by-response CSV of the shown groups"
        " (for operators: coordinators receive the summary only)",
    )
    export.add_argument("session_id", type=_session_id, help=SESSION_ID_HELP)
    export.add_argument("--out", type=Path, default=Path("."), help="folder (default: here)")
    export.add_argument("--language", choices=LANGUAGES, default="lv")
    export.add_argument("--json", action="store_true", help="print JSON")

    backup = commands.add_parser(
        "backup",
        help="write a consistent copy of the live database to one new file"
        " (no WAL, no freed pages); safe while the bot runs",
    )
    backup.add_argument("path", type=Path)
    backup.add_argument("--json", action="store_true", help="print JSON")

    database = commands.add_parser("database", help="move the data between engines")
    database_commands = database.add_subparsers(dest="database_command", required=True)
    copy = database_commands.add_parser(
        "copy",
        help="copy every row from one database to a new, empty one (an SQLite path or a"
        " postgresql:// URL, either way), then check each table; with the bot stopped",
    )
    copy.add_argument("source")
    copy.add_argument("target")
    copy.add_argument("--json", action="store_true", help="print JSON")

    webhook = commands.add_parser(
        "webhook",
        help="register the webhook with Telegram: once for all the workers, not by each at start",
    )
    webhook_commands = webhook.add_subparsers(dest="webhook_command", required=True)
    hook_set = webhook_commands.add_parser(
        "set", help="have Telegram post updates to SELFIE_WEBHOOK_URL with SELFIE_WEBHOOK_SECRET"
    )
    hook_set.add_argument(
        "--max-connections",
        type=_connections,
        default=40,
        help="requests Telegram keeps open at once, 1-100 (default 40)",
    )
    hook_set.add_argument(
        "--drop-pending-updates", action="store_true", help="forget the updates waiting now"
    )
    hook_set.add_argument("--json", action="store_true", help="print JSON")
    hook_delete = webhook_commands.add_parser(
        "delete", help="stop posting updates (they wait for the next webhook or long polling)"
    )
    hook_delete.add_argument(
        "--drop-pending-updates", action="store_true", help="forget the updates waiting now"
    )
    hook_delete.add_argument("--json", action="store_true", help="print JSON")
    hook_info = webhook_commands.add_parser(
        "info", help="what Telegram has registered: URL, updates waiting, the last error"
    )
    hook_info.add_argument("--json", action="store_true", help="print JSON")

    school = commands.add_parser("school", help="add schools")
    school_commands = school.add_subparsers(dest="school_command", required=True)
    add = school_commands.add_parser("add", help="add a school")
    add.add_argument("--name", required=True)
    add.add_argument("--json", action="store_true", help="print JSON")

    coordinator = commands.add_parser("coordinator", help="invite coordinators")
    coordinator_commands = coordinator.add_subparsers(dest="coordinator_command", required=True)
    invite = coordinator_commands.add_parser(
        "invite", help="print a one-use coordinator invite link (valid 48 hours)"
    )
    invite.add_argument("--school", required=True, help="the school's name")
    invite.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Whatever goes wrong, what reaches the terminal passes through this first.
    redact = Redactor()
    guard_tracebacks(redact)
    try:
        settings = load_settings(args.env_file)
        redact.add(*_secrets(settings))
        if args.command == "run":
            return _run(settings, redact)
        # The commands print their own results; only warnings and errors are logged.
        configure_logging("WARNING", redact)
        if args.command == "demo":
            from bot.demo import main as demo  # deferred: it starts the emulator

            return demo(args.out)
        if args.command == "webhook":
            return asyncio.run(_webhook(settings, args, redact))
        if args.command == "database":
            redact.add(*_url_secrets(args.source, args.target))
            return asyncio.run(_copy_database(args))
        return asyncio.run(_command(settings, args))
    except (SettingsError, CommandError, StorageError, BankError) as error:
        print(redact(f"selfie-bot: {error}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a bug: show where, but never a secret
        print_redacted(redact, error)
        return 1


def _secrets(settings: Settings) -> set[str]:
    """What must never be printed: the token and the webhook secret (even a generated one),
    as given, as used (stripped) and as a URL carries it (percent-encoded)."""
    found = [s.get_secret_value() for s in (settings.bot_token, settings.webhook_secret) if s]
    forms = {form for value in found for form in (value, value.strip(), quote(value.strip()))}
    return forms | _url_secrets(str(settings.database_target))


def _run(settings: Settings, redact: Redactor) -> int:
    from bot.app import run  # deferred: the session commands need no Telegram machinery

    settings.require_token()
    configure_logging(settings.log_level, redact, library_level=settings.library_log_level)
    try:
        run(settings)
    except TelegramError as error:
        raise CommandError(f"could not start: {error}") from None
    return 0


async def _webhook(settings: Settings, args: argparse.Namespace, redact: Redactor) -> int:
    """`webhook set`, `delete` and `info`; the secret goes to Telegram and nowhere else."""
    from bot.app import ALLOWED_UPDATES  # deferred: the other commands need no handlers

    registering = args.webhook_command == "set"
    if registering:
        url, secret = settings.require_webhook()
    try:
        async with connected_bot(settings) as bot:
            if registering:
                await bot.set_webhook(
                    url=url,
                    secret_token=secret,
                    allowed_updates=ALLOWED_UPDATES,
                    max_connections=args.max_connections,
                    drop_pending_updates=args.drop_pending_updates,
                )
            elif args.webhook_command == "delete":
                await bot.delete_webhook(drop_pending_updates=args.drop_pending_updates)
            info = await bot.get_webhook_info()
    except TelegramError as error:
        raise CommandError(f"the Bot API answered: {error}") from None
    found: dict[str, Any] = {
        "url": info.url,
        "pending_update_count": info.pending_update_count,
        "max_connections": info.max_connections,
        "allowed_updates": list(info.allowed_updates or ()),
        "last_error_date": info.last_error_date.isoformat() if info.last_error_date else None,
        "last_error_message": info.last_error_message,
    }
    if args.json:
        print(redact(json.dumps(found, ensure_ascii=False, indent=2)))
        return 0
    if registering:
        print(redact(f"Webhook registered: Telegram posts updates to {info.url}"))
    elif args.webhook_command == "delete":
        print("Webhook deleted: updates wait for the next webhook or for long polling")
    if info.url:
        print(redact(f"url: {info.url}"))
        print(f"max connections: {info.max_connections}")
        print(f"updates: {', '.join(found['allowed_updates']) or 'all but a few kinds'}")
    else:
        print("url: none (no webhook registered)")
    print(f"updates waiting: {info.pending_update_count}")
    if info.last_error_date is not None:
        message = info.last_error_message or "no message"
        print(redact(f"last error: {info.last_error_date:%Y-%m-%d %H:%M:%S} UTC: {message}"))
    return 0


def _url_secrets(*targets: str) -> set[str]:
    """The passwords in database URLs."""
    return {
        password
        for target in targets
        if is_server_url(target) and (password := urlsplit(target).password)
    }


async def _copy_database(args: argparse.Namespace) -> int:
    source = await Database.open(args.source, migrate=False)
    try:
        target = await Database.open(args.target)
        try:
            copied = await copy_database(source, target)
        finally:
            await target.close()
    finally:
        await source.close()
    if args.json:
        _print_json({"tables": {c.table: c.rows for c in copied}})
    else:
        for table in copied:
            print(f"{table.table}: {table.rows} rows")
        print(f"Copied and checked {len(copied)} tables into {target.name}")
    return 0


async def _command(settings: Settings, args: argparse.Namespace) -> int:
    db = await Database.open(settings.database_target)
    try:
        if args.command == "school":
            return await _add_school(db, args)
        if args.command == "coordinator":
            return await _invite_coordinator(settings, db, args)
        if args.command == "backup":
            return await _backup(db, args)
        if args.session_command == "create":
            return await _create(settings, db, args)
        if args.session_command == "bulk-create":
            return await _bulk_create(settings, db, args)
        if args.session_command in ("remind", "close"):
            return await _scheduled_now(settings, db, args)
        if args.session_command == "cancel":
            return await _cancel(db, args)
        if args.session_command == "export":
            return await _export(settings, db, args)
        return await _status(db, args)
    finally:
        await db.close()


async def _add_school(db: Database, args: argparse.Namespace) -> int:
    try:
        name = school_name_of(args.name)
    except SessionSetupError as error:
        raise CommandError(str(error)) from None
    async with db.transaction() as connection:
        existing = await school_queries.school_by_name(connection, name=name)
        if existing is not None:
            raise CommandError(
                f"a school named {existing.name!r} exists already (id {existing.id})"
            )
        school = await school_queries.insert_school(connection, name=name, now=SystemClock().now())
    if args.json:
        _print_json({"school_id": school.id, "name": school.name})
    else:
        print(f"School {school.id} added: {school.name}")
    return 0


async def _invite_coordinator(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    username = await bot_username(settings)
    async with db.transaction() as connection:
        school = await school_queries.school_by_name(connection, name=args.school.strip())
        if school is None:
            raise CommandError(f"there is no school named {args.school!r}")
        issued = await issue_invite(
            connection, school=school, created_by=None, now=SystemClock().now()
        )
    link = invite_link(username, issued.token)
    if args.json:
        _print_json(
            {"link": link, "school_id": school.id, "expires_at": issued.expires_at.isoformat()}
        )
    else:
        print(
            f"Coordinator invite for {school.name}, one use, "
            f"until {issued.expires_at:%Y-%m-%d %H:%M} UTC:"
        )
        print(link)
    return 0


async def _create(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    level: Level = args.level
    optional = [code.strip().upper() for code in args.optional.split(",") if code.strip()]
    try:
        own = parse_own(args.own, language=args.own_language, translations=args.own_translation)
        questions = RespondentQuestions(
            background=args.background,
            open_questions=open_questions_from(
                listed=args.open_question, own=args.open_question_text, language=args.own_language
            ),
        )
    except ValueError as error:
        raise CommandError(str(error)) from None
    username = await bot_username(settings)
    now = SystemClock().now()
    try:
        request = check_request(
            bank=default_bank(),
            now=now,
            school_name=args.school,
            level=level,
            start=args.start,
            end=args.end,
            timezone=args.timezone or settings.timezone,
            optional_codes=optional,
            own=own,
            questions=questions,
        )
        async with db.transaction() as connection:
            created = await create_session_in(
                connection,
                request=request,
                coordinator_id=args.coordinator,
                now=now,
                year_zone=settings.timezone,
            )
            welcome = await _claim_welcome(connection, created, args.coordinator)
    except (PeriodError, SessionSetupError) as error:
        raise CommandError(str(error)) from None
    told = await _tell(settings, db, welcome)
    links = {profile: invite_link(username, token) for profile, token in created.invites.items()}
    if args.json:
        _print_json(
            {
                "session_id": created.session_id,
                "number": created.number,
                "links": links,
                "coordinator": told.get(args.coordinator, "told"),
                "background": questions.background,
                "open_questions": {q.profile: q.key or q.text for q in questions.open_questions},
            }
        )
    else:
        period = created.period
        print(
            f"Session {created.session_id} created (the school's number {created.number}): "
            f"{period.start} to {period.end}, answers accepted until 23:59 {period.timezone} "
            f"on {period.end}."
        )
        for profile, link in links.items():
            print(f"  {profile:<8} {link}")
        print(f"Coordinator {args.coordinator}: {TOLD[told.get(args.coordinator, 'told')]}")
    return 0


# What became of the message that tells a coordinator named here of their session.
TOLD = {
    "told": "told in the chat",
    "waiting": "has not started the bot (or blocked it); told when they send /start",
    "failed": "could not be told now (see the warning above); they see the session in /sessions",
    "queued": "to be told by the running bot, which sends the bot's messages",
}


async def _claim_welcome(
    connection: Connection, created: CreatedSession, coordinator: int | None
) -> list[Claim]:
    if coordinator is None:
        return []
    return await delivery_queries.claim(
        connection,
        session_id=created.session_id,
        kind=WELCOME,
        recipients=[coordinator],
        now=SystemClock().now(),
    )


@asynccontextmanager
async def _sending_scheduler(settings: Settings, db: Database) -> AsyncIterator[Scheduler]:
    """The bot's scheduler, connected to the Bot API, for the commands that send messages."""
    from bot.app import build_scheduler  # deferred: only these commands send messages

    clock = SystemClock()
    bank = default_bank()
    async with connected_bot(settings) as bot:
        scheduler = build_scheduler(
            settings,
            db=db,
            clock=clock,
            bank=bank,
            participation=Participation(db=db, clock=clock, bank=bank),
            bot=bot,
        )
        # The command sends what it claims only as the sender, when no bot is running (one
        # pace across every process); otherwise the running bot takes the claims over.
        await scheduler.campaign(take_over=False)
        try:
            yield scheduler
        finally:
            await scheduler.stop()


async def _tell(settings: Settings, db: Database, claims: list[Claim]) -> dict[int, str]:
    """Send the coordinators' welcome messages now; what became of each (TOLD). Without a
    token, or when it cannot reach Telegram, the command leaves them to the coordinator's
    first /start."""
    if not claims:
        return {}
    if settings.bot_token is not None:
        try:
            async with _sending_scheduler(settings, db) as scheduler:
                await scheduler.send_now(claims)
        except TelegramError as error:
            print(f"selfie-bot: could not reach the Bot API: {error}", file=sys.stderr)
    told: dict[int, str] = {}
    async with db.transaction() as connection:
        for claim in claims:
            state = await delivery_queries.outcome(connection, claim=claim)
            # Never tried here (no token, no Bot API, or not the sender): the running bot's,
            # unless nobody has taken it.
            if state is None:
                state = (
                    "not sent"
                    if await delivery_queries.settle_unowned(
                        connection, claim=claim, failure="not sent"
                    )
                    else "queued"
                )
            told[claim.recipient] = (
                "told"
                if state == "sent"
                else "queued"
                if state == "queued"
                else "waiting"
                if state in UNREACHED
                else "failed"
            )
    return told


async def _bulk_create(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """One session per CSV row, each in a transaction of its own: a row is created whole
    or not at all, and a bad row does not stop the others."""
    rows = _read_rows(args.file)
    username = await bot_username(settings)
    bank = default_bank()
    report: list[dict[str, Any]] = []
    welcomes: list[Claim] = []
    for done, (line, row) in enumerate(rows, start=1):
        try:
            request, coordinator = _row_request(settings, bank, row)
            async with db.transaction() as connection:
                created = await create_session_in(
                    connection,
                    request=request,
                    coordinator_id=coordinator,
                    now=SystemClock().now(),
                    year_zone=settings.timezone,
                )
                welcome = await _claim_welcome(connection, created, coordinator)
                entry: dict[str, Any] = {
                    "row": line,
                    "school": request.school_name,
                    "status": "created",
                    "session_id": created.session_id,
                    "number": created.number,
                    "links": {p: invite_link(username, t) for p, t in created.invites.items()},
                    "coordinator": coordinator,  # what became of their welcome, below
                }
                if coordinator is None:
                    school = await school_queries.school_by_id(
                        connection, school_id=created.school_id
                    )
                    assert school is not None
                    issued = await issue_invite(
                        connection, school=school, created_by=None, now=SystemClock().now()
                    )
                    entry["coordinator_invite"] = invite_link(username, issued.token)
            welcomes += welcome  # committed
        except (ValueError, CommandError, sqlite3.Error) as error:
            entry = {
                "row": line,
                "school": row.get("school", ""),
                "status": "rejected",
                "error": str(error),
            }
        report.append(entry)
        _progress(done, len(rows))
    told = await _tell(settings, db, welcomes)
    for entry in report:
        if entry.get("coordinator") is not None:
            entry["coordinator"] = told.get(entry["coordinator"], "told")
    rejected = [entry for entry in report if entry["status"] == "rejected"]
    if args.json:
        _print_json(
            {"created": len(report) - len(rejected), "rejected": len(rejected), "rows": report}
        )
    else:
        for entry in report:
            if entry["status"] == "created":
                print(
                    f"row {entry['row']}: created session {entry['session_id']} "
                    f"(the school's number {entry['number']}) for {entry['school']}"
                )
                for profile, link in entry["links"].items():
                    print(f"  {profile:<8} {link}")
                if "coordinator_invite" in entry:
                    print(f"  coordinator invite: {entry['coordinator_invite']}")
                if entry["coordinator"] is not None:
                    print(f"  coordinator: {TOLD[entry['coordinator']]}")
            else:
                print(f"row {entry['row']}: rejected ({entry['school']}): {entry['error']}")
        print(f"{len(report) - len(rejected)} created, {len(rejected)} rejected")
    return 1 if rejected else 0


# A listed open question for a group (its key), or the group's own question (its text).
OPEN_COLUMN = "open_question_{}"
OPEN_TEXT_COLUMN = "open_question_text_{}"
BULK_COLUMNS = (
    "school",
    "level",
    "start",
    "end",
    "timezone",
    "optional",
    "own",
    "own_language",
    "own_translations",
    "coordinator",
    "background",
    *(OPEN_COLUMN.format(p) for p in PROFILES),
    *(OPEN_TEXT_COLUMN.format(p) for p in PROFILES),
)
YES = ("yes", "y", "true", "1")
NO = ("no", "n", "false", "0")
BULK_REQUIRED = ("school", "level", "start", "end")


def _read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The non-empty data rows with their row numbers; CommandError if the file is unusable."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip().lower() for name in reader.fieldnames or []]
            missing = [name for name in BULK_REQUIRED if name not in header]
            if missing:
                raise CommandError(f"{path}: missing column(s) {', '.join(missing)}")
            unknown = [name for name in header if name not in BULK_COLUMNS]
            if unknown:
                raise CommandError(f"{path}: unknown column(s) {', '.join(unknown)}")
            reader.fieldnames = header
            rows = []
            # Rows are numbered as a spreadsheet shows them: the header is row 1.
            for number, row in enumerate(reader, start=2):
                values = {k: (v or "").strip() for k, v in row.items() if k is not None}
                if any(values.values()):
                    rows.append((number, values))
            return rows
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: not a readable CSV file ({error})") from None


def _row_request(
    settings: Settings, bank: Bank, row: dict[str, str]
) -> tuple[SessionRequest, int | None]:
    for name, value in row.items():
        # Before the own statements are split into lines: splitlines() would swallow some.
        plain_text(value, what=f"the {name} column")
    missing = [name for name in BULK_REQUIRED if not row.get(name)]
    if missing:
        raise CommandError(f"empty {', '.join(missing)}")
    level = row["level"].lower()
    if level not in LEVELS:
        raise CommandError(f"level {row['level']!r} is not one of {', '.join(LEVELS)}")
    try:
        start, end = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
    except ValueError:
        raise CommandError("start and end must be dates in YYYY-MM-DD form") from None
    timezone = row.get("timezone") or settings.timezone
    typed = row.get("coordinator") or None
    try:
        coordinator = telegram_user_id(typed) if typed is not None else None
    except OutOfRange as error:
        raise CommandError(f"coordinator {error}") from None
    optional = [c.upper() for c in re.split(r"[\s,]+", row.get("optional", "")) if c]
    own_language = (row.get("own_language") or DEFAULT_LANGUAGE).strip().lower()
    own = parse_own(
        [line for line in row.get("own", "").splitlines() if line.strip()],
        language=own_language,
        translations=[
            line for line in row.get("own_translations", "").splitlines() if line.strip()
        ],
    )
    request = check_request(
        bank=bank,
        now=SystemClock().now(),
        school_name=row["school"],
        level=level,
        start=start,
        end=end,
        timezone=timezone,
        optional_codes=optional,
        own=own,
        questions=_row_questions(row, level, own_language),
    )
    return request, coordinator


def _row_questions(row: dict[str, str], level: Level, language: str) -> RespondentQuestions:
    """The row's background and open_question columns; CommandError names the column."""
    typed = (row.get("background") or "yes").lower()
    if typed not in YES + NO:
        raise CommandError(f"background: {row['background']!r} is neither yes nor no")
    open_questions: list[OpenQuestion] = []
    for profile in PROFILES:
        listed, own = OPEN_COLUMN.format(profile), OPEN_TEXT_COLUMN.format(profile)
        if row.get(listed) and row.get(own):
            raise CommandError(f"{listed}, {own}: one open question a group, not both")
        for column, is_listed in ((listed, True), (own, False)):
            if not row.get(column):
                continue
            if profile not in profiles_at(level):
                raise CommandError(f"{column}: {profile} does not answer at level {level}")
            spec = [f"{profile}={row[column]}"]
            try:
                open_questions += open_questions_from(
                    listed=spec if is_listed else (),
                    own=() if is_listed else spec,
                    language=language,
                )
            except OpenQuestionError as error:
                raise CommandError(f"{column}: {error}") from None
    return RespondentQuestions(background=typed in YES, open_questions=tuple(open_questions))


def _progress(done: int, total: int, width: int = 30) -> None:
    filled = width * done // max(total, 1)
    end = "\n" if done == total else ""
    print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end=end, file=sys.stderr)
    sys.stderr.flush()


async def _status(db: Database, args: argparse.Namespace) -> int:
    status = await session_status(db, session_id=args.session_id)
    if status is None:
        raise CommandError(f"there is no session {args.session_id}")
    groups = {
        profile: {"joined": count.joined, "completed": count.completed}
        for profile, count in status.groups.items()
    }
    if args.json:
        session = status.session
        _print_json(
            {
                "session_id": session.id,
                "number": session.number,
                "state": _state(session),
                "groups": groups,
            }
        )
    else:
        session = status.session
        print(
            f"Session {session.id} (number {session.number} of {session.school_name}, "
            f"{session.level}), {session.start_date} to {session.end_date}, {_state(session)}"
        )
        for profile, counts in groups.items():
            print(
                f"  {profile:<8} joined {counts['joined']:>5}  completed {counts['completed']:>5}"
            )
    return 0


def _state(session: Session) -> str:
    return session_state(
        status=session.status,
        opens_at=session.opens_at,
        closes_at=session.closes_at,
        now=SystemClock().now(),
    )


async def _cancel(db: Database, args: argparse.Namespace) -> int:
    async with db.transaction() as connection:
        session = await session_queries.session_by_id(connection, session_id=args.session_id)
        if session is None:
            raise CommandError(f"there is no session {args.session_id}")
        try:
            cancelled = await cancel_session_in(
                connection, session=session, now=SystemClock().now()
            )
        except CannotCancel as error:
            raise CommandError(str(error)) from None
    if args.json:
        _print_json({"session_id": cancelled.id, "number": cancelled.number, "cancelled": True})
    else:
        print(
            f"Session {cancelled.id} (number {cancelled.number} of {cancelled.school_name}) "
            "cancelled: its links no longer work and nothing will be sent for it."
        )
    return 0


async def _backup(db: Database, args: argparse.Namespace) -> int:
    target: Path = args.path
    partial = _backup_target(target)
    await db.backup(partial)
    size = _settle_file(partial, target)
    if args.json:
        _print_json({"backup": str(target), "bytes": size})
    else:
        print(f"Backup written to {target} ({size} bytes)")
    return 0


def _backup_target(target: Path) -> Path:
    """Where the copy is written before it takes the target's name: a backup is whole or
    absent, never a half-written file under the name an operator restores from."""
    if target.exists():
        raise CommandError(f"{target} exists already: a backup is written to a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    return partial


def _settle_file(partial: Path, target: Path) -> int:
    with partial.open("rb") as written:
        os.fsync(written.fileno())
    partial.replace(target)
    return target.stat().st_size


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


async def _export(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    from bot.reporting.exports import summary_csv  # deferred: the other commands need no CSV
    from bot.reporting.respondents import open_answers_file
    from bot.reporting.service import load_answers_csv, load_results

    bank = default_bank()
    results = await load_results(
        db, session_id=args.session_id, bank=bank, min_group_size=settings.min_group_size
    )
    if results is None:
        raise CommandError(f"there is no session {args.session_id}")
    if results.session.status != "closed":
        raise CommandError(f"session {args.session_id} is not closed yet")
    language = args.language
    files: list[tuple[str, bytes]] = [
        (file.name, file.content)
        for file in (
            summary_csv(results, bank=bank, language=language),
            await load_answers_csv(db, results=results, bank=bank, language=language),
            open_answers_file(results, language=language),
        )
        if file is not None
    ]
    written = [str(_write(args.out / name, content)) for name, content in files]
    if args.json:
        _print_json({"session_id": args.session_id, "files": written})
    else:
        print("\n".join(written))
    return 0


async def _scheduled_now(settings: Settings, db: Database, args: argparse.Namespace) -> int:
    """`session remind` and `session close`: the scheduler's own work, run from here."""
    status = await session_status(db, session_id=args.session_id)
    if status is None:
        raise CommandError(f"there is no session {args.session_id}")
    try:
        async with _sending_scheduler(settings, db) as scheduler:
            if args.session_command == "remind":
                now = scheduler.clock.now()
                if not in_daytime(now, status.session.timezone, scheduler.policy):
                    policy = scheduler.policy
                    raise CommandError(
                        f"reminders go out only between {policy.day_start:%H:%M} and "
                        f"{policy.day_end:%H:%M} ({status.session.timezone})"
                    )
                claimed = await scheduler.remind(args.session_id)
                result: dict[str, Any] = {"session_id": args.session_id, "messages": claimed}
                message = f"Session {args.session_id}: {claimed} reminder message(s) " + (
                    "sent." if scheduler.leading else "claimed; the running bot sends them."
                )
            else:
                closed = await scheduler.close(args.session_id)
                if not closed:
                    done = "cancelled" if status.session.status == "cancelled" else "closed"
                    raise CommandError(f"session {args.session_id} is already {done}")
                result = {"session_id": args.session_id, "closed": True}
                message = f"Session {args.session_id} closed; the report " + (
                    "went to its coordinators."
                    if scheduler.leading
                    else "goes to its coordinators from the running bot."
                )
            # Who sends: this command (no bot was running), or the bot that leads.
            result["sent_by"] = "command" if scheduler.leading else "bot"
            await scheduler.drain()
    except TelegramError as error:
        raise CommandError(f"the Bot API answered: {error}") from None
    if args.json:
        _print_json(result)
    else:
        print(message)
    return 0


async def bot_username(settings: Settings) -> str:
    """The bot's username for links: from settings, or asked of the Bot API."""
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    try:
        async with connected_bot(settings) as bot:
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
