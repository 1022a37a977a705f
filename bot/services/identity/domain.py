"""Plain domain types shared by the services and the adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Role(StrEnum):
    """A person's role in a cohort."""

    STUDENT = "student"
    SUPERVISOR = "supervisor"
    COORDINATOR = "coordinator"


class Profession(StrEnum):
    """The profession a cohort trains for."""

    NURSING = "nursing"
    SOSU_ASSISTANT = "sosu_assistant"
    SOSU_HELPER = "sosu_helper"
    MEDICINE = "medicine"
    PHYSIOTHERAPY = "physiotherapy"
    OCCUPATIONAL_THERAPY = "occupational_therapy"
    MIDWIFERY = "midwifery"
    RADIOGRAPHY = "radiography"
    BIOMEDICAL_LAB = "biomedical_lab"
    OTHER = "other"


class InviteProblem(StrEnum):
    """Why an invite code cannot be used."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED_UP = "used_up"
    REVOKED = "revoked"
    COHORT_ENDED = "cohort_ended"


@dataclass(frozen=True, slots=True)
class Organisation:
    """A region, hospital or municipality."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Department:
    """A ward or unit that hosts placements."""

    id: int
    organisation_id: int
    name: str
    key: str


@dataclass(frozen=True, slots=True)
class Cohort:
    """A group (hold) of people on placement in one department for one period.

    `welcome` is the coordinators' own welcome text (HTML with placeholders), or None for
    the default text from the catalogue. `prompt_shift`, `prompt_days` (a bit mask, Monday =
    bit 0) and `prompt_minutes` (a fixed time of day, None: after the shift) are the defaults
    for new students' reflection schedules.
    """

    id: int
    department_id: int
    name: str
    profession: Profession
    starts_on: date
    ends_on: date
    welcome: str | None = None
    prompt_shift: str = "day"
    prompt_days: int = 31
    prompt_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who has enrolled and consented."""

    id: int
    telegram_id: int
    display_name: str
    language: str
    timezone: str
    consent_at: datetime
    active: bool = True
    awaiting: str | None = None


@dataclass(frozen=True, slots=True)
class Membership:
    """A person's role in a cohort."""

    person_id: int
    cohort_id: int
    role: Role


@dataclass(frozen=True, slots=True)
class Invite:
    """A code that enrols whoever opens it into a cohort with a role."""

    id: int
    code: str
    cohort_id: int
    role: Role
    expires_at: datetime | None
    max_uses: int | None
    uses: int
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class SupervisionLink:
    """A supervisor responsible for a student in a cohort."""

    cohort_id: int
    supervisor_id: int
    student_id: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A privileged action, kept for accountability (never message text)."""

    at: datetime
    actor: str
    action: str
    cohort_id: int | None = None
    target_person_id: int | None = None
    details: dict[str, str | int | None] = field(default_factory=dict)


class GapReason(StrEnum):
    """Why a question counts as a knowledge gap."""

    ABSTAINED = "abstained"
    UNHELPFUL = "unhelpful"
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class Question:
    """A question asked in the chat, with what became of it.

    `person_id` is None for someone who has not enrolled: their question is kept
    anonymously so the gap is still seen. `reply` is a coordinator's answer; `faq_id` the
    FAQ entry that answers it for everyone (then it is no longer a knowledge gap).
    """

    id: int
    text: str
    language: str
    asked_at: datetime
    person_id: int | None
    cohort_id: int | None
    abstained: bool
    confidence: float
    answer: str | None = None
    helpful: bool | None = None
    handed_off_at: datetime | None = None
    answered_at: datetime | None = None
    reply: str | None = None
    faq_id: int | None = None

    def gap_reasons(self) -> frozenset[GapReason]:
        """Return why this question is a knowledge gap (empty when it is not one)."""
        if self.faq_id is not None:
            return frozenset()
        reasons = set()
        if self.abstained:
            reasons.add(GapReason.ABSTAINED)
        if self.helpful is False:
            reasons.add(GapReason.UNHELPFUL)
        if self.handed_off_at is not None and self.answered_at is None:
            reasons.add(GapReason.WAITING)
        return frozenset(reasons)
