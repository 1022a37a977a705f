"""/metrics: the Prometheus text exposition, optionally behind a bearer token."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Protocol

from aiohttp import web

# Prometheus' text format 0.0.4 (what prometheus_client.CONTENT_TYPE_LATEST names)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class MetricsPage(Protocol):
    """Renders every metric in Prometheus' text format."""

    def exposition(self) -> bytes:
        """Return the metrics page."""
        ...


def metrics_handler(
    page: MetricsPage, token: str | None
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Return the /metrics handler; with a token, only `Authorization: Bearer <token>`."""
    expected = f"Bearer {token}".encode() if token else None

    async def metrics(request: web.Request) -> web.Response:
        """Serve the metrics to a scraper."""
        if expected is not None:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                return web.Response(
                    status=401, text="unauthorized", headers={"WWW-Authenticate": "Bearer"}
                )
        body = page.exposition()
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE
        return response

    return metrics
