"""Engine and session factory for SQLite (default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create an async engine; SQLite gets WAL, foreign keys, a busy timeout and files only
    their owner can read. Statement parameters are never part of an error's text (they hold
    what people wrote), so a failed insert logs the statement, not the reflection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_async_engine(
            url, echo=echo, hide_parameters=True, connect_args={"timeout": 30}
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(
        url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=10
    )


def _private_file(database: Path) -> None:
    """Create the database's folder (0700) and file (0600) for their owner alone; SQLite's
    -wal and -shm files take the database file's mode."""
    folder = database.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
    if not database.exists():
        database.touch(mode=0o600)
    if database.stat().st_mode & 0o077:
        database.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return a session factory whose objects stay usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


class DatabaseHealth:
    """Health probe that runs `SELECT 1`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ping(self) -> None:
        """Raise if the database does not answer."""
        async with self._engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
