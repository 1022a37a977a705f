"""Blocking and unblocking the bot (my_chat_member), in polling and webhook mode: a person
who blocks is inactive and nothing waits for them; one who unblocks is active again, is
welcomed back, and the outbox reaches them again."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings, load_settings
from bot.retrieval.setup import KnowledgeBase
from bot.services.broadcasts.types import Audience
from bot.services.delivery.outbox import OutgoingMessage
from bot.services.identity.access import Actor
from bot.services.identity.domain import Role
from bot.services.kernel.errors import Invalid
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from tests.e2e.conftest import make_world
from tests.e2e.flows import enrol
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock, eventually


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["polling", "webhook"])
async def running(
    request: pytest.FixtureRequest,
    bot_settings: Settings,
    clock: ManualClock,
    shared_knowledge: KnowledgeBase,
) -> AsyncIterator[Runtime]:
    """The bot in polling or in webhook mode."""
    settings = bot_settings
    if request.param == "webhook":
        port = _free_port()
        values = bot_settings.model_dump() | {
            "telegram_bot_token": bot_settings.token,
            "bot_mode": "webhook",
            "webhook_url": f"http://127.0.0.1:{port}/telegram/hook",
            "webhook_secret": "unblock-secret",
            "web_port": port,
        }
        settings = load_settings(_env_file=None, **values)
    runtime = await start_bot(settings, clock=clock, poll_timeout=1, knowledge=shared_knowledge)
    yield runtime
    await stop_bot(runtime)


async def _active(runtime: Runtime, telegram_id: int) -> bool | None:
    person = await runtime.services.enrolment.person(telegram_id)
    return None if person is None else person.active


async def test_block_then_unblock(
    running: Runtime, fake_api: FakeBotApi, clock: ManualClock
) -> None:
    assert "my_chat_member" in (fake_api._queue.allowed or [])  # asked for in both modes
    world = await make_world(running)
    student = fake_api.user(6101, "Sofie")
    await enrol(student, world.codes[Role.STUDENT])
    student.read_all()
    store = SqlOutboxStore(running.engine)
    later = clock.now() + timedelta(hours=1)
    waiting = OutgoingMessage(student.id, {"text": "Senere"}, "test:later", later)
    assert await store.enqueue([waiting]) == 1

    await student.block_bot()

    async def blocked() -> bool:
        return await _active(running, student.id) is False

    await eventually(blocked)
    cli = Actor.cli()
    broadcasts = running.services.broadcasts
    with pytest.raises(Invalid):  # the only student is unreachable: nobody to send it to
        await broadcasts.create(cli, [world.cohort.id], Audience.STUDENTS, "Mens du var væk")

    await student.unblock_bot()
    await student.expect_text("Velkommen tilbage")
    assert await _active(running, student.id) is True
    back = await broadcasts.create(cli, [world.cohort.id], Audience.STUDENTS, "Godt du er her")
    assert back.recipients == 1
    await student.expect_text("Godt du er her")

    clock.advance(hours=2)  # the message that waited while they were blocked stays cancelled
    async with running.engine.connect() as conn:
        status = (
            await conn.execute(select(OutboxRow.status).where(OutboxRow.origin == "test:later"))
        ).scalar_one()
    assert status == "cancelled"
    texts = [m.text for m in student.messages]
    assert not any("Senere" in t for t in texts)
    assert fake_api.injected["blocked"] == 0  # nothing was even tried while blocked


async def test_strangers_blocking_and_unblocking_store_and_send_nothing(
    running: Runtime, fake_api: FakeBotApi
) -> None:
    stranger = fake_api.user(6102, "Ukendt")
    await stranger.block_bot()
    await stranger.unblock_bot()
    await fake_api.wait_for(lambda: not fake_api.pending_updates)
    await stranger.no_message(within=0.5)
    assert await running.services.enrolment.person(stranger.id) is None


async def test_unblocking_again_welcomes_once(running: Runtime, fake_api: FakeBotApi) -> None:
    world = await make_world(running)
    student = fake_api.user(6103, "Emil")
    await enrol(student, world.codes[Role.STUDENT])
    student.read_all()
    await student.block_bot()
    await student.unblock_bot()
    await student.expect_text("Velkommen tilbage")
    await student.unblock_bot()  # a repeated "member" update: already active
    await student.no_message(within=0.5)
