"""Tables for the anonymous weekly pulse. Who was asked (and whether they answered) is kept
apart from the scores, which carry no person, only the cohort and the week. A score first
waits as a ballot (written in the answer's transaction), then is counted into the tallies in
a later transaction together with at least four others, so neither a transaction id, a time
nor an id order joins a counted score to the person who gave it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
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


class PulseBallotRow(Base):
    """An answer waiting in the ballot box: a random token, the cohort, the week and the
    score; no person, no time, no ordered id. Moved into the tallies in shuffled batches."""

    __tablename__ = "pulse_ballot"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_pulse_ballot_cohort_week", "cohort_id", "week_start"),
    )
    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    score: Mapped[int] = mapped_column(Integer)


class PulseTallyRow(Base):
    """How many answers a score got in a cohort and week: counts only, written by the mix."""

    __tablename__ = "pulse_tally"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score"),)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True
    )
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    score: Mapped[int] = mapped_column(Integer, primary_key=True)
    answers: Mapped[int] = mapped_column(Integer, default=0)
