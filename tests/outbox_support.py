"""Outbox helpers shared by the crash tests and the fan-out benchmark: fill an outbox, read
its state, count what the fake Bot API server received per recipient, and run that server in
a process of its own (so its CPU does not compete with the dispatcher's)."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.delivery.outbox import OutboxStatus, OutgoingMessage
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from tests.fakebotapi import FakeBotApi

UNSETTLED = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the recipients got: messages received, recipients with none, extra copies."""

    received: int
    lost: int
    duplicates: int


def private_chats(count: int, first: int = 5_000_001) -> list[int]:
    """Return `count` distinct private chat ids (positive ids are private chats)."""
    return list(range(first, first + count))


async def fill_outbox(engine: AsyncEngine, chat_ids: Sequence[int], origin: str) -> int:
    """Enqueue one text message per chat, due now; return how many were added."""
    now = datetime.now(UTC)
    messages = [OutgoingMessage(chat, {"text": f"Hej {chat}"}, origin, now) for chat in chat_ids]
    return await SqlOutboxStore(engine).enqueue(messages)


async def status_counts(engine: AsyncEngine) -> dict[str, int]:
    """Return the number of outbox rows per status."""
    query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
    async with engine.connect() as conn:
        return {status: count for status, count in (await conn.execute(query)).all()}


async def sending_chats(engine: AsyncEngine) -> set[int]:
    """Return the chats whose message is leased (status 'sending')."""
    query = select(OutboxRow.chat_id).where(OutboxRow.status == OutboxStatus.SENDING.value)
    async with engine.connect() as conn:
        return set((await conn.execute(query)).scalars())


async def lease_holders(engine: AsyncEngine) -> set[str]:
    """Return the workers that hold a lease right now."""
    query = select(OutboxRow.leased_by).where(OutboxRow.status == OutboxStatus.SENDING.value)
    async with engine.connect() as conn:
        return {worker for worker in (await conn.execute(query)).scalars() if worker}


async def settled(engine: AsyncEngine) -> bool:
    """Tell whether no row is pending or sending any more."""
    counts = await status_counts(engine)
    return not any(counts.get(status, 0) for status in UNSETTLED)


async def wait_settled(engine: AsyncEngine, timeout: float, poll: float = 0.05) -> None:  # noqa: ASYNC109
    """Wait until every row is settled; raise TimeoutError with the counts otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await settled(engine):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(
                f"outbox not settled within {timeout} s: {await status_counts(engine)}"
            )
        await asyncio.sleep(poll)


def delivery(per_chat: Mapping[int, int], chat_ids: Iterable[int]) -> Delivery:
    """Compare messages received per chat with the intended recipients (one each)."""
    counts = [per_chat.get(chat, 0) for chat in chat_ids]
    return Delivery(
        received=sum(counts),
        lost=sum(1 for count in counts if count == 0),
        duplicates=sum(count - 1 for count in counts if count > 1),
    )


def _summary(fake: FakeBotApi, chats: list[int], cpu: float) -> dict[str, Any]:
    """Return what the fake saw, in plain picklable values."""
    flood = sum(1 for v in fake.violations if "flood limit" in v)
    return {
        "per_chat": {chat: len(fake.messages(chat)) for chat in chats},
        "flood": flood,
        "other_violations": len(fake.violations) - flood,
        "count_429": fake.count_429,
        "cpu": cpu,
    }


async def _serve_fake(conn: Any, chats: list[int], enforce_limits: bool) -> None:
    """Serve the fake until told to stop, then send back its summary."""
    fake = FakeBotApi(enforce_limits=enforce_limits)
    await fake.start()
    for chat in chats:
        fake.add_chat(chat, chat_type="private")
    conn.send(fake.base_url)
    cpu = time.process_time()
    await asyncio.to_thread(conn.recv)
    summary = _summary(fake, chats, time.process_time() - cpu)
    await fake.stop()
    conn.send(summary)


def fake_process_main(conn: Any, chats: list[int], enforce_limits: bool) -> None:
    """Entry point of the fake server's own process."""
    asyncio.run(_serve_fake(conn, chats, enforce_limits))


class FakeHost:
    """The fake server, in its own process or on this event loop."""

    def __init__(self, chats: list[int], enforce_limits: bool, own_process: bool) -> None:
        self._chats, self._enforce, self.own_process = chats, enforce_limits, own_process
        self._fake: FakeBotApi | None = None
        self._cpu = 0.0

    async def start(self) -> str:
        """Start the server; return its base URL."""
        if self.own_process:
            ctx = multiprocessing.get_context("spawn")
            self._conn, child = ctx.Pipe()
            self._proc = ctx.Process(
                target=fake_process_main, args=(child, self._chats, self._enforce)
            )
            self._proc.start()
            return await asyncio.to_thread(self._conn.recv)
        self._fake = FakeBotApi(enforce_limits=self._enforce)
        await self._fake.start()
        for chat in self._chats:
            self._fake.add_chat(chat, chat_type="private")
        self._cpu = time.process_time()
        return self._fake.base_url

    async def finish(self) -> dict[str, Any]:
        """Stop the server and return what it saw."""
        if self.own_process:
            self._conn.send("stop")
            summary = await asyncio.to_thread(self._conn.recv)
            await asyncio.to_thread(self._proc.join, 30)
            return summary
        assert self._fake is not None
        summary = _summary(self._fake, self._chats, float("nan"))  # shares our CPU
        await self._fake.stop()
        return summary
