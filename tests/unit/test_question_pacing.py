"""Questions per person: a token bucket each, stricter before enrolment (the service's use
of it and the anonymous cap: test_questions.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services.questions.pacing import PacingConfig, QuestionPacer, TooManyQuestions
from tests.support import ManualClock

CONFIG = PacingConfig(burst=5, per_hour=60, anonymous_burst=3, anonymous_per_hour=10)


def take(pacer: QuestionPacer, clock: ManualClock, who: int, enrolled: bool) -> bool | None:
    """Take one question; return None when allowed, else whether it was the first refused."""
    try:
        pacer.take(who, enrolled, clock.now())
    except TooManyQuestions as limited:
        return limited.first
    return None


def test_an_enrolled_asker_gets_the_burst_then_one_a_minute(clock: ManualClock) -> None:
    pacer = QuestionPacer(CONFIG)
    assert [take(pacer, clock, 1, True) for _ in range(5)] == [None] * 5
    assert [take(pacer, clock, 1, True) for _ in range(3)] == [True, False, False]
    clock.advance(seconds=59)
    assert take(pacer, clock, 1, True) is False
    clock.advance(seconds=1)
    assert take(pacer, clock, 1, True) is None  # 60 an hour: one more after a minute
    assert take(pacer, clock, 1, True) is True  # a new run of refusals: told again
    clock.advance(hours=2)
    assert [take(pacer, clock, 1, True) for _ in range(6)] == [None] * 5 + [True]


def test_someone_not_enrolled_gets_a_smaller_bucket(clock: ManualClock) -> None:
    pacer = QuestionPacer(CONFIG)
    assert [take(pacer, clock, 2, False) for _ in range(4)] == [None, None, None, True]
    clock.advance(minutes=5)
    assert take(pacer, clock, 2, False) is False  # 10 an hour: one per 6 minutes
    clock.advance(minutes=1)
    assert take(pacer, clock, 2, False) is None
    assert take(pacer, clock, 3, False) is None  # buckets are per person


def test_the_wait_is_told_in_whole_minutes(clock: ManualClock) -> None:
    pacer = QuestionPacer(CONFIG)
    for _ in range(3):
        pacer.take(4, False, clock.now())
    with pytest.raises(TooManyQuestions) as limited:
        pacer.take(4, False, clock.now())
    assert limited.value.retry_after == timedelta(minutes=6)
    assert limited.value.minutes == 6
