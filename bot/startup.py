"""Start-up that waits for what it depends on (part of the composition root): while the
database, Telegram or a Chroma server is unreachable, try again with backoff instead of
exiting (a container that exits is restarted at once, and crash-loops). Each wait is logged
once when it begins (with the traceback), then a line a minute, then once when the
dependency answers."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import BadRequest, NetworkError

from bot.services.kernel.repeats import RepeatedFailure
from bot.storage import migrate
from bot.storage.db import create_engine

log = logging.getLogger(__name__)
T = TypeVar("T")
FIRST_WAIT = 1.0
LONGEST_WAIT = 30.0
# Errors of a PostgreSQL server that is starting, stopping or full (asyncpg's names).
_PG_UNAVAILABLE = {
    "CannotConnectNowError",
    "TooManyConnectionsError",
    "ConnectionDoesNotExistError",
}


def _chain(exc: BaseException) -> list[BaseException]:
    """Return an exception and its causes."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def database_down(exc: BaseException) -> bool:
    """Tell whether an error means the database is unreachable (not that we are wrong)."""
    for error in _chain(exc):
        if isinstance(error, OSError | TimeoutError | OperationalError | InterfaceError):
            return True
        if type(error).__name__ in _PG_UNAVAILABLE:
            return True
    return False


def chroma_down(exc: BaseException) -> bool:
    """Tell whether an error means the Chroma server cannot be reached (not yet up)."""
    for error in _chain(exc):
        if isinstance(error, OSError | TimeoutError | httpx.TransportError):
            return True
        if "could not connect to a chroma server" in str(error).lower():
            return True
    return False


def telegram_down(exc: BaseException) -> bool:
    """Tell whether an error means Telegram is unreachable (a network error, a timeout or a
    5xx; a bad request or a wrong token is our mistake, and waiting will not fix it)."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


async def until_up(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    is_down: Callable[[BaseException], bool],
    *,
    give_up_after: float | None = None,
    first: float = FIRST_WAIT,
    longest: float = LONGEST_WAIT,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> T:
    """Run `attempt` until it succeeds, waiting 1 s, 2 s, 4 s … (at most `longest`) after each
    failure that `is_down` accepts; any other error, or waiting past `give_up_after` seconds,
    is raised."""
    failures = RepeatedFailure(log, f"reaching {what} at start-up", monotonic=monotonic)
    started, wait = monotonic(), first
    while True:
        try:
            result = await attempt()
        except Exception as exc:
            out_of_time = give_up_after is not None and monotonic() - started >= give_up_after
            if not is_down(exc) or out_of_time:
                raise
            failures.failed(exc, level=logging.WARNING)
            await sleep(wait)
            wait = min(longest, wait * 2)
        else:
            failures.succeeded()
            return result


async def open_database(url: str) -> AsyncEngine:
    """Create the engine and bring the schema up to date, waiting while the database is
    unreachable."""

    async def attempt() -> AsyncEngine:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
        except BaseException:
            await engine.dispose()
            raise
        return engine

    return await until_up("the database", attempt, database_down)
