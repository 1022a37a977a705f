"""The core tables: organisations, departments, cohorts, people, memberships, links,
invites and the audit log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from bot.storage.base import ROLES, Base, UTCDateTime, _now


class OrganisationRow(Base):
    """A region, hospital or municipality."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class DepartmentRow(Base):
    """A ward or unit."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class CohortRow(Base):
    """A cohort (hold) with its placement period."""

    __tablename__ = "cohort"
    __table_args__ = (
        UniqueConstraint("department_id", "name"),
        CheckConstraint("ends_on >= starts_on", name="period"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    profession: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    welcome_text: Mapped[str | None] = mapped_column(Text, default=None)
    # Defaults for new students' reflection schedules: their shift and working days (a bit
    # mask, Monday = bit 0), and a fixed time of day in minutes (None: after the shift).
    prompt_shift: Mapped[str] = mapped_column(String(8), default="day", server_default="day")
    prompt_days: Mapped[int] = mapped_column(Integer, default=31, server_default="31")
    prompt_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    # Whether students get the weekly anonymous pulse question.
    pulse_enabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class PersonRow(Base):
    """A person who consented; nothing is stored about anyone who did not."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    awaiting: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, onupdate=_now)


class MembershipRow(Base):
    """A person's role in a cohort."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("person_id", "cohort_id", "role"),
        CheckConstraint(f"role IN ({ROLES})", name="role"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    # A coordinator may create coordinator invites only when an operator granted it.
    may_invite_coordinators: Mapped[bool] = mapped_column(default=False, server_default=false())


class SupervisionLinkRow(Base):
    """A supervisor responsible for a student in a cohort."""

    __tablename__ = "supervision_link"
    __table_args__ = (UniqueConstraint("cohort_id", "supervisor_id", "student_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    supervisor_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    student_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class InviteRow(Base):
    """An invite code for a cohort and role."""

    __tablename__ = "invite"
    __table_args__ = (
        CheckConstraint(f"role IN ({ROLES})", name="role"),
        CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    max_uses: Mapped[int | None] = mapped_column(Integer, default=None)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class AuditRow(Base):
    """A privileged action: who, what, on which cohort or person. Never message text."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="SET NULL"), default=None
    )
    target_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
