"""The telemetry port: what the bot counts and times, without knowing how it is exported.

Labels are kinds, never people: an update's kind, an outbox origin's family, a job's name, a
Telegram error code. The Prometheus adapter lives in `bot/observability`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

# Telegram error codes as counted (HTTP-like, and "network" for no answer at all)
TOO_MANY_REQUESTS = "429"
FORBIDDEN = "403"
BAD_REQUEST = "400"
SERVER_ERROR = "5xx"
NETWORK = "network"


class Telemetry(Protocol):
    """Receives the bot's measurements."""

    def update_handled(self, kind: str, seconds: float) -> None:
        """Count one update of a kind and how long it took, from arrival to the last reply."""
        ...

    def handler_failed(self, kind: str) -> None:
        """Count an update of a kind whose handler raised."""
        ...

    def outbox_settled(self, origin: str, status: str) -> None:
        """Count one outbox outcome (sent, failed, blocked, pending again) by origin."""
        ...

    def outbox_backlog(self, queued: Mapping[str, int], lag_seconds: float) -> None:
        """Set the messages waiting by origin and the age of the oldest one that is due."""
        ...

    def tick_finished(self, job: str, seconds: float, ok: bool) -> None:
        """Time one run of a periodic job."""
        ...

    def question_answered(self, outcome: str) -> None:
        """Count a question: "answered", or the reason it was abstained on."""
        ...

    def telegram_error(self, code: str) -> None:
        """Count an error answer from Telegram (or none at all) by code."""
        ...


class NullTelemetry:
    """Measures nothing (tests and tools that run without an exporter)."""

    def update_handled(self, kind: str, seconds: float) -> None:
        """Ignore."""

    def handler_failed(self, kind: str) -> None:
        """Ignore."""

    def outbox_settled(self, origin: str, status: str) -> None:
        """Ignore."""

    def outbox_backlog(self, queued: Mapping[str, int], lag_seconds: float) -> None:
        """Ignore."""

    def tick_finished(self, job: str, seconds: float, ok: bool) -> None:
        """Ignore."""

    def question_answered(self, outcome: str) -> None:
        """Ignore."""

    def telegram_error(self, code: str) -> None:
        """Ignore."""


def origin_family(origin: str) -> str:
    """Return an origin's family ("broadcast:17" -> "broadcast"): bounded label values."""
    return origin.split(":", 1)[0] or "unknown"
