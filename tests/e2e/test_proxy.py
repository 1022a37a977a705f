"""Behind an egress proxy: replies (PTB's httpx) and the outbox (aiohttp) both honour
HTTP(S)_PROXY, and NO_PROXY takes a host out of it, through a real proxy on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import start_bot, stop_bot
from bot.config import Settings
from bot.retrieval.setup import KnowledgeBase
from bot.services.delivery.outbox import OutgoingMessage
from bot.storage.delivery.outbox import SqlOutboxStore
from tests.fakebotapi import FakeBotApi
from tests.proxy import ForwardProxy
from tests.support import ManualClock

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
PTB = "python-telegram-bot"
AIOHTTP = "aiohttp"
OUTBOX_CHAT = 7_700_001


@pytest.fixture
async def proxy(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[ForwardProxy]:
    """A forwarding proxy on loopback, with every proxy variable cleared first."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    forward = ForwardProxy()
    await forward.start()
    yield forward
    await forward.stop()


async def _reply_and_outbox(
    settings: Settings, clock: ManualClock, knowledge: KnowledgeBase, fake_api: FakeBotApi
) -> None:
    """Start the bot, get one reply and one outbox message delivered, stop it."""
    fake_api.add_chat(OUTBOX_CHAT, chat_type="private")
    runtime = await start_bot(settings, clock=clock, poll_timeout=1, knowledge=knowledge)
    try:
        user = fake_api.user(7_700_002)
        await user.send("/help")
        await user.next_message()
        message = OutgoingMessage(OUTBOX_CHAT, {"text": "Fra udbakken"}, "test:proxy", clock.now())
        assert await SqlOutboxStore(runtime.engine).enqueue([message]) == 1
        await fake_api.wait_for(lambda: bool(fake_api.messages(OUTBOX_CHAT)), timeout=10)
    finally:
        await stop_bot(runtime)


async def test_replies_and_outbox_go_through_the_proxy(
    proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
    bot_settings: Settings,
    clock: ManualClock,
    shared_knowledge: KnowledgeBase,
    fake_api: FakeBotApi,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    await _reply_and_outbox(bot_settings, clock, shared_knowledge, fake_api)
    replies = proxy.methods(PTB)
    assert "getMe" in replies
    assert "getUpdates" in replies
    assert "sendMessage" in replies  # the reply to /help
    outbox = proxy.methods(AIOHTTP)
    assert "sendMessage" in outbox  # the outbox message
    assert all(c.url.startswith(fake_api.base_url) for c in proxy.carried)
    assert [m.text for m in fake_api.messages(OUTBOX_CHAT)] == ["Fra udbakken"]


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost, 127.0.0.1", "*"])
async def test_no_proxy_takes_the_host_out(
    no_proxy: str,
    proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
    bot_settings: Settings,
    clock: ManualClock,
    shared_knowledge: KnowledgeBase,
    fake_api: FakeBotApi,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    await _reply_and_outbox(bot_settings, clock, shared_knowledge, fake_api)
    assert proxy.carried == []
    assert [m.text for m in fake_api.messages(OUTBOX_CHAT)] == ["Fra udbakken"]
