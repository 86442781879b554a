"""A throwaway PostgreSQL server started from the machine's own binaries, for the tests
(tests/postgres.py) and the benchmarks that run the bot on PostgreSQL.

`initdb` refuses to run as root, so as root the cluster belongs to the `postgres` account
(Debian's package creates it) or else `nobody`. The server listens on a loopback port with
trust authentication, keeps its socket in its own folder, and is stopped and deleted at the
end. Durability is switched off: a database for a test or a benchmark need not survive a
power cut.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str | None = None
    pid: int | None = None  # the postmaster's, when started here

    def url(self, database: str) -> str:
        login = f"{self.user}:{self.password}" if self.password else self.user
        return f"postgresql://{login}@{self.host}:{self.port}/{database}"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, if this machine has them."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    return Path(versions[-1]).parent if versions else None


def _version(path: str) -> tuple[int, ...]:
    number = Path(path).parent.parent.name
    return tuple(int(part) for part in number.split(".") if part.isdigit())


def _owner() -> pwd.struct_passwd | None:
    """The account the cluster runs as: ours, unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, and no unprivileged account to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running() -> Iterator[Server]:
    """Start a fresh cluster in a temporary folder; stop and delete it afterwards."""
    bin_dir = binaries()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    owner = _owner()
    user = owner.pw_name if owner else pwd.getpwuid(os.geteuid()).pw_name
    folder = Path(tempfile.mkdtemp(prefix="selfie-pg-"))
    data = folder / "data"
    as_owner: dict[str, object] = {}
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_owner = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
    port = _free_port()
    try:
        subprocess.run(
            [
                bin_dir / "initdb",
                "-D",
                data,
                "-U",
                user,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
            **as_owner,  # type: ignore[call-overload]
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", folder / "log", "-w", "start"],
            check=True,
            capture_output=True,
            **as_owner,  # type: ignore[call-overload]
        )
        try:
            pid = int((data / "postmaster.pid").read_text().split("\n", 1)[0])
            yield Server(host="127.0.0.1", port=port, user=user, pid=pid)
        finally:
            subprocess.run(
                [bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                check=False,
                capture_output=True,
                **as_owner,  # type: ignore[call-overload]
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
