"""All SQL lives in this package: the connection, the migrations and the queries."""

from bot.storage.database import Database, StorageError

__all__ = ["Database", "StorageError"]
