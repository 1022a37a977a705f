"""Composition of the outbox dispatcher (part of the composition root, like bootstrap):
the SQL store, a plain Bot for sending, and the Dispatcher service, run as a task."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot

from bot.config import Settings
from bot.services.delivery.dispatcher import Dispatcher, Limits
from bot.services.delivery.measured import MeasuredOutboxStore, MeasuredSender
from bot.services.delivery.outbox import OutboxStore, Sender
from bot.services.kernel.clock import SystemClock
from bot.services.kernel.operations import DISPATCHER, Operations
from bot.services.kernel.ports import Clock
from bot.startup import telegram_down, until_up
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.tg.delivery.aiohttp_request import AiohttpRequest
from bot.tg.delivery.sender import TelegramSender

log = logging.getLogger(__name__)


@dataclass(slots=True)
class OutboxRunner:
    """A running dispatcher and what it needs to stop cleanly."""

    dispatcher: Dispatcher
    bot: Bot
    stop_event: asyncio.Event
    task: asyncio.Task[None]
    drain_seconds: float = 60.0

    async def stop(self) -> None:
        """Finish the current batch, record its outcomes, close the HTTP pool."""
        self.stop_event.set()
        try:
            await asyncio.wait_for(self.task, self.drain_seconds)
        except (TimeoutError, asyncio.CancelledError):
            self.task.cancel()  # leases expire and another dispatcher takes over
        finally:
            await self.bot.shutdown()


def limits(settings: Settings) -> Limits:
    """Return the configured sending limits."""
    return Limits(
        overall_per_second=settings.outbox_rate,
        per_chat_interval=settings.outbox_chat_interval,
        group_interval=60.0 / settings.outbox_group_per_minute,
    )


async def start_dispatcher(
    settings: Settings,
    engine: AsyncEngine,
    clock: Clock | None = None,
    operations: Operations | None = None,
) -> OutboxRunner:
    """Start sending the outbox in the background (measured and watched with `operations`)."""
    token = settings.token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    concurrency = 64 if settings.outbox_rate > 100 else 16
    request = AiohttpRequest(pool_size=concurrency, read_timeout=settings.outbox_send_timeout)
    bot = Bot(
        token,
        base_url=f"{settings.telegram_api_base_url}/bot",
        base_file_url=f"{settings.telegram_api_base_url}/file/bot",
        request=request,
    )
    await until_up("Telegram (the outbox's getMe)", bot.initialize, telegram_down)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    store: OutboxStore = SqlOutboxStore(engine)
    sender: Sender = TelegramSender(bot, timeout=settings.outbox_send_timeout, form=request)
    if operations is not None:
        store = MeasuredOutboxStore(store, operations.telemetry, operations.heartbeats)
        sender = MeasuredSender(sender, operations.telemetry)
        operations.heartbeats.expect(DISPATCHER)
    dispatcher = Dispatcher(
        store,
        sender,
        clock or SystemClock(),
        worker=worker,
        limits=limits(settings),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        concurrency=concurrency,
        max_attempts=settings.outbox_max_attempts,
        retry_for=timedelta(hours=settings.outbox_retry_for_hours),
        alive=(lambda: operations.heartbeats.beat(DISPATCHER)) if operations else lambda: None,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop), name="outbox-dispatcher")
    log.info("outbox dispatcher %s started at %.0f msg/s", worker, settings.outbox_rate)
    return OutboxRunner(dispatcher, bot, stop, task, settings.outbox_drain_seconds)
