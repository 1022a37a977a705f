"""Injectable faults: one-shot failures, blocked chats and random faults at a fixed rate."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .wire import ApiError


@dataclass(frozen=True)
class Fault:
    """A failure the fake answers a request with.

    Build one with the class methods; ``kind`` names it in ``FakeBotApi.injected``.
    """

    kind: str
    status: int = 0
    description: str = ""
    retry_after_s: int | None = None
    hold_s: float = 0.0
    deliver: bool = False

    @classmethod
    def retry_after(cls, seconds: int = 5) -> Fault:
        """429 "Too Many Requests: retry after N" with parameters.retry_after = N."""
        seconds = max(1, int(seconds))
        return cls(
            kind="retry_after",
            status=429,
            description=f"Too Many Requests: retry after {seconds}",
            retry_after_s=seconds,
        )

    @classmethod
    def blocked(cls) -> Fault:
        """403 "Forbidden: bot was blocked by the user"."""
        return cls(
            kind="blocked", status=403, description="Forbidden: bot was blocked by the user"
        )

    @classmethod
    def bad_request(cls, description: str = "Bad Request: injected failure") -> Fault:
        """400 with the given description ("Bad Request: " is prefixed when missing)."""
        if not description.startswith("Bad Request"):
            description = f"Bad Request: {description}"
        return cls(kind="bad_request", status=400, description=description)

    @classmethod
    def server_error(cls, status: int = 502) -> Fault:
        """A 5xx answer (PTB raises NetworkError)."""
        phrases = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
        return cls(kind="server_error", status=status, description=phrases.get(status, "Error"))

    @classmethod
    def timeout(cls, seconds: float = 10.0, deliver: bool = False) -> Fault:
        """Hold the request unanswered for `seconds` so the client times out.

        Args:
            seconds: How long to hold the request.
            deliver: If True the request is then carried out (the message is sent even
                though the client gave up, as happens with Telegram); if False the fake
                answers 504 Gateway Timeout to whoever still listens and does nothing.
        """
        return cls(
            kind="timeout",
            status=504,
            description="Gateway Timeout",
            hold_s=float(seconds),
            deliver=deliver,
        )

    def error(self) -> ApiError:
        """The ApiError this fault answers with."""
        return ApiError(self.status, self.description, self.retry_after_s)


@dataclass
class _Pending:
    method: str
    fault: Fault
    times: int
    chat_id: Any


@dataclass
class FaultPlan:
    """What goes wrong next: queued faults, blocked chats and a random fault rate."""

    pending: list[_Pending] = field(default_factory=list)
    blocked: set[Any] = field(default_factory=set)
    rate: float = 0.0
    rate_faults: list[Fault] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    injected: Counter = field(default_factory=Counter)

    def add(self, method: str, fault: Fault, times: int, chat_id: Any) -> None:
        """Queue a fault for the next `times` calls of `method` (to `chat_id` if given)."""
        self.pending.append(_Pending(method.lower(), fault, times, chat_id))

    def take(self, method: str, chat_id: Any) -> Fault | None:
        """Pop the first queued fault that matches this call, if any."""
        for entry in self.pending:
            if entry.method != method.lower():
                continue
            if entry.chat_id is not None and entry.chat_id != chat_id:
                continue
            entry.times -= 1
            if entry.times <= 0:
                self.pending.remove(entry)
            return entry.fault
        return None

    def roll(self) -> Fault | None:
        """Draw a random fault at the configured rate."""
        if self.rate <= 0 or not self.rate_faults:
            return None
        if self.rng.random() >= self.rate:
            return None
        return self.rng.choice(self.rate_faults)
