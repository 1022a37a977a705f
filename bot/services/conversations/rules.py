"""When the placement conversations take place and when the bot speaks about them: pure rules.

Dates come from the cohort's placement period (`starts_on` to `ends_on`, both included):

- expectation conversation (forventningssamtale): start + 3 days, in the first week;
- midway evaluation (midtvejsevaluering): the middle day of the period;
- final evaluation (slutevaluering): end - 3 days, in the last week.

A date on a Saturday moves back to Friday and one on a Sunday forward to Monday, except the
final evaluation, which always moves back so it stays before the end. Every date stays inside
the period.

Reminder: `days_before` days before the date (a weekend day moves back to Friday) at 09:00 in
the student's time zone, out of their quiet hours. When a conversation is computed after that
moment but before 09:00 on its own day (a student who joined late), the reminder goes at once
(still out of quiet hours); after that, not at all.

Question about the plan: the first weekday after the date at 14:00 local, out of quiet hours.
A question more than two days late (the bot was down, the student joined late) is not asked;
the plan can always be written from /samtaler. "Not held yet" asks again three days later at
14:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.services.conversations.types import Kind, NewConversation, Quiet, Unplanned
from bot.services.delivery.quiet_hours import DEFAULT_QUIET, deliver_at

EXPECTATION_AFTER_START = 3
FINAL_BEFORE_END = 3
REMIND_HOUR = 9
FOLLOWUP_HOUR = 14
FOLLOWUP_GRACE = timedelta(days=2)
POSTPONE_DAYS = 3
SATURDAY, SUNDAY = 5, 6


def conversation_dates(starts_on: date, ends_on: date) -> dict[Kind, date]:
    """Return the date of each conversation in a placement period."""
    middle = starts_on + (ends_on - starts_on) // 2
    dates = {
        Kind.EXPECTATION: _weekday(starts_on + timedelta(days=EXPECTATION_AFTER_START)),
        Kind.MIDWAY: _weekday(middle),
        Kind.FINAL: _weekday(ends_on - timedelta(days=FINAL_BEFORE_END), back=True),
    }
    return {kind: min(max(day, starts_on), ends_on) for kind, day in dates.items()}


def local_moment(day: date, hour: int, timezone: str) -> datetime:
    """Return the UTC moment of a whole hour on a local date."""
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def local_date(moment: datetime, timezone: str) -> date:
    """Return the local date of a UTC moment."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def reminder_at(
    due_on: date, days_before: int, timezone: str, quiet: Quiet | None, now: datetime
) -> datetime | None:
    """Return when to remind of a conversation computed now (None: too late to remind)."""
    day = due_on - timedelta(days=days_before)
    if days_before > 0:
        day = _weekday(day, back=True)
    planned = local_moment(day, REMIND_HOUR, timezone)
    if planned >= now:
        return deliver_at(planned, timezone, quiet or DEFAULT_QUIET)
    if now < local_moment(due_on, REMIND_HOUR, timezone):
        return deliver_at(now, timezone, quiet or DEFAULT_QUIET)
    return None


def followup_at(
    due_on: date, timezone: str, quiet: Quiet | None, now: datetime
) -> datetime | None:
    """Return when to ask for the agreed plan (None: more than the grace period late)."""
    day = _weekday(due_on + timedelta(days=1), forward=True)
    moment = deliver_at(
        local_moment(day, FOLLOWUP_HOUR, timezone), timezone, quiet or DEFAULT_QUIET
    )
    return moment if moment >= now - FOLLOWUP_GRACE else None


def postponed(now: datetime, timezone: str, quiet: Quiet | None) -> datetime:
    """Return when to ask again after "not held yet": three days later at 14:00 local."""
    day = local_date(now, timezone) + timedelta(days=POSTPONE_DAYS)
    return deliver_at(local_moment(day, FOLLOWUP_HOUR, timezone), timezone, quiet or DEFAULT_QUIET)


def plan_conversations(item: Unplanned, days_before: int, now: datetime) -> list[NewConversation]:
    """Return the three conversations of a student in a cohort, with their moments."""
    return [
        NewConversation(
            student_id=item.student_id,
            cohort_id=item.cohort_id,
            kind=kind,
            due_on=day,
            remind_at=reminder_at(day, days_before, item.timezone, item.quiet, now),
            followup_at=followup_at(day, item.timezone, item.quiet, now),
        )
        for kind, day in conversation_dates(item.starts_on, item.ends_on).items()
    ]


def is_late(conversation_day: date, timezone: str, now: datetime) -> bool:
    """Return whether a conversation's day is over where the student lives."""
    return local_date(now, timezone) > conversation_day


def day_end(day: date, timezone: str) -> datetime:
    """Return the moment a day ends in a time zone (a reminder of it is no use after)."""
    return datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(timezone)).astimezone(UTC)


def _weekday(day: date, *, back: bool = False, forward: bool = False) -> date:
    """Move a weekend day to a weekday: Saturday back and Sunday forward, unless told."""
    weekday = day.weekday()
    if weekday < SATURDAY:
        return day
    if back:
        return day - timedelta(days=weekday - 4)
    if forward:
        return day + timedelta(days=7 - weekday)
    return day - timedelta(days=1) if weekday == SATURDAY else day + timedelta(days=1)
