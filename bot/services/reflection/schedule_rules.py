"""When a student's next reflection prompt is due: pure rules, in the student's own time zone.

A slot belongs to a shift date. Its local time is the fixed reflection time, or a quarter of
an hour after the shift ends (a night shift ends the next morning). A slot inside quiet
hours moves to the end of them. Slots come only on working days inside the placement period
and not while paused. Times are computed with zoneinfo, so daylight saving is respected.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.delivery.quiet_hours import in_quiet_hours
from bot.services.reflection.types import PromptMode, Schedule, Shift

MINUTES_PER_DAY = 24 * 60
AFTER_SHIFT = timedelta(minutes=15)
# When each shift ends, and on which day relative to its shift date.
SHIFT_ENDS = {
    Shift.DAY: (0, time(15, 0)),
    Shift.EVENING: (0, time(23, 0)),
    Shift.NIGHT: (1, time(7, 0)),
}
SHIFT_STARTS = {Shift.DAY: time(7, 0), Shift.EVENING: time(15, 0), Shift.NIGHT: time(23, 0)}


def slot_local_time(schedule: Schedule, shift_date: date) -> datetime:
    """Return the naive local moment of the slot for a shift date, out of quiet hours."""
    if schedule.mode is PromptMode.TIME:
        moment = datetime.combine(shift_date, time()) + timedelta(minutes=schedule.at_minutes)
    else:
        offset, ends = SHIFT_ENDS[schedule.shift]
        moment = datetime.combine(shift_date + timedelta(days=offset), ends) + AFTER_SHIFT
    minute = moment.hour * 60 + moment.minute
    if not in_quiet_hours(minute, schedule.quiet_start, schedule.quiet_end):
        return moment
    end = schedule.quiet_end
    day = moment.date() if minute < end else moment.date() + timedelta(days=1)
    return datetime.combine(day, time()) + timedelta(minutes=end)


def next_slot(
    schedule: Schedule, timezone: str, period: tuple[date, date] | None, after: datetime
) -> tuple[datetime, date] | None:
    """Return the first slot strictly after `after` (UTC moment, shift date), or None.

    None when there is no placement period, or no working day is left in it.
    """
    if period is None or not schedule.enabled or schedule.days == 0:
        return None
    zone = ZoneInfo(timezone)
    first, last = period
    if schedule.paused_until is not None:
        first = max(first, schedule.paused_until)
    # A shift date from the day before can still have its slot ahead (night shifts, quiet
    # hours that push the slot to the next morning).
    day = max(first, after.astimezone(zone).date() - timedelta(days=1))
    while day <= last:
        if schedule.works_on(day):
            moment = slot_local_time(schedule, day).replace(tzinfo=zone).astimezone(UTC)
            if moment > after:
                return moment, day
        day += timedelta(days=1)
    return None


def format_minutes(minutes: int) -> str:
    """Return minutes after midnight as HH:MM."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
