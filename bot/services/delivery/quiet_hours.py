"""When a message may reach someone: never in their quiet hours, in their own time zone.

Students set quiet hours with their reflection schedule; everyone else (supervisors and
coordinators) has the default, 22:00 to 07:00.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.identity.domain import Person
from bot.services.reflection.schedule_rules import in_quiet_hours
from bot.services.reflection.types import ScheduleRepo

DEFAULT_QUIET = (22 * 60, 7 * 60)


@dataclass(frozen=True, slots=True)
class FeedbackConfig:
    """The settings of feedback, placement conversations, digests and the pulse."""

    nudges_per_week: int = 2
    reminder: timedelta = timedelta(days=3)
    expiry: timedelta = timedelta(days=14)
    conversation_reminder_days: int = 2
    digest_weekday: int = 0
    digest_hour: int = 8
    pulse_weekday: int = 3
    pulse_hour: int = 12


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
    schedules: ScheduleRepo, people: Sequence[Person], now: datetime
) -> dict[int, datetime]:
    """Return, per person id, when a message written now may reach them: `now`, or the end of
    their quiet hours (their own as a student, the default for everyone else)."""
    quiet = await schedules.quiet_hours([p.id for p in people])
    return {p.id: deliver_at(now, p.timezone, quiet.get(p.id, DEFAULT_QUIET)) for p in people}
