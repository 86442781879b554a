"""Secrets through the real `selfie-bot` processes: the token is never printed, a webhook
refuses forged updates, and debug logging shows no participant's data."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from emulator import BotApiEmulator

from .helpers import (
    TOKEN,
    WEBHOOK_SECRET,
    BotProcess,
    WebhookWorker,
    create_session_with_cli,
    db_rows,
    night_zone,
    on_both_engines,
    selfie_bot,
    spawn_cli,
    today_in,
    webhook_environment,
)

# Telegram answers 401 to a well-formed token it does not know, 404 to a malformed one.
WRONG_TOKEN = "424242:Rejected-Secret-Part-xyz"
MALFORMED_TOKEN = "Malformed-Token-Without-Colon"
REJECTED = "Telegram rejected SELFIE_BOT_TOKEN: check the token @BotFather gave you"
ADMIN = 4242


def assert_no_token(output: str, token: str) -> None:
    assert token not in output, output
    secret_part = token.partition(":")[2] or token
    assert secret_part not in output, output


async def rejected_run(emu: BotApiEmulator, database: Path, token: str) -> tuple[int, str]:
    """`selfie-bot run` with a token the emulator refuses: it must end by itself."""
    process = await spawn_cli(emu, database, "run", extra={"SELFIE_BOT_TOKEN": token})
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode() + err.decode()


@pytest.mark.parametrize("token", [WRONG_TOKEN, MALFORMED_TOKEN])
async def test_run_with_a_rejected_token_says_so_in_one_line(
    emu: BotApiEmulator, database: Path, token: str
) -> None:
    code, output = await rejected_run(emu, database, token)
    assert code != 0
    assert_no_token(output, token)
    assert output.strip() == f"selfie-bot: {REJECTED}"
    assert emu.call_count("getUpdates") == 0
    assert [(e.method, e.status) for e in emu.errors] == [
        ("getMe", 401 if token == WRONG_TOKEN else 404)
    ]


def bulk_file(tmp_path: Path) -> Path:
    start = today_in("Europe/Riga")
    path = tmp_path / "schools.csv"
    end = start + timedelta(days=13)
    path.write_text(f"school,level,start,end\nBulk skola,primary,{start},{end}\n", encoding="utf-8")
    return path


@on_both_engines
async def test_every_command_that_asks_telegram_hides_a_rejected_token(
    emu: BotApiEmulator, database: Path, tmp_path: Path
) -> None:
    created = await create_session_with_cli(emu, database, timezone=night_zone())
    # Its coordinator, who never started the bot, could not be told ("chat not found").
    errors_before = len(emu.errors)
    session = str(created["session_id"])
    status = db_rows(database, "SELECT status FROM sessions")
    start = today_in("Europe/Riga")
    commands = {
        "session create": [
            *("session", "create", "--school", "Cita skola", "--coordinator", "901"),
            *("--level", "vet", "--start", str(start), "--end", str(start + timedelta(days=13))),
        ],
        "session bulk-create": ["session", "bulk-create", str(bulk_file(tmp_path))],
        "coordinator invite": ["coordinator", "invite", "--school", "E2E skola"],
        "session remind": ["session", "remind", session],
        "session close": ["session", "close", session],
    }
    for name, args in commands.items():
        for json_flag in ([], ["--json"]):
            code, out, err = await selfie_bot(
                emu, database, *args, *json_flag, extra={"SELFIE_BOT_TOKEN": WRONG_TOKEN}
            )
            assert code != 0, (name, out, err)
            assert_no_token(out + err, WRONG_TOKEN)
            assert err.strip() == f"selfie-bot: {REJECTED}", (name, err)
            assert out == "", (name, out)
    # Nothing was done on the strength of the refused token.
    assert db_rows(database, "SELECT count(*) FROM sessions") == [(1,)]
    assert db_rows(database, "SELECT status FROM sessions") == status != [("closed",)]
    assert db_rows(database, "SELECT count(*) FROM coordinator_invites") == [(0,)]
    assert all(e.status == 401 and e.method == "getMe" for e in emu.errors[errors_before:])
    assert len(emu.errors) - errors_before == 2 * len(commands)


def forged_update(update_id: int, text: str) -> dict[str, object]:
    """An update as Telegram would send it: an admin's command in a private chat."""
    sender = {"id": ADMIN, "is_bot": False, "first_name": "Eve"}
    command = text.split()[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": 9000 + update_id,
            "date": int(time.time()),
            "chat": {"id": ADMIN, "type": "private", "first_name": "Eve"},
            "from": sender,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


async def test_a_webhook_worker_without_a_configured_secret_does_not_start(
    emu: BotApiEmulator, database: Path
) -> None:
    """A secret made at start could not be shared by several workers: it must be configured."""
    extra = webhook_environment(secret="")
    for command in (["run"], ["webhook", "set"]):
        code, out, err = await selfie_bot(emu, database, *command, extra=extra)
        assert code == 1, (command, out, err)
        assert err.startswith("selfie-bot: SELFIE_WEBHOOK_SECRET is required"), err
        assert "secrets.token_urlsafe" in err
    assert emu.call_count("setWebhook") == 0


async def test_a_webhook_worker_refuses_forged_updates(emu: BotApiEmulator, database: Path) -> None:
    bot = WebhookWorker(
        emu,
        database,
        public_url=None,
        extra={
            "SELFIE_ADMINS": str(ADMIN),
            # Debug everywhere, so that the secret would show if it were not blanked.
            "SELFIE_LOG_LEVEL": "DEBUG",
            "SELFIE_LIBRARY_LOG_LEVEL": "DEBUG",
        },
    )
    code, out, err = await selfie_bot(
        emu, database, "webhook", "set", extra=webhook_environment(bot.url)
    )
    assert code == 0, err
    assert bot.url in out
    assert WEBHOOK_SECRET not in out + err
    await bot.start()
    try:
        # Delivered by the emulator, with the secret: handled.
        admin = emu.user(ADMIN, language_code="en")
        await admin.send("/addschool Īsta skola")
        assert "is added" in (await admin.wait_for_message(timeout=15)).content

        async with httpx.AsyncClient() as client:
            for number, headers in enumerate(
                [
                    {},
                    {"X-Telegram-Bot-Api-Secret-Token": "guess"},
                    {"X-Telegram-Bot-Api-Secret-Token": ""},
                    {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET + "x"},
                ],
                start=1,
            ):
                response = await client.post(
                    bot.url,
                    json=forged_update(number, f"/addschool Forged {number}"),
                    headers=headers,
                )
                assert response.status_code == 403, headers

            # The same update with the registered secret is taken: only the header kept it out.
            response = await client.post(
                bot.url,
                json=forged_update(10, "/addschool With the secret"),
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            )
            assert response.status_code == 200
        # Answered before the 200: the reply is there already.
        assert "is added" in (await admin.wait_for_message(timeout=1)).content

        await admin.send("/addschool Vēl viena skola")
        assert "is added" in (await admin.wait_for_message(timeout=15)).content
    finally:
        stderr = await bot.stop()
    names = {name for (name,) in db_rows(database, "SELECT name FROM schools")}
    assert names == {"Īsta skola", "With the secret", "Vēl viena skola"}
    assert WEBHOOK_SECRET not in stderr
    assert_no_token(stderr, TOKEN)


@on_both_engines
@pytest.mark.parametrize("library_level", [None, "DEBUG"])
async def test_debug_logging_shows_no_participant_data(
    emu: BotApiEmulator, database: Path, library_level: str | None
) -> None:
    created = await create_session_with_cli(emu, database)
    extra = {"SELFIE_LOG_LEVEL": "DEBUG"}
    if library_level is not None:
        extra["SELFIE_LIBRARY_LOG_LEVEL"] = library_level
    bot = BotProcess(emu, database, extra=extra)
    await bot.start()
    telegram_id = 730914287
    teacher = emu.user(telegram_id, first_name="Ilga", language_code="en")
    await teacher.open_link(created["links"]["teacher"])
    _, statement = await teacher.wait_for_messages(2, timeout=15)
    pressed = []
    for label in ("4", "2", "5"):
        data = statement.button(label).callback_data
        assert data is not None
        pressed.append(data)
        await teacher.click(label, message=statement)
        await teacher.wait_for_edit(statement, timeout=15)
    assert "Statement 4 of" in statement.content
    stderr = await bot.stop()

    assert_no_token(stderr, TOKEN)
    assert "Application started" in stderr  # the libraries still log at INFO
    if library_level is None:
        assert str(telegram_id) not in stderr, stderr
        assert not [data for data in pressed if data in stderr], stderr
        assert "SELFIE_LIBRARY_LOG_LEVEL" not in stderr
    else:
        # Asked for by name, the libraries show it all, and the start says so once.
        lines = stderr.splitlines()
        assert any(str(telegram_id) in line and pressed[0] in line for line in lines)
        warnings = [line for line in lines if "WARNING bot.logs: SELFIE_LIBRARY_LOG_LEVEL" in line]
        assert len(warnings) == 1 and "user ids" in warnings[0], warnings
