"""Start-up while Telegram or the database is unreachable: the bot waits and retries (one
logged failure, one line when it is back) instead of crash-looping, then runs normally."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.bootstrap import start_bot, stop_bot
from bot.config import Settings, load_settings
from bot.retrieval.setup import KnowledgeBase
from bot.storage.delivery.models import OutboxRow
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock
from tests.tcp_relay import TcpRelay


def _with(settings: Settings, **changes: object) -> Settings:
    values = settings.model_dump() | {"telegram_bot_token": settings.token} | changes
    return load_settings(_env_file=None, **values)


async def test_start_up_waits_for_telegram_then_runs(
    fake_api: FakeBotApi,
    bot_settings: Settings,
    clock: ManualClock,
    shared_knowledge: KnowledgeBase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await fake_api.go_down()  # connections refused: getMe cannot reach Telegram
    caplog.set_level(logging.INFO, "bot")
    starting = asyncio.create_task(
        start_bot(bot_settings, clock=clock, poll_timeout=1, knowledge=shared_knowledge)
    )
    await asyncio.sleep(1.5)
    assert not starting.done()  # still waiting, not crashed
    await fake_api.come_up()
    runtime = await asyncio.wait_for(starting, 20)
    try:
        anna = fake_api.user(4242)
        await anna.send("/start")
        await anna.next_message()  # it answers as usual
    finally:
        await stop_bot(runtime)
    waits = [r for r in caplog.records if r.name == "bot.startup"]
    assert len(waits) == 2  # one failure with its traceback, one line when it is back
    assert waits[0].getMessage() == "reaching Telegram (getMe) at start-up failed"
    assert waits[0].exc_info is not None
    assert waits[1].getMessage().startswith("reaching Telegram (getMe) at start-up works again")


async def test_start_up_waits_for_the_database_then_migrates_and_runs(
    fake_api: FakeBotApi,
    bot_settings: Settings,
    clock: ManualClock,
    shared_knowledge: KnowledgeBase,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = make_url(bot_settings.resolved_database_url)
    relay: TcpRelay | None = None
    if url.get_backend_name() == "sqlite":
        # The database's volume is not mounted yet: a file stands where its folder goes.
        mount = tmp_path / "volume"
        mount.write_text("not mounted")
        database_url = f"sqlite+aiosqlite:///{mount / 'bot.db'}"
    else:  # the PostgreSQL server cannot be reached: nothing listens on its port yet
        relay = TcpRelay(url.host or "127.0.0.1", url.port or 5432)
        database_url = url.set(host="127.0.0.1", port=relay.port).render_as_string(False)
    settings = _with(bot_settings, database_url=database_url)
    caplog.set_level(logging.INFO, "bot")
    starting = asyncio.create_task(
        start_bot(settings, clock=clock, poll_timeout=1, knowledge=shared_knowledge)
    )
    await asyncio.sleep(1.5)
    assert not starting.done()
    if relay is None:
        mount.unlink()
    else:
        await relay.switch_on()
    try:
        runtime = await asyncio.wait_for(starting, 20)
        try:
            async with runtime.engine.connect() as conn:  # migrated on the database it waited for
                count = (await conn.execute(select(func.count()).select_from(OutboxRow))).one()
            assert count == (0,)
            anna = fake_api.user(4243)
            await anna.send("/start")
            await anna.next_message()
        finally:
            await stop_bot(runtime)
    finally:
        if relay is not None:
            await relay.switch_off()
    waits = [r.getMessage() for r in caplog.records if r.name == "bot.startup"]
    assert len(waits) == 2
    assert waits[0] == "reaching the database at start-up failed"
    assert waits[1].startswith("reaching the database at start-up works again after")
