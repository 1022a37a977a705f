"""Observability over the fake Bot API: /metrics counts updates and outbox sends, /healthz
turns 503 when a heartbeat goes stale on the test clock, and admins get one alert for
repeated handler errors, without the message text."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings, load_settings
from bot.retrieval.setup import KnowledgeBase
from bot.services.delivery.outbox import OutgoingMessage
from bot.storage.delivery.outbox import SqlOutboxStore
from tests.e2e.conftest import ADMIN_ID
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock, eventually

TOKEN = "scrape-me"
SECRET_TEXT = "Min hemmelige tekst om Jens 4242"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def watched_bot(
    bot_settings: Settings, clock: ManualClock, shared_knowledge: KnowledgeBase
) -> AsyncIterator[Runtime]:
    """Run the bot (polling) with its web server on a free port and a metrics token."""
    values = bot_settings.model_dump() | {
        "telegram_bot_token": bot_settings.token,
        "web_port": _free_port(),
        "metrics_token": TOKEN,
    }
    settings = load_settings(_env_file=None, **values)
    runtime = await start_bot(settings, clock=clock, poll_timeout=1, knowledge=shared_knowledge)
    yield runtime
    await stop_bot(runtime)


def _base(runtime: Runtime) -> str:
    return f"http://127.0.0.1:{runtime.settings.web_port}"


async def _scrape(runtime: Runtime) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{_base(runtime)}/metrics", headers=headers) as resp,
    ):
        assert resp.status == 200
        body = await resp.text()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def _value(
    got: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return got.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_count_updates_and_outbox_sends(
    fake_api: FakeBotApi, watched_bot: Runtime, clock: ManualClock
) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{_base(watched_bot)}/metrics") as resp:
        assert resp.status == 401  # the token is required
    user = fake_api.user(7101)
    for _ in range(2):
        await user.send("/help")
        await user.next_message()
    store = SqlOutboxStore(watched_bot.engine)
    message = OutgoingMessage(user.chat_id, {"text": "Hej fra udbakken"}, "test:1", clock.now())
    assert await store.enqueue([message]) == 1
    assert (await user.next_message()).text == "Hej fra udbakken"

    async def settled() -> bool:
        got = await _scrape(watched_bot)
        return _value(got, "praktikbot_outbox_settled_total", origin="test", status="sent") == 1

    await eventually(settled)
    got = await _scrape(watched_bot)
    assert _value(got, "praktikbot_updates_total", kind="command") >= 2
    assert _value(got, "praktikbot_update_seconds_count", kind="command") >= 2
    assert ("praktikbot_outbox_lag_seconds", frozenset()) in got
    assert not any("7101" in value for _name, labels in got for _key, value in labels)


async def test_health_is_200_then_503_when_a_heartbeat_is_stale(
    watched_bot: Runtime, clock: ManualClock
) -> None:
    url = f"{_base(watched_bot)}/healthz"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as resp:
            body = await resp.json()
            assert resp.status == 200
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["index"] == "ok"
        assert body["checks"]["dispatcher"] == "ok"
        assert body["checks"]["tick:reflection-prompts"] == "ok"
        clock.advance(hours=2)
        async with http.get(url) as resp:
            stale = await resp.json()
            assert resp.status == 503
    assert stale["status"] == "unhealthy"
    assert stale["components"]["tick:retention"]["status"] == "stale"
    assert stale["components"]["tick:retention"]["age_seconds"] >= 7200


async def test_repeated_handler_errors_bring_one_alert_without_the_text(
    fake_api: FakeBotApi, watched_bot: Runtime
) -> None:
    admin = fake_api.user(ADMIN_ID)  # the admin has a chat with the bot
    await admin.send("/help")
    await admin.next_message()
    async with watched_bot.engine.begin() as conn:  # the people table is gone: handlers fail
        await conn.execute(text("ALTER TABLE person RENAME TO person_away"))
    try:
        user = fake_api.user(7102)
        for _ in range(3):
            await user.send(SECRET_TEXT)

        async def three_failed() -> bool:
            got = await _scrape(watched_bot)
            return _value(got, "praktikbot_handler_errors_total", kind="text") == 3

        await eventually(three_failed, timeout=10)

        def update_alerts() -> list[str]:
            return [m.text for m in fake_api.messages(ADMIN_ID) if "opdatering" in m.text]

        async def alerted() -> bool:
            return bool(update_alerts())

        await eventually(alerted)
    finally:
        async with watched_bot.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE person_away RENAME TO person"))
    alerts = update_alerts()
    assert len(alerts) == 1
    assert "text-opdatering" in alerts[0]
    assert "Error" in alerts[0]  # the error's type
    for word in ("hemmelige", "Jens", "4242", "7102"):
        assert word not in alerts[0]
