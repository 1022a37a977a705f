"""The Protocols that services depend on; adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from bot.services.broadcasts.types import BroadcastRepo
from bot.services.conversations.types import ConversationRepo, DigestRepo
from bot.services.feedback.types import FeedbackRepo
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
from bot.services.pulse.types import PulseRepo
from bot.services.reflection.types import GoalRepo, ReflectionRepo, ScheduleRepo
from bot.services.reports.types import ReportRepo


class Clock(Protocol):
    """Tells the time (injected so tests can control it)."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...


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


class QuestionRepo(Protocol):
    """Questions asked in the chat, their votes, hand-offs and coordinator replies."""

    async def add(self, question: Question) -> Question:
        """Store a question (its id is ignored) and return it with its new id."""
        ...

    async def get(self, question_id: int) -> Question | None:
        """Return a question by id."""
        ...

    async def set_helpful(self, question_id: int, helpful: bool) -> None:
        """Record the asker's vote (a later vote replaces it)."""
        ...

    async def mark_handed_off(self, question_id: int, now: datetime) -> bool:
        """Mark the question as passed to a person; False when it already was."""
        ...

    async def record_reply(
        self, question_id: int, replier_id: int, text: str, now: datetime
    ) -> None:
        """Store a coordinator's answer."""
        ...

    async def add_forward(self, question_id: int, person_id: int, outbox_key: str) -> None:
        """Remember that a question is forwarded to a person in the outbox message with this
        dedupe key, for reply-to routing; a repeat is ignored."""
        ...

    async def by_forward(self, person_id: int, chat_id: int, message_id: int) -> Question | None:
        """Return the question forwarded to this person in this message of the chat (the
        message the outbox sent, or an older forward recorded by message id)."""
        ...

    async def for_person(self, person_id: int) -> Sequence[Question]:
        """Return a person's questions, oldest first."""
        ...

    async def gaps(
        self, cohort_ids: Sequence[int] | None, include_anonymous: bool, limit: int = 500
    ) -> Sequence[Question]:
        """Return gap questions (abstained, voted down, or waiting for a person), newest first.

        `cohort_ids=None` means every cohort; anonymous and cohort-less questions come
        only with `include_anonymous`.
        """
        ...


class UnitOfWork(Protocol):
    """One transaction over all repositories; commit explicitly, roll back on error."""

    organisations: OrganisationRepo
    cohorts: CohortRepo
    people: PersonRepo
    memberships: MembershipRepo
    invites: InviteRepo
    links: LinkRepo
    audit: AuditRepo
    questions: QuestionRepo
    broadcasts: BroadcastRepo
    schedules: ScheduleRepo
    reflections: ReflectionRepo
    goals: GoalRepo
    reports: ReportRepo
    feedback: FeedbackRepo
    conversations: ConversationRepo
    digests: DigestRepo
    pulse: PulseRepo

    async def __aenter__(self) -> Self:
        """Begin the transaction."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the connection."""
        ...

    async def commit(self) -> None:
        """Commit the transaction."""
        ...


class UnitOfWorkFactory(Protocol):
    """Creates a fresh unit of work."""

    def __call__(self) -> UnitOfWork:
        """Return a new, not yet entered, unit of work."""
        ...


class HealthProbe(Protocol):
    """Checks that a backing service answers."""

    async def ping(self) -> None:
        """Return when healthy; raise otherwise."""
        ...
