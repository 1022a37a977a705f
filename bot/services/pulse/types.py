"""Types and ports of the anonymous weekly pulse.

Who was asked (and whether they answered) is kept apart from the scores: a score carries
only the cohort and the week, never the person or the time of the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

SCORES = range(1, 6)


@dataclass(frozen=True, slots=True)
class PulseRecipient:
    """A student who is due this week's question (selected in SQL, a batch at a time)."""

    person_id: int
    telegram_id: int
    language: str
    cohort_id: int


@dataclass(frozen=True, slots=True)
class PulseAsk:
    """That a student was asked in a week (for one cohort), and whether they answered."""

    person_id: int
    week_start: date
    cohort_id: int
    asked_at: datetime
    answered: bool = False


class PulseOutcome(StrEnum):
    """What became of a press on a pulse button."""

    COUNTED = "counted"
    ALREADY = "already"  # this week's answer was counted before
    CLOSED = "closed"  # the week is over
    INVALID = "invalid"  # forged, or not asked that week


class PulseRepo(Protocol):
    """Who was asked the pulse this week, and the anonymous scores."""

    async def enabled(self, cohort_id: int) -> bool | None:
        """Return whether the cohort has the pulse on (None: no such cohort)."""
        ...

    async def set_enabled(self, cohort_id: int, enabled: bool) -> None:
        """Switch a cohort's pulse on or off."""
        ...

    async def timezones(self) -> Sequence[str]:
        """Return the time zones of the active students of pulse-enabled cohorts."""
        ...

    async def due(
        self, timezone: str, week_start: date, today: date, limit: int
    ) -> Sequence[PulseRecipient]:
        """Return up to `limit` active students in `timezone` of enabled cohorts running on
        `today` who were not asked in the week of `week_start` (one row per student)."""
        ...

    async def add_asks(self, asks: Sequence[PulseAsk]) -> None:
        """Store that students were asked (skipping any already stored for the week)."""
        ...

    async def ask(self, person_id: int, week_start: date) -> PulseAsk | None:
        """Return a student's ask of a week, if they were asked."""
        ...

    async def record(self, person_id: int, week_start: date, score: int) -> bool:
        """Mark the ask answered (compare-and-set) and drop the score, without the person, as
        a ballot; return False, storing nothing, when it was answered already."""
        ...

    async def mix(self, min_batch: int, closed_before: date) -> int:
        """Count the waiting ballots of each cohort-week into its tallies, all at once, when
        at least `min_batch` wait or the week started before `closed_before`; the ballots
        are gone afterwards. Return how many ballots were counted."""
        ...

    async def distribution(
        self, cohort_id: int, first_week: date, last_week: date
    ) -> dict[date, dict[int, int]]:
        """Return {week start: {score: answers}} for the weeks in the range; ballots still
        waiting to be mixed are not counted yet."""
        ...
