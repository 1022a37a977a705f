"""Webhook mode: updates pushed by the Bot API server, secret checked, repeats dropped."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings, load_settings
from bot.services.identity.domain import Role
from tests.e2e.conftest import make_world
from tests.e2e.flows import enrol
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock

SECRET = "hemmelig_webhook-secret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def webhook_bot(bot_settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    """Run the bot in webhook mode on a free loopback port."""
    port = _free_port()
    values = bot_settings.model_dump() | {
        "telegram_bot_token": bot_settings.token,
        "bot_mode": "webhook",
        "webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
        "webhook_secret": SECRET,
        "web_port": port,
    }
    settings = load_settings(_env_file=None, **values)
    runtime = await start_bot(settings, clock=clock)
    yield runtime
    await stop_bot(runtime)


async def test_updates_arrive_by_webhook(fake_api: FakeBotApi, webhook_bot: Runtime) -> None:
    world = await make_world(webhook_bot)
    user = fake_api.user(6001)
    await enrol(user, world.codes[Role.STUDENT])
    assert fake_api.webhook_deliveries
    assert all(status == 200 for _id, status in fake_api.webhook_deliveries)
    assert webhook_bot.application.updater is None


async def test_wrong_secret_is_refused(webhook_bot: Runtime) -> None:
    settings = webhook_bot.settings
    url = f"http://127.0.0.1:{settings.web_port}{settings.webhook_path}"
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "text": "/help",
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "forkert"}):
            async with http.post(url, json=update, headers=headers) as resp:
                assert resp.status == 403
        async with http.get(f"http://127.0.0.1:{settings.web_port}/healthz") as resp:
            assert resp.status == 200
            checks = (await resp.json())["checks"]
            assert checks["database"] == "ok"
            assert checks["index"] == "ok"


async def test_duplicate_update_is_processed_once(
    fake_api: FakeBotApi, webhook_bot: Runtime
) -> None:
    user = fake_api.user(6002)
    update_id = await user.send("/help")
    await user.next_message()
    await fake_api.redeliver(update_id)
    await user.no_message(within=0.5)
    assert [status for uid, status in fake_api.webhook_deliveries if uid == update_id] == [
        200,
        200,
    ]
