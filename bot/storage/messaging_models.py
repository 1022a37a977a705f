"""Tables for messages: questions and their forwards, the outbox, broadcasts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, _now


class QuestionRow(Base):
    """A question asked in the chat; anonymous (no person) when the asker has not enrolled."""

    __tablename__ = "question"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True, default=None
    )
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="SET NULL"), index=True, default=None
    )
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(String(1000))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    abstained: Mapped[bool]
    confidence: Mapped[float] = mapped_column(Float)
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    helpful: Mapped[bool | None] = mapped_column(default=None)
    handed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answered_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    reply: Mapped[str | None] = mapped_column(Text, default=None)


class QuestionForwardRow(Base):
    """A message in which a question was forwarded to a coordinator (for reply-to routing)."""

    __tablename__ = "question_forward"
    __table_args__ = (UniqueConstraint("person_id", "message_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class OutboxRow(Base):
    """A message waiting to be sent, being sent, or done with (never a direct reply)."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled')",
            name="status",
        ),
        Index("ix_outbox_due", "status", "not_before"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), default=None, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="text")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(64), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True, default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    leased_by: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class BroadcastRow(Base):
    """A coordinator's message to cohorts: a draft being written, or sent through the outbox
    (origin "broadcast:<id>"). `text` is HTML as the recipients see it."""

    __tablename__ = "broadcast"
    __table_args__ = (
        CheckConstraint(
            "status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')", name="status"
        ),
        CheckConstraint(
            "audience IS NULL OR audience IN ('students', 'supervisors', 'both')",
            name="audience",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    cohorts: Mapped[list[int]] = mapped_column(JSON, default=list)
    audience: Mapped[str | None] = mapped_column(String(16), default=None)
    text: Mapped[str | None] = mapped_column(Text, default=None)
    file_path: Mapped[str | None] = mapped_column(String(500), default=None)
    file_kind: Mapped[str | None] = mapped_column(String(16), default=None)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    recipients: Mapped[int | None] = mapped_column(Integer, default=None)
    reported: Mapped[dict[str, int] | None] = mapped_column(JSON, default=None)
    confirm_chat_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    confirm_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
