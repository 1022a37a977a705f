"""Coordinator work: departments, cohorts, invites and supervisor links.

Invites made in the chat expire after `invite_days` (14 by default); supervisor and
coordinator invites there are single-use, a student invite (the ward's poster) serves the
whole cohort until it expires. Only operators create coordinator invites, unless an operator
granted a coordinator that right for the cohort. Creating, revoking and granting are audited.

A new link is announced to the student and the supervisor through the outbox (out of their
quiet hours), keyed per link and person so a repeated link announces nothing again."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.delivery.quiet_hours import wake_times
from bot.services.identity.access import Actor, require_coordinator
from bot.services.identity.domain import (
    AuditEntry,
    Cohort,
    Department,
    Invite,
    Person,
    Profession,
    Role,
    SupervisionLink,
)
from bot.services.identity.messages import linked_payload, unlinked_payload
from bot.services.identity.ports import NoticeUnitOfWork
from bot.services.kernel.errors import Invalid, NotAllowed, NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class CohortPeople:
    """The students and supervisors of a cohort, for choosing whom to link."""

    cohort: Cohort
    students: Sequence[Person]
    supervisors: Sequence[Person]


def slugify(text: str) -> str:
    """Return a lower-case ASCII key (æ→ae, ø→oe, å→aa) for a name."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:64] or "dept"


