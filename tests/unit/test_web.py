"""The web app: secret check, duplicate updates dropped, health endpoint."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot.services.kernel.health import HealthService
from bot.web.app import SECRET_HEADER, build_web_app


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
        assert await ok.json() == {"status": "ok", "checks": {"database": "ok"}}
        probe.healthy = False
        down = await client.get("/healthz")
        assert down.status == 503
        assert (await down.json())["checks"] == {"database": "error"}
    finally:
        await client.close()
