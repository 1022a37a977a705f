"""Tables for placement conversations (expectations, midway, final) and supervisor digests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class ConversationRow(Base):
    """One of a student's placement conversations, computed from the cohort's dates.

    `remind_at` and `followup_at` are the (UTC) moments the tick selects on; each is cleared
    once its message is queued. `plan` is what the student recorded afterwards.
    """

    __tablename__ = "placement_conversation"
    __table_args__ = (
        UniqueConstraint("student_id", "cohort_id", "kind"),
        CheckConstraint("kind IN ('expectation', 'midway', 'final')", name="kind"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    due_on: Mapped[date] = mapped_column(Date)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    followup_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, default=None)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    plan: Mapped[str | None] = mapped_column(Text, default=None)
    plan_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("reflection.id", ondelete="SET NULL"), default=None
    )


class DigestRow(Base):
    """A weekly digest queued for a supervisor (one per supervisor and week)."""

    __tablename__ = "supervisor_digest"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
