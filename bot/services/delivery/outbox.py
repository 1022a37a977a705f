"""Types and ports of the durable outbox: every message that is not a direct reply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol


class OutboxStatus(StrEnum):
    """Where a message stands."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # its useful time passed before it could be sent


class MessageKind(StrEnum):
    """What is sent."""

    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message to put in the outbox.

    `payload` holds `text` (HTML), and optionally `choices` with the reader's `language`
    (see `choices.with_choices`) and `file` (a path) with `caption` for photos and documents.
    Rows queued before choices existed may hold `reply_markup`, a ready inline keyboard.
    `dedupe_key` makes enqueueing idempotent: a second message with the same key is not added.
    `about_id` is the person the message is about when it carries their name or words to
    someone else (a student's self-assessment in a supervisor's request): `/slet` scrubs it.
    `useful_until`: after this moment the message is skipped, not sent late (a prompt whose
    slot has closed, a reminder of a conversation that has taken place).
    """

    chat_id: int
    payload: dict[str, Any]
    origin: str
    not_before: datetime
    kind: MessageKind = MessageKind.TEXT
    person_id: int | None = None
    dedupe_key: str | None = None
    about_id: int | None = None
    useful_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed message, ready to send; `attempts` counts this one (claims are counted).

    `failing_since`: when its transient failures (network errors, 5xx) began, if they have;
    retries for those are limited by time, not by attempts.
    """

    id: int
    chat_id: int
    kind: MessageKind
    payload: dict[str, Any]
    origin: str
    attempts: int
    useful_until: datetime | None = None
    failing_since: datetime | None = None


class OutcomeKind(StrEnum):
    """What Telegram said."""

    SENT = "sent"
    RETRY_AFTER = "retry_after"
    BLOCKED = "blocked"
    BAD_REQUEST = "bad_request"
    TRANSIENT = "transient"


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """The result of one send."""

    kind: OutcomeKind
    message_id: int | None = None
    retry_after: float = 0.0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    """How a claimed message ends (or is put back); `attempts`, when given, replaces the count
    taken at claim (an attempt Telegram refused with 429 is given back). `failing_since` is
    recorded only if the message has none yet (the first transient failure)."""

    id: int
    status: OutboxStatus
    not_before: datetime | None = None
    error: str | None = None
    message_id: int | None = None
    at: datetime | None = None
    attempts: int | None = None
    failing_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """Counts per status for one origin (e.g. a broadcast)."""

    origin: str
    counts: dict[OutboxStatus, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return the number of messages."""
        return sum(self.counts.values())

    def count(self, status: OutboxStatus) -> int:
        """Return how many messages have a status."""
        return self.counts.get(status, 0)


class Sender(Protocol):
    """Sends one outbox message to Telegram."""

    async def send(self, item: OutboxItem) -> SendOutcome:
        """Send and report the outcome; never raises for Telegram errors."""
        ...


class OutboxStore(Protocol):
    """Durable storage of outgoing messages."""

    async def enqueue(self, messages: Sequence[OutgoingMessage]) -> int:
        """Add messages (skipping repeated dedupe keys); return how many were added."""
        ...

    async def claim(
        self, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Lease up to `limit` due messages (pending, or sending with an expired lease) and
        count an attempt for each."""
        ...

    async def settle(self, settlements: Sequence[Settlement], worker: str | None = None) -> None:
        """Record how claimed messages ended or when to try them again (only while `worker`
        still holds their lease)."""
        ...

    async def block_chat(self, chat_id: int, now: datetime) -> None:
        """The user blocked the bot: mark them inactive and cancel what waits for them."""
        ...

    async def report(self, origin: str) -> DeliveryReport:
        """Return the counts per status for an origin."""
        ...

    async def cancel(self, origin: str) -> int:
        """Cancel the pending messages of an origin; return how many."""
        ...
