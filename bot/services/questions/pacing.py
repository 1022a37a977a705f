"""How many questions one person may ask: a token bucket each, stricter before enrolment.

Every question costs an embedding and a search (and with an LLM, a paid call), so a person
gets `burst` questions at once and then `per_hour` an hour. People who have not enrolled
(anyone on Telegram can write to the bot) get a smaller bucket. When the bucket is empty the
question is not answered; the first one turned away in a row gets one kind reply
(`TooManyQuestions.first`), the rest get none, so a flood costs no messages either.

The buckets are in memory, per bot process: a restart forgets them (everyone starts with a
full bucket), and with several bot processes each counts on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.kernel.errors import ServiceError

MAX_TRACKED = 50_000


@dataclass(frozen=True, slots=True)
class PacingConfig:
    """Questions per person: a burst, then a rate; stricter for people not enrolled."""

    burst: int = 5
    per_hour: float = 60.0
    anonymous_burst: int = 3
    anonymous_per_hour: float = 10.0


class TooManyQuestions(ServiceError):
    """The asker's bucket is empty; `first`: the first question turned away in a row."""

    def __init__(self, retry_after: timedelta, first: bool) -> None:
        super().__init__("too many questions")
        self.retry_after = retry_after
        self.first = first

    @property
    def minutes(self) -> int:
        """Return the wait in whole minutes (at least 1)."""
        return max(1, math.ceil(self.retry_after.total_seconds() / 60))


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: datetime
    turned_away: bool = False


class QuestionPacer:
    """One token bucket per Telegram user."""

    def __init__(self, config: PacingConfig) -> None:
        self._config = config
        self._buckets: dict[tuple[int, bool], _Bucket] = {}

    def take(self, telegram_id: int, enrolled: bool, now: datetime) -> None:
        """Take one question from the asker's bucket; raise TooManyQuestions when empty."""
        burst, rate = self._limits(enrolled)
        key = (telegram_id, enrolled)
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(burst), now)
        bucket.tokens = self._refilled(bucket, now, burst, rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.turned_away = False
            return
        first = not bucket.turned_away
        bucket.turned_away = True
        wait = (1.0 - bucket.tokens) / rate
        raise TooManyQuestions(timedelta(seconds=wait), first)

    def _limits(self, enrolled: bool) -> tuple[int, float]:
        """Return (burst, tokens per second) for an enrolled or anonymous asker."""
        c = self._config
        if enrolled:
            return c.burst, c.per_hour / 3600
        return c.anonymous_burst, c.anonymous_per_hour / 3600

    @staticmethod
    def _refilled(bucket: _Bucket, now: datetime, burst: int, rate: float) -> float:
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        return min(float(burst), bucket.tokens + elapsed * rate)

    def _forget_full(self, now: datetime) -> None:
        """Drop buckets that have filled up again, so memory stays bounded."""
        if len(self._buckets) <= MAX_TRACKED:
            return
        keep = {}
        for (telegram_id, enrolled), bucket in self._buckets.items():
            burst, rate = self._limits(enrolled)
            if self._refilled(bucket, now, burst, rate) < burst:
                keep[(telegram_id, enrolled)] = bucket
        self._buckets = keep
