"""When a student's feedback nudges come: pure rules, in the student's own time zone.

A nudge comes on a working day, an hour into the shift, so there is a whole shift to ask for
feedback on one situation. Twice a week (by default) the working days of the week are spread
evenly: Monday to Friday gives Tuesday and Thursday. Quiet hours, pauses and the placement
period are respected as for reflection prompts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.delivery.quiet_hours import in_quiet_hours
from bot.services.reflection.schedule_rules import SHIFT_STARTS
from bot.services.reflection.types import Schedule

INTO_SHIFT = timedelta(hours=1)
WEEK = 7


def nudge_weekdays(days: int, per_week: int) -> frozenset[int]:
    """Return the weekdays (Monday = 0) of the nudges: `per_week` of the working days in
    `days` (a bit mask), spread evenly; all of them when there are fewer."""
    working = [d for d in range(WEEK) if days >> d & 1]
    if per_week <= 0 or not working:
        return frozenset()
    if per_week >= len(working):
        return frozenset(working)
    step = len(working) / per_week
    return frozenset(working[int(step * i + step / 2)] for i in range(per_week))


def nudge_local_time(schedule: Schedule, day: date) -> datetime:
    """Return the naive local moment of a day's nudge, moved out of quiet hours."""
    moment = datetime.combine(day, SHIFT_STARTS[schedule.shift]) + INTO_SHIFT
    minute = moment.hour * 60 + moment.minute
    start, end = schedule.quiet_start, schedule.quiet_end
    if not in_quiet_hours(minute, start, end):
        return moment
    later = moment.date() if minute < end else moment.date() + timedelta(days=1)
    return datetime.combine(later, time(end // 60, end % 60))


def next_nudge(
    schedule: Schedule,
    timezone: str,
    period: tuple[date, date] | None,
    after: datetime,
    per_week: int,
) -> tuple[datetime, date] | None:
    """Return the first nudge strictly after `after` (UTC moment, shift date), or None."""
    weekdays = nudge_weekdays(schedule.days, per_week)
    if period is None or not schedule.enabled or not weekdays:
        return None
    zone = ZoneInfo(timezone)
    first, last = period
    if schedule.paused_until is not None:
        first = max(first, schedule.paused_until)
    day = max(first, after.astimezone(zone).date() - timedelta(days=1))
    while day <= last:
        if day.weekday() in weekdays:
            moment = nudge_local_time(schedule, day).replace(tzinfo=zone).astimezone(UTC)
            if moment > after:
                return moment, day
        day += timedelta(days=1)
    return None
