"""Small test helpers shared by every tier."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta


class ManualClock:
    """A clock that tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2027, 2, 3, 8, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """Return the current (manual) time."""
        return self._now

    def advance(self, **delta: float) -> datetime:
        """Move time forward, e.g. advance(days=3)."""
        self._now += timedelta(**delta)
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self._now = moment


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait until an async check returns True, failing after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)
