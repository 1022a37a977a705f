"""When a message may reach someone: never in their quiet hours, in their own time zone.

Students set quiet hours with their reflection schedule; everyone else (supervisors and
coordinators) has the default, 22:00 to 07:00.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_QUIET = (22 * 60, 7 * 60)


class Reachable(Protocol):
    """Someone a message goes to: an id and a time zone (a Person is one)."""

    @property
    def id(self) -> int:
        """The person's id."""
        ...

    @property
    def timezone(self) -> str:
        """The person's IANA time zone."""
        ...


class QuietHoursSource(Protocol):
    """Where people's own quiet hours are kept (the students' reflection schedules)."""

    async def quiet_hours(self, person_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """Return (start, end) minutes of the day for the people who set their own."""
        ...


def in_quiet_hours(minute: int, start: int, end: int) -> bool:
    """Return whether a minute of the day lies in quiet hours [start, end)."""
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def deliver_at(
    moment: datetime, timezone: str, quiet: tuple[int, int] = DEFAULT_QUIET
) -> datetime:
    """Return `moment` (UTC) or, when it falls in the quiet hours, the end of them (UTC)."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    start, end = quiet
    minute = local.hour * 60 + local.minute
    if not in_quiet_hours(minute, start, end):
        return moment
    day = local.date() if minute < end else local.date() + timedelta(days=1)
    wake = datetime.combine(day, time(end // 60, end % 60), tzinfo=zone)
    return wake.astimezone(UTC)


async def wake_times(
    schedules: QuietHoursSource, people: Sequence[Reachable], now: datetime
) -> dict[int, datetime]:
    """Return, per person id, when a message written now may reach them: `now`, or the end of
    their quiet hours (their own as a student, the default for everyone else)."""
    quiet = await schedules.quiet_hours([p.id for p in people])
    return {p.id: deliver_at(now, p.timezone, quiet.get(p.id, DEFAULT_QUIET)) for p in people}
