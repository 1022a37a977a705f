"""The pulse repository in memory: asks by (person, week), scores without a person."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.services.identity.domain import Role
from bot.services.pulse.types import PulseAsk, PulseRecipient


class FakePulse:
    """Pulse asks and anonymous scores over the fake store (its `pulse_*` tables)."""

    def __init__(self, store: Any) -> None:
        self.s = store
        # Created here, before the unit of work snapshots the store, so rollback covers them.
        names = (("pulse_on", set), ("pulse_asks", dict), ("pulse_ballots", list))
        for name, empty in (*names, ("pulse_scores", list)):
            if not hasattr(store, name):
                setattr(store, name, empty())

    async def enabled(self, cohort_id: int) -> bool | None:
        """Return whether the cohort has the pulse on (None: no such cohort)."""
        if cohort_id not in self.s.cohorts:
            return None
        return cohort_id in self.s.pulse_on

    async def set_enabled(self, cohort_id: int, enabled: bool) -> None:
        """Switch a cohort's pulse on or off."""
        on = set(self.s.pulse_on)
        if enabled:
            on.add(cohort_id)
        else:
            on.discard(cohort_id)
        self.s.pulse_on = on

    def _students(self) -> list[tuple[Any, int]]:
        """Return (person, cohort id) of active students in pulse-enabled cohorts."""
        return [
            (self.s.people[m.person_id], m.cohort_id)
            for m in self.s.memberships
            if m.role is Role.STUDENT
            and m.cohort_id in self.s.pulse_on
            and self.s.people[m.person_id].active
        ]

    async def timezones(self) -> Sequence[str]:
        """Return the time zones of the active students of pulse-enabled cohorts."""
        return sorted({person.timezone for person, _cohort in self._students()})

    async def due(
        self, timezone: str, week_start: date, today: date, limit: int
    ) -> Sequence[PulseRecipient]:
        """Return students due this week's question (one row each, lowest cohort id)."""
        found: dict[int, PulseRecipient] = {}
        for person, cohort_id in sorted(self._students(), key=lambda pc: (pc[0].id, pc[1])):
            cohort = self.s.cohorts[cohort_id]
            running = cohort.starts_on <= today <= cohort.ends_on
            asked = (person.id, week_start) in self.s.pulse_asks
            if person.timezone == timezone and running and not asked and person.id not in found:
                found[person.id] = PulseRecipient(
                    person.id, person.telegram_id, person.language, cohort_id
                )
        return list(found.values())[:limit]

    async def add_asks(self, asks: Sequence[PulseAsk]) -> None:
        """Store the asks, skipping any already stored for the week."""
        for ask in asks:
            self.s.pulse_asks.setdefault((ask.person_id, ask.week_start), ask)

    async def ask(self, person_id: int, week_start: date) -> PulseAsk | None:
        """Return a student's ask of a week."""
        return self.s.pulse_asks.get((person_id, week_start))

    async def record(self, person_id: int, week_start: date, score: int) -> bool:
        """Flip the ask to answered (once) and store the score without the person."""
        ask = self.s.pulse_asks.get((person_id, week_start))
        if ask is None or ask.answered:
            return False
        self.s.pulse_asks[(person_id, week_start)] = dataclasses.replace(ask, answered=True)
        self.s.pulse_ballots = [*self.s.pulse_ballots, (ask.cohort_id, week_start, score)]
        return True

    async def mix(self, min_batch: int, closed_before: date) -> int:
        """Count each cohort-week's ballots once enough wait or the week has closed."""
        groups: dict[tuple[int, date], list[tuple[int, date, int]]] = {}
        for ballot in self.s.pulse_ballots:
            groups.setdefault((ballot[0], ballot[1]), []).append(ballot)
        ready = [
            ballots
            for (_cohort, week), ballots in groups.items()
            if len(ballots) >= min_batch or week < closed_before
        ]
        counted = [b for ballots in ready for b in ballots]
        self.s.pulse_ballots = [b for b in self.s.pulse_ballots if b not in counted]
        self.s.pulse_scores = [*self.s.pulse_scores, *counted]
        return len(counted)

    async def distribution(
        self, cohort_id: int, first_week: date, last_week: date
    ) -> dict[date, dict[int, int]]:
        """Return {week start: {score: answers}} for the weeks in the range."""
        found: dict[date, dict[int, int]] = {}
        for cohort, week, score in self.s.pulse_scores:
            if cohort == cohort_id and first_week <= week <= last_week:
                scores = found.setdefault(week, {})
                scores[score] = scores.get(score, 0) + 1
        return found
