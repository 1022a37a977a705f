"""Reading a local date and time for a scheduled broadcast."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.services.kernel.local_time import InvalidWhen, WhenProblem, parse_local

NOW = datetime(2027, 2, 3, 8, 0, tzinfo=UTC)
ZONE = "Europe/Copenhagen"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-02-10 08:00", datetime(2027, 2, 10, 7, 0, tzinfo=UTC)),
        ("  2027-2-10   8.00 ", datetime(2027, 2, 10, 7, 0, tzinfo=UTC)),
        ("10.02.2027 kl. 8.00", datetime(2027, 2, 10, 7, 0, tzinfo=UTC)),
        ("10/02/2027 08:00", datetime(2027, 2, 10, 7, 0, tzinfo=UTC)),
        ("2027-06-01 08:00", datetime(2027, 6, 1, 6, 0, tzinfo=UTC)),  # summer time
    ],
)
def test_local_times_are_read_in_the_persons_zone(text: str, expected: datetime) -> None:
    assert parse_local(text, ZONE, NOW) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("i morgen", WhenProblem.FORMAT),
        ("2027-02-30 08:00", WhenProblem.FORMAT),
        ("2027-02-10 25:00", WhenProblem.FORMAT),
        ("2027-02-03 08:59", WhenProblem.PAST),  # 07:59 UTC
        ("2028-02-10 08:00", WhenProblem.TOO_FAR),
    ],
)
def test_unusable_times_say_why(text: str, problem: WhenProblem) -> None:
    with pytest.raises(InvalidWhen) as caught:
        parse_local(text, ZONE, NOW)
    assert caught.value.problem is problem
