"""What the export reads beyond the domains' own repositories: the records that point at a
person from other people's features (feedback they wrote, replies, links, what they made)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from bot.services.feedback.types import FeedbackRequest


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A supervision link the person is part of: the other person, in which cohort, since."""

    cohort: str
    supervisor: str
    student: str
    since: datetime | None


@dataclass(frozen=True, slots=True)
class WrittenFeedback:
    """A feedback request addressed to the person as supervisor, with the student's name."""

    student: str
    request: FeedbackRequest


@dataclass(frozen=True, slots=True)
class WrittenReply:
    """A coordinator's reply to a question (the asker is never named)."""

    question: str
    reply: str
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Authored:
    """Something the person made for others: a broadcast, an invite, a FAQ entry, an upload.

    `kind` is one of "broadcast", "invite", "faq", "upload"; `text` what it says (the
    broadcast's text, the invite's role and cohort, the FAQ's question and answer, the file's
    name).
    """

    kind: str
    at: datetime
    text: str
    status: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A privileged action about the person (who did it is an operator's concern)."""

    at: datetime
    action: str


@dataclass(frozen=True, slots=True)
class PersonalRecords:
    """The rest of what is stored about a person, read in one go for the export."""

    registered_at: datetime | None = None
    updated_at: datetime | None = None
    blocked_at: datetime | None = None
    coordinator_invites_granted: tuple[str, ...] = ()
    links: tuple[LinkRecord, ...] = ()
    feedback_written: tuple[WrittenFeedback, ...] = ()
    replies_written: tuple[WrittenReply, ...] = ()
    pulse_asked: int = 0
    pulse_answered: int = 0
    next_feedback_nudge: date | None = None
    digests_received: int = 0
    messages: dict[str, int] = field(default_factory=dict)
    authored: tuple[Authored, ...] = ()
    audit: tuple[AuditRecord, ...] = ()


class RetentionRepo(Protocol):
    """What retention and erasure delete beyond the features' own repositories."""

    async def purge_cohorts(self, cohort_ids: Sequence[int]) -> int:
        """Delete what these ended cohorts hold about people (feedback, conversations,
        questions, pulse asks, invites, memberships), then the people left in no cohort;
        return how many people were deleted."""
        ...

    async def purge_older(
        self,
        *,
        anonymous_before: datetime,
        digests_before: datetime,
        uploads_before: datetime,
        payloads_before: datetime,
    ) -> int:
        """Delete anonymous questions, digest records and abandoned uploads older than their
        limits and empty the payloads of outbox messages finished before `payloads_before`;
        return how many rows changed."""
        ...

    async def scrub_about(self, person_id: int) -> int:
        """Cancel waiting outbox messages that carry this person's name or words to someone
        else and empty every such payload; return how many."""
        ...


class PersonalRecordsRepo(Protocol):
    """Reads the records about a person that no domain repository returns whole."""

    async def read(self, person_id: int) -> PersonalRecords:
        """Return the person's other records (empty ones for an unknown id)."""
        ...
