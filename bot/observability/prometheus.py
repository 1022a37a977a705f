"""The Telemetry port in Prometheus metrics (prometheus-client), one registry per bot.

Labels are kinds only (update kind, outbox origin family, job, error code), never a person.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TICK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)


class PrometheusTelemetry:
    """Implements the Telemetry port with counters, gauges and histograms."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "praktikbot_updates", "Updates processed, by kind.", ["kind"], registry=r
        )
        self.update_seconds = Histogram(
            "praktikbot_update_seconds",
            "Time from an update's arrival to the end of its handling, by kind.",
            ["kind"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.handler_errors = Counter(
            "praktikbot_handler_errors",
            "Updates whose handler raised, by kind.",
            ["kind"],
            registry=r,
        )
        self.outbox = Counter(
            "praktikbot_outbox_settled",
            "Outbox outcomes (sent, failed, blocked, pending: tried again later) by origin.",
            ["origin", "status"],
            registry=r,
        )
        self.outbox_waiting = Gauge(
            "praktikbot_outbox_waiting",
            "Outbox messages pending or being sent, by origin.",
            ["origin"],
            registry=r,
        )
        self._waiting_origins: set[str] = set()
        self.outbox_lag = Gauge(
            "praktikbot_outbox_lag_seconds",
            "How long the oldest due outbox message has waited.",
            registry=r,
        )
        self.tick_seconds = Histogram(
            "praktikbot_tick_seconds",
            "Duration of each periodic job's run, by job and result.",
            ["job", "result"],
            buckets=TICK_BUCKETS,
            registry=r,
        )
        self.questions = Counter(
            "praktikbot_questions",
            "Questions answered, or abstained on (by reason).",
            ["outcome"],
            registry=r,
        )
        self.telegram_errors = Counter(
            "praktikbot_telegram_errors",
            "Error answers from Telegram (429, 403, 400, 5xx) and calls without one (network).",
            ["code"],
            registry=r,
        )

    def update_handled(self, kind: str, seconds: float) -> None:
        """Count and time one update."""
        self.updates.labels(kind).inc()
        self.update_seconds.labels(kind).observe(seconds)

    def handler_failed(self, kind: str) -> None:
        """Count a handler error."""
        self.handler_errors.labels(kind).inc()

    def outbox_settled(self, origin: str, status: str) -> None:
        """Count an outbox outcome."""
        self.outbox.labels(origin, status).inc()

    def outbox_backlog(self, queued: Mapping[str, int], lag_seconds: float) -> None:
        """Set the backlog gauges (origins no longer waiting drop to zero)."""
        for origin in self._waiting_origins - set(queued):
            self.outbox_waiting.labels(origin).set(0)
        self._waiting_origins |= set(queued)
        for origin, count in queued.items():
            self.outbox_waiting.labels(origin).set(count)
        self.outbox_lag.set(lag_seconds)

    def tick_finished(self, job: str, seconds: float, ok: bool) -> None:
        """Time a job's run."""
        self.tick_seconds.labels(job, "ok" if ok else "error").observe(seconds)

    def question_answered(self, outcome: str) -> None:
        """Count a question's outcome."""
        self.questions.labels(outcome).inc()

    def telegram_error(self, code: str) -> None:
        """Count a Telegram error."""
        self.telegram_errors.labels(code).inc()

    def exposition(self) -> bytes:
        """Return every metric in Prometheus' text format."""
        return generate_latest(self.registry)
