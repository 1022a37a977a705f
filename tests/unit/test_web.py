"""The web app: secret check, duplicate updates dropped, health and metrics endpoints."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.services.kernel.health import HealthService
from bot.services.kernel.heartbeats import Heartbeats
from bot.web.app import SECRET_HEADER, build_web_app
from tests.support import ManualClock


class Probe:
    """A health probe that fails on demand."""

    def __init__(self) -> None:
        self.healthy = True

    async def ping(self) -> None:
        """Raise when unhealthy."""
        if not self.healthy:
            raise ConnectionError("down")


async def _client(probe: Probe, received: list[dict[str, Any]]) -> TestClient:
    async def sink(payload: dict[str, Any]) -> None:
        received.append(payload)

    app = build_web_app(
        HealthService({"database": probe}), webhook_path="/tg", secret="right", sink=sink
    )
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


async def test_wrong_or_missing_secret_is_refused() -> None:
    received: list[dict[str, Any]] = []
    client = await _client(Probe(), received)
    try:
        wrong = await client.post("/tg", json={"update_id": 1}, headers={SECRET_HEADER: "wrong"})
        missing = await client.post("/tg", json={"update_id": 1})
        assert (wrong.status, missing.status) == (403, 403)
        assert received == []
    finally:
        await client.close()


async def test_duplicate_update_ids_are_queued_once() -> None:
    received: list[dict[str, Any]] = []
    client = await _client(Probe(), received)
    try:
        for update_id in (5, 5, 6, 5):
            resp = await client.post(
                "/tg", json={"update_id": update_id}, headers={SECRET_HEADER: "right"}
            )
            assert resp.status == 200
        bad = await client.post("/tg", data=b"not json", headers={SECRET_HEADER: "right"})
        assert bad.status == 400
        assert [p["update_id"] for p in received] == [5, 6]
    finally:
        await client.close()


async def test_health_reports_each_dependency() -> None:
    probe = Probe()
    client = await _client(probe, [])
    try:
        ok = await client.get("/healthz")
        assert ok.status == 200
        body = await ok.json()
        assert (body["status"], body["checks"]) == ("ok", {"database": "ok"})
        probe.healthy = False
        down = await client.get("/healthz")
        assert down.status == 503
        assert (await down.json())["checks"] == {"database": "error"}
    finally:
        await client.close()


class Page:
    """A metrics page."""

    def exposition(self) -> bytes:
        """Return one metric."""
        return b"praktikbot_updates_total 3.0\n"


async def _metrics_client(token: str | None) -> TestClient:
    app = build_web_app(HealthService({"database": Probe()}), metrics=Page(), metrics_token=token)
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


async def test_metrics_are_served_in_prometheus_text_format() -> None:
    client = await _metrics_client(None)
    try:
        resp = await client.get("/metrics")
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert await resp.text() == "praktikbot_updates_total 3.0\n"
    finally:
        await client.close()


async def test_metrics_behind_a_token_refuse_a_missing_or_wrong_one() -> None:
    client = await _metrics_client("s3cret")
    try:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
        assert (missing.status, wrong.status, right.status) == (401, 401, 200)
        assert "praktikbot_updates_total" not in await wrong.text()
    finally:
        await client.close()


async def test_without_a_metrics_page_there_is_no_metrics_route() -> None:
    client = await _client(Probe(), [])
    try:
        assert (await client.get("/metrics")).status == 404
    finally:
        await client.close()


async def test_health_is_200_with_the_index_degraded_and_503_with_a_stale_loop() -> None:
    clock = ManualClock()
    beats = Heartbeats(clock, grace=timedelta(minutes=5))
    beats.expect("dispatcher")
    index = Probe()
    index.healthy = False
    health = HealthService({"database": Probe()}, optional={"index": index}, heartbeats=beats)
    client = TestClient(TestServer(build_web_app(health), host="127.0.0.1"))
    await client.start_server()
    try:
        degraded = await client.get("/healthz")
        body = await degraded.json()
        assert degraded.status == 200
        assert body["status"] == "degraded"
        assert body["checks"] == {"database": "ok", "index": "degraded", "dispatcher": "ok"}
        clock.advance(minutes=6)
        stale = await client.get("/healthz")
        assert stale.status == 503
        assert (await stale.json())["components"]["dispatcher"]["status"] == "stale"
    finally:
        await client.close()
