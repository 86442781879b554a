"""The `selfie-bot` command in this process, on a real SQLite file: what comes in is checked.

Numbers out of range (Telegram user ids have at most 52 bits, SQLite integers 64) and text
with control characters fail with one clear line, and in `bulk-create` only their row. And its
last resort: a bug's traceback is shown, the secrets are not. (The commands talking to Telegram
are tested end to end, in tests/e2e.)
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.logs import REDACTED

HUGE = "99999999999999999999999"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [name for name in os.environ if name.startswith("SELFIE_")]:
        monkeypatch.delenv(name)
    path = tmp_path / "selfie.sqlite3"
    monkeypatch.setenv("SELFIE_DATABASE", str(path))
    monkeypatch.setenv("SELFIE_BOT_USERNAME", "selfie_test_bot")  # no Bot API needed for links
    return path


def run(*args: str) -> int:
    return main(["--env-file", os.devnull, *args])


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    if not database.exists():
        return []
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


def period() -> tuple[str, str]:
    start = datetime.now(UTC).date() + timedelta(days=2)  # tomorrow or later in every zone
    return start.isoformat(), (start + timedelta(days=9)).isoformat()


def create(*extra: str) -> list[str]:
    start, end = period()
    return ["session", "create", "--school", "Cēsu skola", "--level", "vet",
            "--start", start, "--end", end, *extra]  # fmt: skip


@pytest.mark.parametrize("coordinator", [HUGE, "0", "-42", "4503599627370496", "²", "1e3"])
def test_session_create_refuses_a_coordinator_that_is_no_telegram_user_id(
    database: Path, capsys: pytest.CaptureFixture[str], coordinator: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        run(*create("--coordinator", coordinator))
    assert exited.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"argument --coordinator: {coordinator} is not a Telegram user id" in error
    assert "from 1 to 4503599627370495" in error
    assert rows(database, "SELECT * FROM sessions") == []


@pytest.mark.parametrize("command", ["status", "remind", "close"])
@pytest.mark.parametrize("number", ["99999999999999999999", "0", "-1", "9223372036854775808"])
def test_session_ids_on_the_command_line_are_range_checked(
    database: Path, capsys: pytest.CaptureFixture[str], command: str, number: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        run("session", command, "--", number)
    assert exited.value.code == 2
    assert f"argument session_id: session: {number} is not an id" in capsys.readouterr().err


def test_the_largest_ids_are_accepted(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(*create("--coordinator", str(2**52 - 1), "--json")) == 0
    assert rows(database, "SELECT telegram_id FROM coordinators") == [(2**52 - 1,)]
    capsys.readouterr()
    assert run("session", "status", str(2**63 - 1)) == 1
    assert "there is no session 9223372036854775807" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("level", "groups"),
    [
        ("wbl", ["leader", "teacher", "student", "trainer"]),
        ("vet", ["leader", "teacher", "student"]),
        ("primary", ["leader", "teacher", "student"]),
    ],
)
def test_a_session_has_one_link_per_group_of_its_level(
    database: Path, capsys: pytest.CaptureFixture[str], level: str, groups: list[str]
) -> None:
    assert run(*create("--coordinator", "42", "--level", level, "--json")) == 0
    created = json.loads(capsys.readouterr().out)
    assert list(created["links"]) == groups
    assert all(
        link.startswith("https://t.me/selfie_test_bot?start=") for link in created["links"].values()
    )
    assert run("session", "status", str(created["session_id"]), "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["groups"] == {group: {"joined": 0, "completed": 0} for group in groups}


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["school", "add", "--name", "Cēsu\x00 skola"], "the school name contains U+0000"),
        (["school", "add", "--name", "Cēsu \u202eskola"], "the school name contains U+202E"),
        (create("--coordinator", "42", "--school", "Skola\x1b[1m"), "contains U+001B"),
        (create("--coordinator", "42", "--own", "C|all|Mums\u2066 ir"), "contains U+2066"),
        (create("--coordinator", "42", "--own", "C|all|Mums ir|Kad\x7f"), "contains U+007F"),
        (
            create("--coordinator", "42", "--open-question-text", "teacher=Kas\u202e ir?"),
            "the open question for teacher contains U+202E",
        ),
    ],
)
def test_control_characters_fail_with_one_line_and_write_nothing(
    database: Path, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    assert run(*args) == 1
    error = capsys.readouterr().err
    assert error.startswith("selfie-bot: ") and error.count("\n") == 1
    assert problem in error
    assert rows(database, "SELECT * FROM schools") == []


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["--timezone", "../../etc/passwd"], "unknown time zone '../../etc/passwd'"),
        (["--timezone", "Europe/Riga\x01"], "unknown time zone 'Europe/Riga\\x01'"),
        (
            ["--start", "9999-12-22", "--end", "9999-12-31", "--timezone", "America/New_York"],
            "9999-12-22 is not in the years 2000 to 2099",
        ),
    ],
)
def test_time_zones_and_dates_the_calendar_cannot_hold_fail_with_one_line(
    database: Path, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    assert run(*create("--coordinator", "42", *args)) == 1  # the later --start, --end win
    error = capsys.readouterr().err
    assert error.startswith("selfie-bot: ") and error.count("\n") == 1
    assert problem in error
    assert rows(database, "SELECT * FROM sessions") == []


def test_bulk_create_rejects_the_bad_rows_with_their_reason_and_creates_the_rest(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = period()
    table = tmp_path / "schools.csv"
    table.write_text(
        "school,level,start,end,own,coordinator\n"
        f"Bauskas skola,vet,{start},{end},,{HUGE}\n"
        f"Cēsu skola,vet,{start},{end},,77\n"
        f"Dobeles skola,vet,{start},{end},,0\n"
        f"Rīgas\u202e skola,vet,{start},{end},,\n"
        # splitlines() would end a line at \x1c and drop the empty one: caught before that
        f'Talsu skola,vet,{start},{end},"C|all|Mums ir printeris\x1c\nA|all|Otrs",\n'
        f"Ogres skola,vet,{start},{end},,¹²\n"
        f"Siguldas skola,vet,{start},{end},,{2**52 - 1}\n"
        f"Jelgavas skola,vet,9999-12-22,9999-12-31,,\n",
        encoding="utf-8",
    )
    assert run("session", "bulk-create", str(table), "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["rejected"]) == (2, 6)
    by_row = {entry["row"]: entry for entry in report["rows"]}
    assert by_row[2]["status"] == "rejected"
    assert by_row[2]["error"].startswith(f"coordinator {HUGE} is not a Telegram user id")
    assert by_row[3]["status"] == "created"
    assert "0 is not a Telegram user id" in by_row[4]["error"]
    assert "the school column contains U+202E" in by_row[5]["error"]
    assert "the own column contains U+001C" in by_row[6]["error"]
    assert "¹² is not a Telegram user id" in by_row[7]["error"]
    assert by_row[8]["status"] == "created"
    assert "9999-12-22 is not in the years 2000 to 2099" in by_row[9]["error"]
    assert rows(database, "SELECT name FROM schools ORDER BY id") == [
        ("Cēsu skola",),
        ("Siguldas skola",),
    ]
    assert rows(database, "SELECT telegram_id FROM coordinators ORDER BY telegram_id") == [
        (77,),
        (2**52 - 1,),
    ]


def test_bulk_create_reads_the_respondent_questions_and_names_the_column_at_fault(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = period()
    table = tmp_path / "schools.csv"
    header = (
        "school,level,start,end,own_language,background,open_question_teacher,"
        "open_question_text_student,open_question_trainer,open_question_text_leader\n"
    )
    table.write_text(
        header
        + f"Alojas skola,vet,{start},{end},,,,,,\n"
        + f"Bauskas skola,vet,{start},{end},en,no,strength,What helps you learn?,,\n"
        + f"Cēsu skola,wbl,{start},{end},,yes,,,company_change,\n"
        + f"Dobeles skola,vet,{start},{end},,maybe,,,,\n"
        + f"Gulbenes skola,vet,{start},{end},,,gossip,,,\n"
        + f"Jēkabpils skola,vet,{start},{end},,,company_strength,,,\n"
        + f"Kuldīgas skola,vet,{start},{end},,,,,company_change,\n"
        + f"Liepājas skola,vet,{start},{end},,,,{'x' * 301},,\n"
        + f'Madonas skola,vet,{start},{end},,,,,,"Kas \x1b palīdz?"\n',
        encoding="utf-8",
    )
    assert run("session", "bulk-create", str(table), "--json") == 1
    report = json.loads(capsys.readouterr().out)
    by_row = {entry["row"]: entry for entry in report["rows"]}
    assert [by_row[row]["status"] for row in (2, 3, 4)] == ["created"] * 3
    assert by_row[5]["error"] == "background: 'maybe' is neither yes nor no"
    assert by_row[6]["error"].startswith("open_question_teacher: 'gossip' is not a listed")
    assert by_row[7]["error"] == (
        "open_question_teacher: the open question 'company_strength' is not for teacher"
    )
    assert by_row[8]["error"] == "open_question_trainer: trainer does not answer at level vet"
    assert by_row[9]["error"].startswith("open_question_text_student: ")
    assert "1 to 300 characters" in by_row[9]["error"]
    assert "the open_question_text_leader column contains U+001B" in by_row[10]["error"]
    assert (report["created"], report["rejected"]) == (3, 6)
    assert rows(
        database,
        "SELECT name, session_background.session_id IS NOT NULL FROM sessions"
        " JOIN schools ON schools.id = sessions.school_id"
        " LEFT JOIN session_background ON session_background.session_id = sessions.id"
        " ORDER BY sessions.id",
    ) == [("Alojas skola", 1), ("Bauskas skola", 0), ("Cēsu skola", 1)]
    assert rows(
        database,
        "SELECT name, profile, key, text, language FROM session_open_questions"
        " JOIN sessions ON sessions.id = session_open_questions.session_id"
        " JOIN schools ON schools.id = sessions.school_id ORDER BY name, profile",
    ) == [
        ("Bauskas skola", "student", None, "What helps you learn?", "en"),
        ("Bauskas skola", "teacher", "strength", None, None),
        ("Cēsu skola", "trainer", "company_change", None, None),
    ]


TOKEN = "123456:AAFakeTokenForCliTests"
HOOK_SECRET = "Hook-Secret-For-Cli-Tests"

# A command that fails with an exception nobody expects, quoting both secrets.
BUG = """
import sys
import bot.cli

