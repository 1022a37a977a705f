"""Health of the backing services, for /healthz."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from bot.services.kernel.ports import HealthProbe

log = logging.getLogger(__name__)


class HealthService:
    """Pings every probe with a timeout and reports each one's state."""

    def __init__(self, probes: Mapping[str, HealthProbe], timeout: float = 3.0) -> None:
        self._probes = dict(probes)
        self._timeout = timeout

    async def check(self) -> dict[str, str]:
        """Return {"name": "ok" | "error"} for each probe."""
        results: dict[str, str] = {}
        for name, probe in self._probes.items():
            try:
                await asyncio.wait_for(probe.ping(), self._timeout)
            except Exception as exc:  # a failing dependency must not break the endpoint
                log.warning("health probe %s failed: %s", name, type(exc).__name__)
                results[name] = "error"
            else:
                results[name] = "ok"
        return results
