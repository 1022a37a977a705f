"""Measuring decorators of the outbox ports: the dispatcher is not changed to be watched.

`MeasuredOutboxStore` counts how each claimed message was settled, by origin family, and
beats the dispatcher's heartbeat on every claim (the dispatcher claims on every round, also
when there is nothing to send). `MeasuredSender` counts Telegram's errors by code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.services.delivery.outbox import (
    DeliveryReport,
    OutboxItem,
    OutboxStore,
    OutcomeKind,
    OutgoingMessage,
    Sender,
    SendOutcome,
    Settlement,
)
from bot.services.kernel import telemetry as codes
from bot.services.kernel.heartbeats import Heartbeats
from bot.services.kernel.operations import DISPATCHER
from bot.services.kernel.telemetry import Telemetry, origin_family

# Transient errors whose text says no HTTP answer came (PTB's NetworkError also stands for 5xx)
_NO_ANSWER = ("timed out", "aiohttp:", "OSError", "ConnectionError", "ClientConnector")


def error_code(outcome: SendOutcome) -> str | None:
    """Return the Telegram error code an outcome stands for (None: it was sent)."""
    if outcome.kind is OutcomeKind.SENT:
        return None
    if outcome.kind is OutcomeKind.RETRY_AFTER:
        return codes.TOO_MANY_REQUESTS
    if outcome.kind is OutcomeKind.BLOCKED:
        return codes.FORBIDDEN
    if outcome.kind is OutcomeKind.BAD_REQUEST:
        return codes.BAD_REQUEST
    error = outcome.error or ""
    return codes.NETWORK if any(mark in error for mark in _NO_ANSWER) else codes.SERVER_ERROR


class MeasuredSender:
    """A Sender that counts Telegram's error answers by code."""

    def __init__(self, sender: Sender, telemetry: Telemetry) -> None:
        self._sender, self._telemetry = sender, telemetry

    async def send(self, item: OutboxItem) -> SendOutcome:
        """Send through the wrapped sender and count an error answer."""
        outcome = await self._sender.send(item)
        code = error_code(outcome)
        if code is not None:
            self._telemetry.telegram_error(code)
        return outcome


class MeasuredOutboxStore:
    """An OutboxStore that counts settlements by origin and beats the dispatcher heartbeat."""

    def __init__(self, store: OutboxStore, telemetry: Telemetry, heartbeats: Heartbeats) -> None:
        self._store, self._telemetry, self._heartbeats = store, telemetry, heartbeats
        self._origins: dict[int, str] = {}  # claimed id -> origin family, until settled

    async def enqueue(self, messages: Sequence[OutgoingMessage]) -> int:
        """Add messages."""
        return await self._store.enqueue(messages)

    async def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Lease due messages, remember their origins, and note the dispatcher is alive."""
        items = await self._store.claim(worker, now, lease, limit)
        for item in items:
            self._origins[item.id] = origin_family(item.origin)
        if len(self._origins) > 100_000:  # claims never settled here (a lost lease)
            self._origins.clear()
        self._heartbeats.beat(DISPATCHER)
        return items

    async def settle(self, settlements: Sequence[Settlement], worker: str | None = None) -> None:
        """Record outcomes, then count them by origin."""
        await self._store.settle(settlements, worker)
        for settlement in settlements:
            origin = self._origins.pop(settlement.id, "unknown")
            self._telemetry.outbox_settled(origin, settlement.status.value)

    async def block_chat(self, chat_id: int, now: datetime) -> None:
        """Mark a chat that blocked the bot."""
        await self._store.block_chat(chat_id, now)

    async def report(self, origin: str) -> DeliveryReport:
        """Return the counts per status for an origin."""
        return await self._store.report(origin)

    async def cancel(self, origin: str) -> int:
        """Cancel the pending messages of an origin."""
        return await self._store.cancel(origin)
