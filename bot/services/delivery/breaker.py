"""A circuit breaker for sending: when Telegram is unreachable (network errors, 5xx), stop
sending instead of spending every queued message's retries on an outage.

Closed: sends flow. After `threshold` transient failures in a row it opens: nothing is sent
for a cool-down. Then it is half-open: one probe message goes out; an answer from Telegram
(any answer, even a refusal of that message) closes it, another failure opens it again for
twice as long, up to `longest`."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    """Where the breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Counts transient failures in a row and decides whether a send may start."""

    def __init__(
        self,
        now: Callable[[], float],
        *,
        threshold: int = 3,
        first: float = 1.0,
        longest: float = 60.0,
    ) -> None:
        self._now = now
        self._threshold, self._first, self._longest = threshold, first, longest
        self._failures = 0
        self._cooldown = first
        self._open_until: float | None = None
        self._probing = False
        self.opened = 0  # how many times it opened (from closed)

    @property
    def state(self) -> BreakerState:
        """Return the state now (open turns half-open once the cool-down is over)."""
        if self._open_until is None:
            return BreakerState.CLOSED
        if self._probing or self._now() < self._open_until:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN

    def wait(self) -> float:
        """Return the seconds until a send may start (0 when one may start now)."""
        if self._open_until is None:
            return 0.0
        if self._probing:
            return self._cooldown  # until the probe answers; its outcome decides
        return max(0.0, self._open_until - self._now())

    def try_acquire(self) -> bool:
        """Return whether a send may start now; half-open, the caller's send is the probe."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN:
            self._probing = True
            return True
        return False

    def success(self) -> None:
        """Telegram answered: close."""
        self._failures, self._cooldown = 0, self._first
        self._open_until, self._probing = None, False

    def failure(self) -> None:
        """A send failed for a transient reason: count it, open at the threshold, and after a
        failed probe stay open for twice as long."""
        if self._open_until is None:
            self._failures += 1
            if self._failures >= self._threshold:
                self._open_until = self._now() + self._cooldown
                self.opened += 1
            return
        if self._probing:  # the probe failed: Telegram is still away
            self._probing = False
            self._cooldown = min(self._longest, self._cooldown * 2)
            self._open_until = self._now() + self._cooldown
        # a failure of a send that started before the breaker opened changes nothing
