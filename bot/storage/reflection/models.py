"""Tables for reflection: prompt schedules, logbook entries and learning goals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, _now


class ScheduleRow(Base):
    """A student's prompt settings; `next_at` is what the tick selects on."""

    __tablename__ = "reflection_schedule"
    __table_args__ = (
        CheckConstraint("mode IN ('time', 'shift')", name="mode"),
        CheckConstraint("shift IN ('day', 'evening', 'night')", name="shift"),
        Index("ix_reflection_schedule_due", "enabled", "next_at"),
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="SET NULL"), index=True, default=None
    )
    mode: Mapped[str] = mapped_column(String(8))
    at_minutes: Mapped[int] = mapped_column(Integer)
    shift: Mapped[str] = mapped_column(String(8))
    days: Mapped[int] = mapped_column(Integer)
    quiet_start: Mapped[int] = mapped_column(Integer)
    quiet_end: Mapped[int] = mapped_column(Integer)
    paused_until: Mapped[date | None] = mapped_column(Date, default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    next_slot: Mapped[date | None] = mapped_column(Date, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, onupdate=_now)


class GoalRow(Base):
    """A learning goal (praktikmål)."""

    __tablename__ = "learning_goal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), index=True, default=None
    )
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ReflectionRow(Base):
    """A logbook entry. One per student and slot, so a prompt is never created twice."""

    __tablename__ = "reflection"
    __table_args__ = (
        UniqueConstraint("person_id", "slot_date"),
        Index("ix_reflection_person_entry", "person_id", "entry_date"),
        Index("ix_reflection_open", "status", "expires_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), index=True, default=None
    )
    prompt_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))
    entry_date: Mapped[date] = mapped_column(Date)
    slot_date: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    step: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    followup_of: Mapped[int | None] = mapped_column(
        ForeignKey("reflection.id", ondelete="SET NULL"), default=None
    )
    followup_plan: Mapped[str | None] = mapped_column(Text, default=None)
    hard_shift: Mapped[bool] = mapped_column(default=False)
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_goal.id", ondelete="SET NULL"), default=None
    )
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class ReflectionShareRow(Base):
    """That a student shared an entry with one supervisor: that supervisor, and no one
    linked later, sees it (until the student takes it back or the link ends)."""

    __tablename__ = "reflection_share"
    reflection_id: Mapped[int] = mapped_column(
        ForeignKey("reflection.id", ondelete="CASCADE"), primary_key=True
    )
    supervisor_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    shared_at: Mapped[datetime] = mapped_column(UTCDateTime)
