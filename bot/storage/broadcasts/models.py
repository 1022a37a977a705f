"""The broadcast table: a coordinator's message to a cohort and its delivery report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, _now


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
