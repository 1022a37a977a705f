"""The aiohttp app: webhook with secret check and duplicate filter, health and metrics."""

from __future__ import annotations

import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.services.kernel.health import HealthService
from bot.web.metrics import MetricsPage, metrics_handler

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UpdateSink = Callable[[dict[str, Any]], Awaitable[None]]
HEALTH_KEY = web.AppKey("health", HealthService)


class RecentIds:
    """A bounded set of recently seen update ids (Telegram retries deliveries)."""

    def __init__(self, size: int = 10_000) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        """Return True the first time an id is seen, False for repeats."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


def build_web_app(
    health: HealthService,
    *,
    webhook_path: str | None = None,
    secret: str | None = None,
    sink: UpdateSink | None = None,
    metrics: MetricsPage | None = None,
    metrics_token: str | None = None,
) -> web.Application:
    """Return the web app; the webhook route exists only when a path, secret and sink are
    given, /metrics only with a metrics page (behind a bearer token when one is given)."""
    app = web.Application(client_max_size=1024 * 1024)
    app[HEALTH_KEY] = health
    app.router.add_get("/healthz", _healthz)
    if metrics is not None:
        app.router.add_get("/metrics", metrics_handler(metrics, metrics_token))
    if webhook_path and secret and sink:
        app.router.add_post(webhook_path, _webhook_handler(secret, sink, RecentIds()))
    return app


async def _healthz(request: web.Request) -> web.Response:
    """Report each component; 503 when one is broken or stale (a degraded one, such as the
    search index, the bot works without, so it answers 200)."""
    report = await request.app[HEALTH_KEY].report()
    body = {
        "status": report.status,
        "checks": {name: c["status"] for name, c in report.components.items()},
        "components": report.components,
    }
    return web.json_response(body, status=200 if report.healthy else 503)


def _webhook_handler(
    secret: str, sink: UpdateSink, seen: RecentIds
) -> Callable[[web.Request], Awaitable[web.Response]]:
    expected = secret.encode()

    async def webhook(request: web.Request) -> web.Response:
        """Accept one update from Telegram: check the secret, drop repeats, queue it."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook call with a wrong or missing secret token refused")
            return web.Response(status=403, text="forbidden")
        try:
            payload = await request.json()
            update_id = int(payload["update_id"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            return web.Response(status=400, text="not an update")
        if seen.first_time(update_id):
            await sink(payload)
        else:
            log.info("duplicate update %s dropped", update_id)
        return web.Response(text="ok")

    return webhook
