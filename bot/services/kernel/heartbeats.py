"""Heartbeats of the loops that must keep running (the outbox dispatcher, each tick).

Kept in memory per process: each process reports on its own loops in its own /healthz.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.kernel.ports import Clock


@dataclass(frozen=True, slots=True)
class Beat:
    """The state of one heartbeat."""

    last: datetime
    age_seconds: float
    stale: bool


class Heartbeats:
    """Remembers when each loop last completed, and how long it may stay silent."""

    def __init__(self, clock: Clock, grace: timedelta = timedelta(minutes=5)) -> None:
        self._clock = clock
        self._grace = grace
        self._last: dict[str, datetime] = {}
        self._within: dict[str, timedelta] = {}

    def expect(self, name: str, every: timedelta = timedelta(0)) -> None:
        """Watch a loop that completes about every `every`; it is stale once silent for
        `every` plus the grace period (counted from now until its first beat)."""
        self._within[name] = every + self._grace
        self._last.setdefault(name, self._clock.now())

    def beat(self, name: str) -> None:
        """Note that a loop completed just now."""
        self._last[name] = self._clock.now()

    def states(self) -> dict[str, Beat]:
        """Return each watched loop's state."""
        now = self._clock.now()
        states = {}
        for name, within in sorted(self._within.items()):
            last = self._last[name]
            age = now - last
            states[name] = Beat(last, max(0.0, age.total_seconds()), age > within)
        return states