async def broken(settings, args):
    secret = settings.webhook_secret.get_secret_value()
    raise RuntimeError(f"bug at /bot{settings.require_token()}/getMe with {secret}")

bot.cli._command = broken
sys.exit(bot.cli.main(["--env-file", sys.argv[1], "session", "status", "1"]))
"""


def test_an_unexpected_error_prints_its_traceback_without_secrets(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"SELFIE_BOT_TOKEN={TOKEN}\nSELFIE_WEBHOOK_SECRET={HOOK_SECRET}\n"
        f"SELFIE_DATABASE={tmp_path / 'db.sqlite3'}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELFIE_")}
    done = subprocess.run(
        [sys.executable, "-c", BUG, str(env_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert TOKEN not in done.stderr and HOOK_SECRET not in done.stderr
    assert "Traceback (most recent call last)" in done.stderr
    assert f"RuntimeError: bug at /bot{REDACTED}/getMe with {REDACTED}" in done.stderr
    assert done.stdout == ""


def test_session_create_asks_about_the_respondents_unless_told_not_to(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = "Kas jums palīdzētu vairāk?"
    assert run(*create("--coordinator", "42", "--json", "--open-question", "student=strength",
                       "--open-question-text", f"teacher=  {own} ")) == 0  # fmt: skip
    printed = json.loads(capsys.readouterr().out)
    assert printed["background"] is True
    assert printed["open_questions"] == {"teacher": own, "student": "strength"}
    # Another school: a second session of the same level and dates would overlap the first.
    other = ("--school", "Valmieras skola")
    assert run(*create("--coordinator", "42", *other, "--no-background", "--json")) == 0
    assert json.loads(capsys.readouterr().out)["background"] is False
    assert rows(database, "SELECT session_id FROM session_background") == [(1,)]
    assert rows(
        database,
        "SELECT session_id, profile, key, text, language FROM session_open_questions"
        " ORDER BY profile",
    ) == [(1, "student", "strength", None, None), (1, "teacher", None, own, "lv")]


def test_trainers_are_asked_an_open_question_of_their_own_at_level_wbl(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = ["--open-question", "trainer=company_strength", "--open-question", "teacher=support"]
    assert run(*create("--coordinator", "42", "--level", "wbl", "--json", *asked)) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["open_questions"] == {"teacher": "support", "trainer": "company_strength"}
    assert rows(database, "SELECT profile, key FROM session_open_questions ORDER BY profile") == [
        ("teacher", "support"),
        ("trainer", "company_strength"),
    ]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--open-question", "teacher=nosuch"], "'nosuch' is not a listed open question"),
        (["--open-question", "trainee=strength"], "write GROUP=KEY"),
        (["--open-question", "strength"], "write GROUP=KEY"),
        (
            ["--open-question", "teacher=strength", "--open-question-text", "teacher=Kāpēc?"],
            "teacher has more than one open question",
        ),
        (["--open-question-text", "leader=" + "x" * 301], "must be 1 to 300 characters"),
        (["--open-question-text", "leader=  "], "must be 1 to 300 characters"),
        (["--open-question", "trainer=strength"], "'strength' is not for trainer"),
        (
            ["--open-question", "trainer=company_change"],
            "the open question for trainer: that group does not answer at level vet",
        ),
        (
            ["--open-question-text", "trainer=Kas jums palīdz?"],
            "the open question for trainer: that group does not answer at level vet",
        ),
    ],
)
def test_open_questions_that_cannot_be_asked_fail_with_one_line(
    database: Path, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    assert run(*create("--coordinator", "42", *args)) == 1
    error = capsys.readouterr().err
    assert error.startswith("selfie-bot: ") and error.count("\n") == 1
    assert problem in error
    assert rows(database, "SELECT * FROM sessions") == []
