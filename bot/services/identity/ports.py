"""The identity ports: repositories of organisations, cohorts, people, memberships, invites,
links and the audit log, and the unit of work over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from bot.services.delivery.quiet_hours import QuietHoursSource
from bot.services.identity.domain import (
    AuditEntry,
    Cohort,
    Department,
    Invite,
    Membership,
    Organisation,
    Person,
    Profession,
    Role,
    SupervisionLink,
)
from bot.services.kernel.ports import Transaction


class OrganisationRepo(Protocol):
    """Organisations and their departments."""

    async def get_or_create_organisation(self, name: str) -> Organisation:
        """Return the organisation with this name, creating it if needed."""
        ...

    async def add_department(self, organisation_id: int, name: str, key: str) -> Department:
        """Create a department."""
        ...

    async def department_by_ref(self, ref: str) -> Department | None:
        """Find a department by id, key or exact name."""
        ...

    async def department(self, department_id: int) -> Department | None:
        """Return a department by id."""
        ...

    async def list_departments(self) -> Sequence[Department]:
        """Return all departments."""
        ...


class CohortRepo(Protocol):
    """Cohorts (hold)."""

    async def add(
        self, department_id: int, name: str, profession: Profession, starts_on: date, ends_on: date
    ) -> Cohort:
        """Create a cohort."""
        ...

    async def get(self, cohort_id: int) -> Cohort | None:
        """Return a cohort by id."""
        ...

    async def by_ref(self, ref: str) -> Cohort | None:
        """Find a cohort by id or exact name."""
        ...

    async def list(self, ids: Sequence[int] | None = None) -> Sequence[Cohort]:
        """Return all cohorts, or those with the given ids."""
        ...

    async def starting_between(self, first: date, last: date) -> Sequence[Cohort]:
        """Return the cohorts whose placement starts on a day from `first` to `last`."""
        ...

    async def set_welcome(self, cohort_id: int, text: str | None) -> Cohort:
        """Store the cohort's welcome text (None: back to the default)."""
        ...

    async def set_prompt_defaults(
        self, cohort_id: int, shift: str, days: int, minutes: int | None
    ) -> Cohort:
        """Store the defaults for new students' reflection schedules."""
        ...


class PersonRepo(Protocol):
    """People who have consented."""

    async def by_telegram_id(self, telegram_id: int) -> Person | None:
        """Return the person with this Telegram id."""
        ...

    async def get(self, person_id: int) -> Person | None:
        """Return a person by id."""
        ...

    async def add(
        self,
        telegram_id: int,
        display_name: str,
        language: str,
        timezone: str,
        consent_at: datetime,
    ) -> Person:
        """Create a person."""
        ...

    async def update(self, person_id: int, **fields: object) -> Person:
        """Change fields (display_name, language, timezone, active, awaiting, blocked_at)."""
        ...

    async def delete(self, person_id: int) -> None:
        """Delete a person; memberships and links go with them."""
        ...


class MembershipRepo(Protocol):
    """Who has which role in which cohort."""

    async def add(
        self, person_id: int, cohort_id: int, role: Role, joined_at: datetime | None = None
    ) -> Membership:
        """Add a membership (joined now, or at `joined_at`)."""
        ...

    async def for_person(self, person_id: int) -> Sequence[Membership]:
        """Return a person's memberships."""
        ...

    async def people_in(
        self, cohort_id: int, role: Role, joined_before: datetime | None = None
    ) -> Sequence[Person]:
        """Return the people with a role in a cohort (who joined before a moment), by name."""
        ...

    async def may_invite_coordinators(self, person_id: int, cohort_id: int) -> bool:
        """Return whether an operator granted this coordinator coordinator invites."""
        ...

    async def grant_coordinator_invites(self, person_id: int, cohort_id: int, on: bool) -> bool:
        """Grant or withdraw coordinator invites; False when the person does not coordinate
        the cohort."""
        ...


class InviteRepo(Protocol):
    """Invite codes."""

    async def add(
        self,
        code: str,
        cohort_id: int,
        role: Role,
        expires_at: datetime | None,
        max_uses: int | None,
        created_by: int | None,
    ) -> Invite:
        """Store a new invite code."""
        ...

    async def by_code(self, code: str) -> Invite | None:
        """Return the invite with this code."""
        ...

    async def consume(self, invite_id: int, now: datetime) -> bool:
        """Count one use atomically; False when expired, revoked or used up meanwhile."""
        ...

    async def revoke(self, invite_id: int, now: datetime) -> None:
        """Revoke an invite."""
        ...

    async def for_cohort(self, cohort_id: int) -> Sequence[Invite]:
        """Return a cohort's invites, newest first."""
        ...


class LinkRepo(Protocol):
    """Supervisor-student links."""

    async def add(self, link: SupervisionLink, created_by: int | None) -> bool:
        """Store a link; False when it already existed."""
        ...

    async def remove(self, link: SupervisionLink) -> bool:
        """Remove a link and take back what the student shared with that supervisor (unless
        another link between them remains); False when there was no such link."""
        ...

    async def supervisors_of(self, student_id: int) -> Sequence[SupervisionLink]:
        """Return the links where this person is the student."""
        ...

    async def students_of(self, supervisor_id: int) -> Sequence[SupervisionLink]:
        """Return the links where this person is the supervisor."""
        ...


class AuditRepo(Protocol):
    """The audit log of privileged actions."""

    async def record(self, entry: AuditEntry) -> None:
        """Append an entry."""
        ...

    async def recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        """Return the newest entries first."""
        ...


class IdentityUnitOfWork(Transaction, Protocol):
    """A transaction over who is who: the base of every domain's unit of work."""

    @property
    def organisations(self) -> OrganisationRepo:
        """Organisations and departments."""
        ...

    @property
    def cohorts(self) -> CohortRepo:
        """Cohorts."""
        ...

    @property
    def people(self) -> PersonRepo:
        """People who have consented."""
        ...

    @property
    def memberships(self) -> MembershipRepo:
        """Roles in cohorts."""
        ...

    @property
    def invites(self) -> InviteRepo:
        """Invite codes."""
        ...

    @property
    def links(self) -> LinkRepo:
        """Supervisor-student links."""
        ...

    @property
    def audit(self) -> AuditRepo:
        """The audit log."""
        ...


class NoticeUnitOfWork(IdentityUnitOfWork, Protocol):
    """Identity, and the quiet hours of the people a notice goes to."""

    @property
    def schedules(self) -> QuietHoursSource:
        """People's own quiet hours."""
        ...
