"""The rules of when a student's next prompt comes: shifts, quiet hours, pauses, periods, DST."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.delivery.quiet_hours import in_quiet_hours
from bot.services.reflection.schedule_rules import next_slot, slot_local_time
from bot.services.reflection.schedules import QUIET_FOR_SHIFT
from bot.services.reflection.types import MONDAY_TO_FRIDAY, PromptMode, Schedule, Shift

CPH = "Europe/Copenhagen"
PERIOD = (date(2027, 2, 1), date(2027, 6, 30))


def _schedule(**fields: object) -> Schedule:
    return dataclasses.replace(Schedule(person_id=1), **fields)  # type: ignore[arg-type]


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(CPH)).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("minute", "start", "end", "quiet"),
    [
        (23 * 60, 22 * 60, 7 * 60, True),
        (6 * 60 + 59, 22 * 60, 7 * 60, True),
        (7 * 60, 22 * 60, 7 * 60, False),
        (12 * 60, 9 * 60, 17 * 60, True),
        (17 * 60, 9 * 60, 17 * 60, False),
        (3 * 60, 0, 0, False),
    ],
)
def test_quiet_hours_over_midnight_and_within_a_day(
    minute: int, start: int, end: int, quiet: bool
) -> None:
    assert in_quiet_hours(minute, start, end) is quiet


def test_each_shift_is_prompted_after_it_ends_outside_its_own_quiet_hours() -> None:
    monday = date(2027, 2, 8)
    for shift, expected in (
        (Shift.DAY, datetime(2027, 2, 8, 15, 15)),
        (Shift.EVENING, datetime(2027, 2, 8, 23, 15)),
        (Shift.NIGHT, datetime(2027, 2, 9, 7, 15)),
    ):
        start, end = QUIET_FOR_SHIFT[shift]
        schedule = _schedule(shift=shift, quiet_start=start, quiet_end=end)
        assert slot_local_time(schedule, monday) == expected


def test_a_slot_in_quiet_hours_moves_to_their_end() -> None:
    evening_with_day_quiet = _schedule(shift=Shift.EVENING)  # quiet 22-07
    assert slot_local_time(evening_with_day_quiet, date(2027, 2, 8)) == datetime(2027, 2, 9, 7)
    early = _schedule(mode=PromptMode.TIME, at_minutes=5 * 60)
    assert slot_local_time(early, date(2027, 2, 8)) == datetime(2027, 2, 8, 7)


def test_working_days_pause_and_period_end() -> None:
    friday_evening = datetime(2027, 2, 12, 18, 0, tzinfo=UTC)
    moment, day = next_slot(_schedule(), CPH, PERIOD, friday_evening) or (None, None)
    assert day == date(2027, 2, 15)  # Monday: no weekend shifts by default
    assert moment is not None
    assert _local(moment) == datetime(2027, 2, 15, 15, 15)
    paused = _schedule(paused_until=date(2027, 2, 18))
    assert next_slot(paused, CPH, PERIOD, friday_evening)[1] == date(2027, 2, 18)  # type: ignore[index]
    last_day = datetime(2027, 6, 30, 16, 0, tzinfo=UTC)
    assert next_slot(_schedule(), CPH, PERIOD, last_day) is None
    assert next_slot(_schedule(enabled=False), CPH, PERIOD, friday_evening) is None
    assert next_slot(_schedule(days=0), CPH, PERIOD, friday_evening) is None
    assert next_slot(_schedule(), CPH, None, friday_evening) is None


def test_a_night_shift_started_yesterday_is_still_ahead() -> None:
    night = _schedule(shift=Shift.NIGHT, quiet_start=9 * 60, quiet_end=17 * 60)
    tuesday_early = datetime(2027, 2, 9, 5, 0, tzinfo=UTC)  # 06:00 local
    moment, day = next_slot(night, CPH, PERIOD, tuesday_early) or (None, None)
    assert day == date(2027, 2, 8)
    assert moment is not None
    assert _local(moment) == datetime(2027, 2, 9, 7, 15)


def test_local_time_is_kept_across_daylight_saving() -> None:
    before = datetime(2027, 3, 26, 15, 0, tzinfo=UTC)  # Friday before the change (28 March)
    moment, _day = next_slot(_schedule(), CPH, PERIOD, before) or (None, None)
    assert moment == datetime(2027, 3, 29, 13, 15, tzinfo=UTC)  # 15:15 CEST
    assert _local(moment) == datetime(2027, 3, 29, 15, 15)
    assert _schedule().days == MONDAY_TO_FRIDAY
