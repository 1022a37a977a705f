"""Map ORM rows to domain dataclasses."""

from __future__ import annotations

from bot.services.identity.domain import (
    AuditEntry,
    Cohort,
    Department,
    Invite,
    Membership,
    Organisation,
    Person,
    Profession,
    Question,
    Role,
    SupervisionLink,
)
from bot.storage.identity.models import (
    AuditRow,
    CohortRow,
    DepartmentRow,
    InviteRow,
    MembershipRow,
    OrganisationRow,
    PersonRow,
    SupervisionLinkRow,
)
from bot.storage.questions.models import QuestionRow


def organisation(row: OrganisationRow) -> Organisation:
    """Convert an organisation row."""
    return Organisation(id=row.id, name=row.name)


def department(row: DepartmentRow) -> Department:
    """Convert a department row."""
    return Department(id=row.id, organisation_id=row.organisation_id, name=row.name, key=row.key)


def cohort(row: CohortRow) -> Cohort:
    """Convert a cohort row."""
    return Cohort(
        id=row.id,
        department_id=row.department_id,
        name=row.name,
        profession=Profession(row.profession),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        welcome=row.welcome_text,
        prompt_shift=row.prompt_shift,
        prompt_days=row.prompt_days,
        prompt_minutes=row.prompt_minutes,
    )


def person(row: PersonRow) -> Person:
    """Convert a person row."""
    return Person(
        id=row.id,
        telegram_id=row.telegram_id,
        display_name=row.display_name,
        language=row.language,
        timezone=row.timezone,
        consent_at=row.consent_at,
        active=row.active,
        awaiting=row.awaiting,
    )


def membership(row: MembershipRow) -> Membership:
    """Convert a membership row."""
    return Membership(person_id=row.person_id, cohort_id=row.cohort_id, role=Role(row.role))


def invite(row: InviteRow) -> Invite:
    """Convert an invite row."""
    return Invite(
        id=row.id,
        code=row.code,
        cohort_id=row.cohort_id,
        role=Role(row.role),
        expires_at=row.expires_at,
        max_uses=row.max_uses,
        uses=row.uses,
        revoked=row.revoked_at is not None,
    )


def link(row: SupervisionLinkRow) -> SupervisionLink:
    """Convert a supervision link row."""
    return SupervisionLink(
        cohort_id=row.cohort_id, supervisor_id=row.supervisor_id, student_id=row.student_id
    )


def audit(row: AuditRow) -> AuditEntry:
    """Convert an audit row."""
    return AuditEntry(
        at=row.at,
        actor=row.actor,
        action=row.action,
        cohort_id=row.cohort_id,
        target_person_id=row.target_person_id,
        details=dict(row.details or {}),
    )


def question(row: QuestionRow) -> Question:
    """Convert a question row."""
    return Question(
        id=row.id,
        text=row.text,
        language=row.language,
        asked_at=row.asked_at,
        person_id=row.person_id,
        cohort_id=row.cohort_id,
        abstained=row.abstained,
        confidence=row.confidence,
        answer=row.answer,
        helpful=row.helpful,
        handed_off_at=row.handed_off_at,
        answered_at=row.answered_at,
        reply=row.reply,
        faq_id=row.faq_id,
    )
