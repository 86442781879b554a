"""Which process is the sender: a lock that the database's engine holds for one process at a
time and gives up when that process dies.

On PostgreSQL it is a session-level advisory lock held on a connection of its own (not one of
the pool's, which come and go): the server lets it go when that connection ends, whether the
process died or only lost the server. The holder checks the connection now and then
(`still_held`) and stops sending when it is gone.

On SQLite it is an exclusive `flock` on a file beside the database (`<database>.leader`): the
bot and a `selfie-bot session remind` run from the command line may share one file, and the
operating system releases the lock of a process that dies, however it dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)

# One number for the sender's lock of a selfie database (advisory locks are per database).
LEADER_LOCK = 0x5E1F1F
# How long a check of the lock's connection may take before it counts as lost.
_CHECK_TIMEOUT_S = 5.0


class Leadership(ABC):
    """The sender's lock, as one process sees it."""

    # When held, no other process can be sending under its own leadership: true where the
    # lock cannot be lost while its holder lives (a file lock), false where a holder may not
    # have noticed yet that it lost it (a server connection).
    exclusive: bool = False

    @property
    @abstractmethod
    def held(self) -> bool:
        """Whether this process held the lock when last asked (no round trip)."""

    @abstractmethod
    async def try_acquire(self) -> bool:
        """Take the lock unless another process holds it; True when this process holds it."""

    @abstractmethod
    async def still_held(self) -> bool:
        """Check that the lock is still this process's; False (and not held) when it is lost."""

    @abstractmethod
    async def release(self) -> None: ...


class AlwaysLeading(Leadership):
    """A database that no other process can open (SQLite in memory)."""

    exclusive = True

    @property
    def held(self) -> bool:
        return True

    async def try_acquire(self) -> bool:
        return True

    async def still_held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FileLeadership(Leadership):
    """An exclusive, non-blocking `flock` on `path`."""

    exclusive = True

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    async def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    async def still_held(self) -> bool:
        return self._fd is not None

    async def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor releases the lock


class AdvisoryLeadership(Leadership):
    """`pg_try_advisory_lock` on a connection that is opened for it alone."""

    def __init__(self, url: str, *, key: int = LEADER_LOCK) -> None:
        self._url = url
        self._key = key
        self._connection: asyncpg.Connection | None = None
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    async def try_acquire(self) -> bool:
        if self._held:
            return await self.still_held()
        import asyncpg

        try:
            if self._connection is None or self._connection.is_closed():
                self._connection = await asyncpg.connect(self._url, timeout=_CHECK_TIMEOUT_S)
            got = await self._connection.fetchval(
                "SELECT pg_try_advisory_lock($1)", self._key, timeout=_CHECK_TIMEOUT_S
            )
        except Exception:  # no server, or no connection: not the leader, try again later
            await self._drop()
            return False
        self._held = bool(got)
        return self._held

    async def still_held(self) -> bool:
        if not self._held or self._connection is None:
            return False
        try:
            # The lock lives as long as the session: a session that answers still holds it.
            await self._connection.fetchval("SELECT 1", timeout=_CHECK_TIMEOUT_S)
        except Exception:  # whatever broke the connection (asyncpg has several kinds), it is lost
            log.warning("the connection that held the sender's lock is gone")
            await self._drop()
            return False
        return True

    async def release(self) -> None:
        """Give the lock up at once (the next candidate need not wait for the server to see
        a dropped connection)."""
        connection = self._connection
        if self._held and connection is not None and not connection.is_closed():
            self._held = False
            self._connection = None
            try:
                await connection.fetchval(
                    "SELECT pg_advisory_unlock($1)", self._key, timeout=_CHECK_TIMEOUT_S
                )
                await connection.close(timeout=_CHECK_TIMEOUT_S)
            except Exception:  # the server ends the session, and the lock, on its own
                connection.terminate()
            return
        await self._drop()

    async def _drop(self) -> None:
        """Forget the lock and end its session (which releases the lock on the server)."""
        self._held = False
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed():
            connection.terminate()  # no round trip: the server may be unreachable