class CoordinationService:
    """Creates the structures people enrol into, and links students to supervisors."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[NoticeUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        *,
        invite_days: int = 14,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._invite_days = invite_days

    async def create_department(
        self, actor: Actor, name: str, organisation: str, key: str | None = None
    ) -> Department:
        """Create a department (and its organisation when new); operators only."""
        _require_admin(actor)
        name, organisation = name.strip(), organisation.strip()
        if not name or not organisation:
            raise Invalid("name and organisation are required")
        async with self._uow() as uow:
            org = await uow.organisations.get_or_create_organisation(organisation)
            department = await uow.organisations.add_department(org.id, name, key or slugify(name))
            await self._audit(uow, actor, "department.create", details={"id": department.id})
            await uow.commit()
        return department

    async def list_departments(self) -> Sequence[Department]:
        """Return all departments."""
        async with self._uow() as uow:
            return await uow.organisations.list_departments()

    async def create_cohort(
        self,
        actor: Actor,
        *,
        name: str,
        department_ref: str,
        profession: Profession,
        starts_on: date,
        ends_on: date,
    ) -> Cohort:
        """Create a cohort with its placement period; operators only."""
        _require_admin(actor)
        if ends_on < starts_on:
            raise Invalid("the placement ends before it starts")
        if not name.strip():
            raise Invalid("a cohort needs a name")
        async with self._uow() as uow:
            department = await uow.organisations.department_by_ref(department_ref)
            if department is None:
                raise NotFound(f"department {department_ref!r}")
            cohort = await uow.cohorts.add(
                department.id, name.strip(), profession, starts_on, ends_on
            )
            await self._audit(uow, actor, "cohort.create", cohort_id=cohort.id)
            await uow.commit()
        return cohort

    async def find_cohort(self, ref: str) -> Cohort:
        """Return the cohort with this id or name."""
        async with self._uow() as uow:
            cohort = await uow.cohorts.by_ref(ref)
        if cohort is None:
            raise NotFound(f"cohort {ref!r}")
        return cohort

    async def list_cohorts(self) -> Sequence[Cohort]:
        """Return all cohorts."""
        async with self._uow() as uow:
            return await uow.cohorts.list()

    async def create_invite(
        self,
        actor: Actor,
        cohort_id: int,
        role: Role,
        *,
        expires_at: datetime | None = None,
        max_uses: int | None = None,
    ) -> Invite:
        """Create an invite code; only the cohort's coordinators (or operators) may."""
        if max_uses is not None and max_uses < 1:
            raise Invalid("max uses must be at least 1")
        if expires_at is not None and expires_at <= self._clock.now():
            raise Invalid("the expiry is in the past")
        async with self._uow() as uow:
            if await uow.cohorts.get(cohort_id) is None:
                raise NotFound(f"cohort {cohort_id}")
            await require_coordinator(uow, actor, cohort_id)
            if role not in await self._invitable(uow, actor, cohort_id):
                raise NotAllowed("coordinator invites need an operator's grant")
            invite = await uow.invites.add(
                secrets.token_urlsafe(9), cohort_id, role, expires_at, max_uses, actor.person_id
            )
            details: dict[str, str | int | None] = {
                "role": role.value,
                "expires": expires_at.isoformat() if expires_at else None,
                "max_uses": max_uses,
            }
            await self._audit(uow, actor, "invite.create", cohort_id, details=details)
            await uow.commit()
        return invite

    async def chat_invite(self, actor: Actor, cohort_id: int, role: Role) -> Invite:
        """Create an invite as the chat does: it expires after the configured days, and a
        supervisor or coordinator invite serves one person."""
        expires_at = self._clock.now() + timedelta(days=self._invite_days)
        max_uses = None if role is Role.STUDENT else 1
        return await self.create_invite(
            actor, cohort_id, role, expires_at=expires_at, max_uses=max_uses
        )

    async def invite_roles(self, actor: Actor, cohort_id: int) -> Sequence[Role]:
        """Return the roles the actor may invite to the cohort (coordinators need a grant)."""
        async with self._uow() as uow:
            await require_coordinator(uow, actor, cohort_id)
            return await self._invitable(uow, actor, cohort_id)

    async def _invitable(
        self, uow: NoticeUnitOfWork, actor: Actor, cohort_id: int
    ) -> Sequence[Role]:
        granted = actor.is_admin or (
            actor.person_id is not None
            and await uow.memberships.may_invite_coordinators(actor.person_id, cohort_id)
        )
        return [r for r in Role if r is not Role.COORDINATOR or granted]

    async def grant_coordinator_invites(
        self, actor: Actor, cohort_id: int, telegram_id: int, on: bool = True
    ) -> Person:
        """Let a coordinator of the cohort create coordinator invites (or stop it);
        operators only, audited."""
        _require_admin(actor)
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None:
                raise NotFound(f"person with Telegram id {telegram_id}")
            if not await uow.memberships.grant_coordinator_invites(person.id, cohort_id, on):
                raise Invalid("that person does not coordinate this cohort")
            action = "invite.grant" if on else "invite.ungrant"
            await self._audit(uow, actor, action, cohort_id, person.id)
            await uow.commit()
        return person

    async def usable_invites(self, actor: Actor, cohort_id: int) -> Sequence[Invite]:
        """Return the cohort's invites that still work (not revoked, expired or used up)."""
        now = self._clock.now()
        return [
            i
            for i in await self.list_invites(actor, cohort_id)
            if not i.revoked
            and (i.expires_at is None or i.expires_at > now)
            and (i.max_uses is None or i.uses < i.max_uses)
        ]

    async def revoke_invite(self, actor: Actor, code: str) -> Invite:
        """Revoke an invite so nobody else can use it."""
        async with self._uow() as uow:
            invite = await uow.invites.by_code(code)
            if invite is None:
                raise NotFound("invite")
            await require_coordinator(uow, actor, invite.cohort_id)
            await uow.invites.revoke(invite.id, self._clock.now())
            await self._audit(uow, actor, "invite.revoke", invite.cohort_id)
            await uow.commit()
        return invite

    async def list_invites(self, actor: Actor, cohort_id: int) -> Sequence[Invite]:
        """Return a cohort's invites for its coordinators."""
        async with self._uow() as uow:
            await require_coordinator(uow, actor, cohort_id)
            return await uow.invites.for_cohort(cohort_id)

    async def cohort_people(self, actor: Actor, cohort_id: int) -> CohortPeople:
        """Return the cohort's students and supervisors, for its coordinators."""
        async with self._uow() as uow:
            await require_coordinator(uow, actor, cohort_id)
            cohort = await uow.cohorts.get(cohort_id)
            if cohort is None:
                raise NotFound(f"cohort {cohort_id}")
            students = await uow.memberships.people_in(cohort_id, Role.STUDENT)
            supervisors = await uow.memberships.people_in(cohort_id, Role.SUPERVISOR)
        return CohortPeople(cohort, students, supervisors)

    async def link(
        self, actor: Actor, cohort_id: int, student_id: int, supervisor_id: int
    ) -> tuple[bool, Person, Person]:
        """Make a supervisor responsible for a student and tell them both; returns (created,
        student, supervisor)."""
        notices: list[OutgoingMessage] = []
        if actor.person_id in (student_id, supervisor_id):
            raise NotAllowed("nobody links themselves")
        async with self._uow() as uow:
            await require_coordinator(uow, actor, cohort_id)
            student = await _member(uow, cohort_id, student_id, Role.STUDENT)
            supervisor = await _member(uow, cohort_id, supervisor_id, Role.SUPERVISOR)
            link = SupervisionLink(cohort_id, supervisor.id, student.id)
            created = await uow.links.add(link, actor.person_id)
            if created:
                await self._audit(
                    uow, actor, "link.create", cohort_id, student.id, {"supervisor": supervisor.id}
                )
                notices = await self._link_notices(uow, link, student, supervisor)
            await uow.commit()
        if notices:
            await self._outbox.enqueue(notices)
        return created, student, supervisor

    async def unlink(
        self, actor: Actor, cohort_id: int, student_id: int, supervisor_id: int
    ) -> tuple[bool, Person, Person]:
        """Undo a link (a coordinator's mistake, or a change of supervisor) and tell them
        both; what the student shared through it is taken back. Returns (removed, student,
        supervisor)."""
        notices: list[OutgoingMessage] = []
        async with self._uow() as uow:
            await require_coordinator(uow, actor, cohort_id)
            student = await _member(uow, cohort_id, student_id, Role.STUDENT)
            supervisor = await _member(uow, cohort_id, supervisor_id, Role.SUPERVISOR)
            link = SupervisionLink(cohort_id, supervisor.id, student.id)
            removed = await uow.links.remove(link)
            if removed:
                await self._audit(
                    uow, actor, "link.remove", cohort_id, student.id, {"supervisor": supervisor.id}
                )
                notices = await self._link_notices(uow, link, student, supervisor, removed=True)
            await uow.commit()
        if notices:
            await self._outbox.enqueue(notices)
        return removed, student, supervisor

    async def _link_notices(
        self,
        uow: NoticeUnitOfWork,
        link: SupervisionLink,
        student: Person,
        supervisor: Person,
        *,
        removed: bool = False,
    ) -> list[OutgoingMessage]:
        """Return the notices of a new (or removed) link to the student and the supervisor
        who can be reached, keyed per link, moment and reader: every new link is told."""
        now = self._clock.now()
        readers = [p for p in (student, supervisor) if p.active]
        wake = await wake_times(uow.schedules, readers, now)
        verb = "unlink" if removed else "link"
        key = f"{verb}:{link.cohort_id}:{link.supervisor_id}:{link.student_id}:{now.timestamp()}"
        payload = unlinked_payload if removed else linked_payload
        return [
            OutgoingMessage(
                chat_id=reader.telegram_id,
                payload=payload(reader, student, supervisor),
                origin="link",
                not_before=wake[reader.id],
                person_id=reader.id,
                dedupe_key=f"{key}:{reader.id}",
                about_id=supervisor.id if reader.id == student.id else student.id,
            )
            for reader in readers
        ]

    async def audit_log(self, actor: Actor, limit: int = 50) -> Sequence[AuditEntry]:
        """Return the newest audit entries; operators only."""
        _require_admin(actor)
        async with self._uow() as uow:
            return await uow.audit.recent(limit)

    async def _audit(
        self,
        uow: NoticeUnitOfWork,
        actor: Actor,
        action: str,
        cohort_id: int | None = None,
        target: int | None = None,
        details: dict[str, str | int | None] | None = None,
    ) -> None:
        await uow.audit.record(
            AuditEntry(self._clock.now(), actor.label, action, cohort_id, target, details or {})
        )


async def _member(uow: NoticeUnitOfWork, cohort_id: int, person_id: int, role: Role) -> Person:
    people = await uow.memberships.people_in(cohort_id, role)
    for person in people:
        if person.id == person_id:
            return person
    raise NotFound(f"{role.value} {person_id} in cohort {cohort_id}")


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAllowed("operators only")
