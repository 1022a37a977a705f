"""Outbox helpers shared by the crash tests and the fan-out benchmark: fill an outbox, read
its state, and count what the fake Bot API server received per recipient."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.outbox_types import OutboxStatus, OutgoingMessage
from bot.storage.models import OutboxRow
from bot.storage.outbox import SqlOutboxStore

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
