"""The outbox table: every message the bot sends on its own initiative."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, _now


class OutboxRow(Base):
    """A message waiting to be sent, being sent, or done with (never a direct reply)."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'cancelled', 'skipped')",
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
    # Whom the message is about, when it carries their name or words to someone else.
    about_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None, index=True
    )
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True, default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    leased_by: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Skipped, not sent, after this (a prompt whose slot closed); None: useful for ever.
    useful_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # When its transient failures began: retries for those are limited by time.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
