"""Tables for structured feedback: requests between a student and a supervisor (or verbal
feedback the student records), and each student's next feedback nudge."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime

REQUEST_STATUSES = (
    "'draft', 'ready', 'open', 'answering', 'answered', 'done', 'declined', 'expired', 'kept'"
)


class FeedbackRequestRow(Base):
    """A feedback loop: the student's self-assessment (Ask), the feedback in SBI form (Tell),
    and the student's action for the next shift. `supervisor_id` is None for verbal feedback
    the student records; `step` is the field being written next."""

    __tablename__ = "feedback_request"
    __table_args__ = (
        CheckConstraint(f"status IN ({REQUEST_STATUSES})", name="status"),
        Index("ix_feedback_request_remind", "status", "remind_at"),
        Index("ix_feedback_request_expire", "status", "expires_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), index=True, default=None
    )
    supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True, default=None
    )
    passed_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[str] = mapped_column(String(12))
    verbal: Mapped[bool] = mapped_column(default=False)
    step: Mapped[int] = mapped_column(Integer, default=0)
    situation: Mapped[str | None] = mapped_column(Text, default=None)
    went_well: Mapped[str | None] = mapped_column(Text, default=None)
    improve: Mapped[str | None] = mapped_column(Text, default=None)
    fb_situation: Mapped[str | None] = mapped_column(Text, default=None)
    fb_behaviour: Mapped[str | None] = mapped_column(Text, default=None)
    fb_impact: Mapped[str | None] = mapped_column(Text, default=None)
    fb_well: Mapped[str | None] = mapped_column(Text, default=None)
    fb_adjust: Mapped[str | None] = mapped_column(Text, default=None)
    action: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("reflection.id", ondelete="SET NULL"), default=None
    )


class FeedbackNudgeRow(Base):
    """A student's next feedback nudge (the tick selects on `next_at`)."""

    __tablename__ = "feedback_nudge"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True, default=None)
    next_date: Mapped[date | None] = mapped_column(Date, default=None)
