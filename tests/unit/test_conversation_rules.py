"""Issue #6 point 4 and 5: the date rules of placement conversations and of the digest week."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services.conversations.rules import (
    conversation_dates,
    followup_at,
    postponed,
    reminder_at,
)
from bot.services.conversations.types import Kind
from bot.services.digest.service import digest_week

CPH = "Europe/Copenhagen"
BEFORE = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)  # long before every date below


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_dates_from_a_placement_period() -> None:
    dates = conversation_dates(date(2027, 3, 1), date(2027, 4, 30))
    assert dates == {
        Kind.EXPECTATION: date(2027, 3, 4),  # start (Monday) + 3: Thursday of the first week
        Kind.MIDWAY: date(2027, 3, 31),  # the middle day
        Kind.FINAL: date(2027, 4, 27),  # end - 3: Tuesday of the last week
    }


def test_weekend_dates_move_to_a_weekday_and_the_final_one_stays_before_the_end() -> None:
    # Starts on a Wednesday: + 3 is a Saturday, back to Friday.
    assert conversation_dates(date(2027, 3, 3), date(2027, 5, 3))[Kind.EXPECTATION] == date(
        2027, 3, 5
    )
    # Ends on a Wednesday: - 3 is a Sunday; the final evaluation moves back to Friday.
    assert conversation_dates(date(2027, 3, 1), date(2027, 5, 5))[Kind.FINAL] == date(2027, 4, 30)
    # A middle day on a Sunday moves forward to Monday.
    dates = conversation_dates(date(2027, 3, 1), date(2027, 3, 13))
    assert date(2027, 3, 7).weekday() == 6
    assert dates[Kind.MIDWAY] == date(2027, 3, 8)
    for day in dates.values():
        assert day.weekday() < 5


def test_a_very_short_placement_keeps_every_date_inside_the_period() -> None:
    start, end = date(2027, 3, 1), date(2027, 3, 3)
    dates = conversation_dates(start, end)
    assert all(start <= day <= end for day in dates.values())
    assert dates[Kind.EXPECTATION] == end
    assert dates[Kind.FINAL] == start


def test_reminder_two_days_before_at_nine_local_on_a_weekday() -> None:
    # Thursday 4 March: Tuesday 2 March at 09:00 in Copenhagen (CET, UTC+1).
    assert reminder_at(date(2027, 3, 4), 2, CPH, None, BEFORE) == _utc(2027, 3, 2, 8)
    # Monday 8 March: two days before is a Saturday, so Friday 5 March.
    assert reminder_at(date(2027, 3, 8), 2, CPH, None, BEFORE) == _utc(2027, 3, 5, 8)
    # After the switch to summer time 09:00 is 07:00 UTC.
    assert reminder_at(date(2027, 4, 1), 2, CPH, None, BEFORE) == _utc(2027, 3, 30, 7)


def test_reminder_respects_quiet_hours_and_comes_at_once_when_made_late() -> None:
    quiet_until_ten = (22 * 60, 10 * 60)
    assert reminder_at(date(2027, 3, 4), 2, CPH, quiet_until_ten, BEFORE) == _utc(2027, 3, 2, 9)
    # Made on Wednesday 3 March at 12:00 local: the moment has passed, the conversation has
    # not, so the reminder goes now ...
    noon = _utc(2027, 3, 3, 11)
    assert reminder_at(date(2027, 3, 4), 2, CPH, None, noon) == noon
    # ... but never in the night: at 23:30 it waits for 07:00.
    late = _utc(2027, 3, 3, 22, 30)
    assert reminder_at(date(2027, 3, 4), 2, CPH, None, late) == _utc(2027, 3, 4, 6)
    # On the day itself after 09:00, or later, there is no reminder at all.
    assert reminder_at(date(2027, 3, 4), 2, CPH, None, _utc(2027, 3, 4, 9)) is None


def test_question_about_the_plan_on_the_next_weekday_at_two() -> None:
    assert followup_at(date(2027, 3, 4), CPH, None, BEFORE) == _utc(2027, 3, 5, 13)
    # After a Friday conversation: Monday.
    assert followup_at(date(2027, 3, 5), CPH, None, BEFORE) == _utc(2027, 3, 8, 13)
    # Within two days late it is still asked; later it is not.
    assert followup_at(date(2027, 3, 4), CPH, None, _utc(2027, 3, 7, 12)) == _utc(2027, 3, 5, 13)
    assert followup_at(date(2027, 3, 4), CPH, None, _utc(2027, 3, 7, 14)) is None


def test_not_held_yet_asks_again_three_days_later() -> None:
    friday_afternoon = _utc(2027, 3, 5, 14, 10)
    assert postponed(friday_afternoon, CPH, None) == _utc(2027, 3, 8, 13)


def test_digest_week_is_due_from_the_weekday_and_hour_in_the_zone() -> None:
    monday = date(2027, 3, 8)
    assert digest_week(_utc(2027, 3, 8, 6, 59), CPH, 0, 8) is None  # 07:59 local
    week = digest_week(_utc(2027, 3, 8, 7), CPH, 0, 8)
    assert week is not None
    assert (week.week_start, week.first, week.last) == (
        monday,
        date(2027, 3, 1),
        date(2027, 3, 14),
    )
    sunday = digest_week(_utc(2027, 3, 14, 20), CPH, 0, 8)
    assert sunday is not None
    assert sunday.week_start == monday
    # A Thursday digest is not due on Tuesday.
    assert digest_week(_utc(2027, 3, 9, 12), CPH, 3, 8) is None
