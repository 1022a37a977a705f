"""What the drivers need to watch the bot run: telemetry, heartbeats and admin alerts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.services.kernel.alerts import AdminAlerts
from bot.services.kernel.clock import SystemClock
from bot.services.kernel.heartbeats import Heartbeats
from bot.services.kernel.telemetry import NullTelemetry, Telemetry

DISPATCHER = "dispatcher"


def tick_heartbeat(job: str) -> str:
    """Return the heartbeat's name of a periodic job."""
    return f"tick:{job}"


@dataclass(slots=True)
class Operations:
    """The bot's own instruments (one per process)."""

    telemetry: Telemetry = field(default_factory=NullTelemetry)
    heartbeats: Heartbeats = field(default_factory=lambda: Heartbeats(SystemClock()))
    alerts: AdminAlerts = field(default_factory=lambda: AdminAlerts(None, SystemClock(), ()))
    outbox_stuck_after: timedelta = timedelta(minutes=30)
