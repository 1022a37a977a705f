"""Health of the backing services and of the bot's own loops, for /healthz."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.services.kernel.heartbeats import Heartbeats
from bot.services.kernel.ports import HealthProbe

log = logging.getLogger(__name__)
OK, ERROR, DEGRADED, STALE = "ok", "error", "degraded", "stale"


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Each component's state; `healthy` is False when one is broken or stale (a component
    the bot works without, such as the search index, is only `degraded`)."""

    components: dict[str, dict[str, Any]]

    @property
    def healthy(self) -> bool:
        """Whether no component is broken or stale."""
        return all(c["status"] in (OK, DEGRADED) for c in self.components.values())

    @property
    def status(self) -> str:
        """ok, degraded (works, with less) or unhealthy."""
        if not self.healthy:
            return "unhealthy"
        states = {c["status"] for c in self.components.values()}
        return DEGRADED if DEGRADED in states else OK


class HealthService:
    """Pings every probe with a timeout and reads the heartbeats.

    `probes` are needed (a failure makes the bot unhealthy), `optional` ones are not (a
    failure only degrades it).
    """

    def __init__(
        self,
        probes: Mapping[str, HealthProbe],
        timeout: float = 3.0,
        *,
        optional: Mapping[str, HealthProbe] | None = None,
        heartbeats: Heartbeats | None = None,
    ) -> None:
        self._probes = dict(probes)
        self._optional = dict(optional or {})
        self._heartbeats = heartbeats
        self._timeout = timeout

    async def check(self) -> dict[str, str]:
        """Return {"name": "ok" | "error"} for each probe."""
        return {name: await self._ping(name, probe) for name, probe in self._probes.items()}

    async def report(self) -> HealthReport:
        """Return every component's state: probes, optional probes and heartbeats."""
        components: dict[str, dict[str, Any]] = {}
        for name, probe in self._probes.items():
            components[name] = {"status": await self._ping(name, probe)}
        for name, probe in self._optional.items():
            state = await self._ping(name, probe)
            components[name] = {"status": DEGRADED if state == ERROR else OK}
        if self._heartbeats is not None:
            for name, beat in self._heartbeats.states().items():
                components[name] = {
                    "status": STALE if beat.stale else OK,
                    "last": beat.last.isoformat(),
                    "age_seconds": round(beat.age_seconds, 1),
                }
        return HealthReport(components)

    async def _ping(self, name: str, probe: HealthProbe) -> str:
        try:
            await asyncio.wait_for(probe.ping(), self._timeout)
        except Exception as exc:  # a failing dependency must not break the endpoint
            log.warning("health probe %s failed: %s", name, type(exc).__name__)
            return ERROR
        return OK
