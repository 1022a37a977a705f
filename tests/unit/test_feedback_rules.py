"""The feedback nudge rules: which weekdays, at what local time, and what stops them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.delivery.quiet_hours import deliver_at
from bot.services.feedback.rules import next_nudge, nudge_weekdays
from bot.services.reflection.types import EVERY_DAY, MONDAY_TO_FRIDAY, Schedule, Shift

ZONE = "Europe/Copenhagen"
PERIOD = (date(2027, 2, 1), date(2027, 3, 31))


@pytest.mark.parametrize(
    ("days", "per_week", "expected"),
    [
        (MONDAY_TO_FRIDAY, 2, {1, 3}),  # Tuesday and Thursday
        (EVERY_DAY, 2, {1, 5}),
        (MONDAY_TO_FRIDAY, 1, {2}),
        (0b0000101, 2, {0, 2}),  # only two working days: both
        (0b0000001, 3, {0}),
        (MONDAY_TO_FRIDAY, 0, set()),
        (0, 2, set()),
    ],
)
def test_nudge_weekdays_spread_over_the_working_days(
    days: int, per_week: int, expected: set[int]
) -> None:
    assert nudge_weekdays(days, per_week) == expected


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None)


def _week(schedule: Schedule, start: datetime, count: int = 4) -> list[datetime]:
    found, after = [], start
    for _ in range(count):
        nxt = next_nudge(schedule, ZONE, PERIOD, after, 2)
        assert nxt is not None
        found.append(_local(nxt[0]))
        after = nxt[0]
    return found


def test_day_shift_nudges_come_an_hour_into_the_shift_on_tuesday_and_thursday() -> None:
    schedule = Schedule(person_id=1)
    monday = datetime(2027, 2, 8, 6, 0, tzinfo=UTC)
    assert _week(schedule, monday) == [
        datetime(2027, 2, 9, 8, 0),
        datetime(2027, 2, 11, 8, 0),
        datetime(2027, 2, 16, 8, 0),
        datetime(2027, 2, 18, 8, 0),
    ]


def test_evening_and_night_shifts_and_quiet_hours() -> None:
    evening = Schedule(person_id=1, shift=Shift.EVENING, quiet_start=30, quiet_end=600)
    night = Schedule(person_id=2, shift=Shift.NIGHT, quiet_start=9 * 60, quiet_end=17 * 60)
    monday = datetime(2027, 2, 8, 6, 0, tzinfo=UTC)
    assert _week(evening, monday, 1) == [datetime(2027, 2, 9, 16, 0)]
    assert _week(night, monday, 1) == [datetime(2027, 2, 10, 0, 0)]  # midnight into the night
    early = Schedule(person_id=3, quiet_start=22 * 60, quiet_end=9 * 60)
    assert _week(early, monday, 1) == [datetime(2027, 2, 9, 9, 0)]  # out of quiet hours


def test_pause_period_and_switched_off_stop_nudges() -> None:
    monday = datetime(2027, 2, 8, 6, 0, tzinfo=UTC)
    paused = Schedule(person_id=1, paused_until=date(2027, 2, 15))
    assert _week(paused, monday, 1) == [datetime(2027, 2, 16, 8, 0)]
    off = dataclasses.replace(paused, enabled=False)
    assert next_nudge(off, ZONE, PERIOD, monday, 2) is None
    assert next_nudge(Schedule(person_id=1), ZONE, None, monday, 2) is None
    late = datetime(2027, 3, 31, 12, 0, tzinfo=UTC)
    assert next_nudge(Schedule(person_id=1), ZONE, PERIOD, late, 2) is None


def test_daylight_saving_keeps_the_local_hour() -> None:
    before = next_nudge(Schedule(person_id=1), ZONE, PERIOD, datetime(2027, 3, 22, tzinfo=UTC), 2)
    after = next_nudge(Schedule(person_id=1), ZONE, PERIOD, datetime(2027, 3, 29, tzinfo=UTC), 2)
    assert before is not None
    assert after is not None
    assert (before[0].hour, after[0].hour) == (7, 6)  # 08:00 CET, then 08:00 CEST


def test_deliver_at_moves_a_message_out_of_quiet_hours() -> None:
    night = datetime(2027, 2, 3, 22, 30, tzinfo=UTC)  # 23:30 in Copenhagen
    assert deliver_at(night, ZONE) == datetime(2027, 2, 4, 6, 0, tzinfo=UTC)
    early = datetime(2027, 2, 4, 5, 0, tzinfo=UTC)  # 06:00
    assert deliver_at(early, ZONE) == datetime(2027, 2, 4, 6, 0, tzinfo=UTC)
    day = datetime(2027, 2, 4, 12, 0, tzinfo=UTC)
    assert deliver_at(day, ZONE) == day
    assert deliver_at(night, ZONE, (0, 0)) == night  # no quiet hours
    nuuk = deliver_at(datetime(2027, 2, 4, 9, 0, tzinfo=UTC), "America/Nuuk")  # 07:00 there
    assert nuuk == datetime(2027, 2, 4, 9, 0, tzinfo=UTC)
