"""Tables for the anonymous weekly pulse. Who was asked (and whether they answered) is kept
apart from the scores, which carry no person, only the cohort and the week."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class PulseAskRow(Base):
    """That a student was asked the pulse question this week, and whether they answered."""

    __tablename__ = "pulse_ask"
    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered: Mapped[bool] = mapped_column(default=False)


class PulseResponseRow(Base):
    """One anonymous answer (1-5): no person, no time of day."""

    __tablename__ = "pulse_response"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_pulse_response_cohort_week", "cohort_id", "week_start"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)
