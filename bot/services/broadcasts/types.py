"""Broadcasts: a coordinator's message to the people of one or more cohorts, and its port."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.services.delivery.outbox import DeliveryReport, MessageKind, OutboxStatus
from bot.services.identity.awaiting import Awaiting, AwaitKind
from bot.services.identity.domain import Cohort, Role

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_TAG = re.compile(r"<[^>]*>")


class Audience(StrEnum):
    """Who in the chosen cohorts receives a broadcast."""

    STUDENTS = "students"
    SUPERVISORS = "supervisors"
    BOTH = "both"

    def roles(self) -> tuple[Role, ...]:
        """Return the roles this audience reaches."""
        if self is Audience.STUDENTS:
            return (Role.STUDENT,)
        if self is Audience.SUPERVISORS:
            return (Role.SUPERVISOR,)
        return (Role.STUDENT, Role.SUPERVISOR)


class BroadcastStatus(StrEnum):
    """Where a broadcast stands."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Step(StrEnum):
    """What the bot waits for from the author of a draft (kept in person.awaiting)."""

    TEXT = "text"
    FILE = "file"
    WHEN = "when"


STEP_KINDS = {
    Step.TEXT: AwaitKind.BROADCAST_TEXT,
    Step.FILE: AwaitKind.BROADCAST_FILE,
    Step.WHEN: AwaitKind.BROADCAST_WHEN,
}
STEP_OF = {kind: step for step, kind in STEP_KINDS.items()}


@dataclass(frozen=True, slots=True)
class Broadcast:
    """A broadcast; `text` is HTML exactly as the recipients see it.

    `reported` holds the counts the confirmation message shows now, so it is edited only
    when they change.
    """

    id: int
    status: BroadcastStatus
    cohort_ids: tuple[int, ...]
    created_by: int | None
    created_at: datetime
    audience: Audience | None = None
    text: str | None = None
    file_path: str | None = None
    file_kind: MessageKind | None = None
    send_at: datetime | None = None
    confirm_chat_id: int | None = None
    confirm_message_id: int | None = None
    recipients: int | None = None
    reported: dict[str, int] | None = None

    @property
    def origin(self) -> str:
        """Return the outbox origin of this broadcast's messages."""
        return f"broadcast:{self.id}"


@dataclass(frozen=True, slots=True)
class Draft:
    """A draft with the cohorts its author may choose from."""

    broadcast: Broadcast
    cohorts: tuple[Cohort, ...]


@dataclass(frozen=True, slots=True)
class Preview:
    """What a confirmed broadcast will send, and to how many people."""

    broadcast: Broadcast
    kind: MessageKind
    payload: dict[str, Any]
    recipients: int
    cohorts: tuple[Cohort, ...]


@dataclass(frozen=True, slots=True)
class Confirmed:
    """A broadcast put in the outbox; `already` when an earlier tap confirmed it."""

    broadcast: Broadcast
    recipients: int
    already: bool = False


@dataclass(frozen=True, slots=True)
class Progress:
    """A broadcast whose confirmation message should show new counts."""

    broadcast: Broadcast
    report: DeliveryReport
    language: str
    done: bool


def counts(report: DeliveryReport) -> dict[str, int]:
    """Return a report's counts as plain JSON-ready data (pending includes in flight)."""
    pending = report.count(OutboxStatus.PENDING) + report.count(OutboxStatus.SENDING)
    return {
        "sent": report.count(OutboxStatus.SENT),
        "failed": report.count(OutboxStatus.FAILED),
        "blocked": report.count(OutboxStatus.BLOCKED),
        "cancelled": report.count(OutboxStatus.CANCELLED),
        "pending": pending,
    }


def waiting(recipients: int) -> dict[str, int]:
    """Return the counts of a broadcast that was just confirmed (everything still waiting)."""
    return {"sent": 0, "failed": 0, "blocked": 0, "cancelled": 0, "pending": recipients}


def visible_text(markup: str) -> str:
    """Return what an HTML text looks like on screen (tags removed, entities decoded)."""
    return html.unescape(_TAG.sub("", markup))


def outgoing(broadcast: Broadcast) -> tuple[MessageKind, dict[str, Any]]:
    """Return the kind and outbox payload every recipient (and the preview) gets."""
    text = broadcast.text or ""
    if broadcast.file_path and broadcast.file_kind:
        return broadcast.file_kind, {"text": text, "file": broadcast.file_path, "caption": text}
    return MessageKind.TEXT, {"text": text}


def awaiting(step: Step, broadcast_id: int) -> str:
    """Return the person.awaiting value for a step of a draft."""
    return Awaiting(STEP_KINDS[step], broadcast_id).format()


def awaited_step(value: str | None) -> tuple[Step, int] | None:
    """Return the draft step a person.awaiting value stands for, if any."""
    parsed = Awaiting.parse(value)
    if parsed is None or parsed.kind not in STEP_OF:
        return None
    return STEP_OF[parsed.kind], parsed.target_id


class BroadcastRepo(Protocol):
    """Broadcasts and their drafts."""

    async def add(
        self, created_by: int | None, cohort_ids: Sequence[int], now: datetime
    ) -> Broadcast:
        """Create a draft."""
        ...

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """Return a broadcast by id."""
        ...

    async def update(self, broadcast_id: int, **fields: object) -> Broadcast:
        """Change fields (status, cohort_ids, audience, text, file_path, file_kind, send_at,
        confirm_chat_id, confirm_message_id, recipients, reported)."""
        ...

    async def transition(
        self,
        broadcast_id: int,
        from_statuses: Sequence[BroadcastStatus],
        to: BroadcastStatus,
        **fields: object,
    ) -> bool:
        """Change the status (and fields) only while it is one of `from_statuses`; return
        whether it changed, so only one of two racing callers wins."""
        ...

    async def with_status(
        self, statuses: Sequence[BroadcastStatus], created_by: int | None = None
    ) -> Sequence[Broadcast]:
        """Return broadcasts in these statuses (of one author, if given), oldest first."""
        ...
