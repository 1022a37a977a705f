"""Logging a failure that repeats without flooding the log: the first occurrence with its
traceback, then at most one line per interval saying how often it happened meanwhile, and
one line when it stops (a database outage would otherwise log a traceback every half
second)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class RepeatedFailure:
    """The log of one kind of failure (one instance per kind, e.g. "dispatcher round")."""

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        *,
        every: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._log, self._what, self._every, self._now = logger, what, every, monotonic
        self._count = 0  # failures since the last line
        self._total = 0  # failures since it last worked
        self._last_line = 0.0

    @property
    def failing(self) -> bool:
        """Return whether the last outcome was a failure."""
        return self._total > 0

    def failed(self, exc: BaseException | None = None, *, level: int = logging.ERROR) -> None:
        """Record one failure: log the first with its traceback, later ones as a summary at
        most every interval."""
        self._total += 1
        now = self._now()
        if self._total == 1:
            self._log.log(level, "%s failed", self._what, exc_info=exc)
            self._count, self._last_line = 0, now
            return
        self._count += 1
        if now - self._last_line >= self._every:
            reason = f": {type(exc).__name__}" if exc is not None else ""
            self._log.log(
                level,
                "%s still failing (repeated %s times in %.0f s)%s",
                self._what,
                self._count,
                now - self._last_line,
                reason,
            )
            self._count, self._last_line = 0, now

    def succeeded(self) -> None:
        """Record that it works again (one line if it had been failing)."""
        if self._total:
            self._log.warning("%s works again after %s failures", self._what, self._total)
        self._total = self._count = 0
