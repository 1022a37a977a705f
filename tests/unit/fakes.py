"""In-memory implementations of the repository ports, for unit tests of services."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from bot.services.broadcasts.types import Broadcast
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
from tests.unit.fakes_broadcasts import FakeBroadcasts
from tests.unit.fakes_conversations import FakeConversations, FakeDigests
from tests.unit.fakes_feedback import FakeFeedback
from tests.unit.fakes_knowledge import FakeFaqs, FakeUploads
from tests.unit.fakes_privacy import FakeRecords, FakeRetention
from tests.unit.fakes_pulse import FakePulse
from tests.unit.fakes_reflections import FakeGoals, FakeReflections, FakeSchedules
from tests.unit.fakes_reports import FakeReports


class FakeStore:
    """The shared state of all fake repositories (one 'database')."""

    def __init__(self) -> None:
        self.organisations: dict[int, Organisation] = {}
        self.departments: dict[int, Department] = {}
        self.cohorts: dict[int, Cohort] = {}
        self.people: dict[int, Person] = {}
        self.memberships: list[Membership] = []
        self.invite_grants: set[tuple[int, int]] = set()
        self.invites: dict[int, Invite] = {}
        self.links: list[SupervisionLink] = []
        self.audit: list[AuditEntry] = []
        self.questions: dict[int, Question] = {}
        self.forwards: dict[str, tuple[int, int]] = {}  # outbox key -> (question, person)
        self.sent: dict[tuple[int, int], str] = {}  # (chat, message id) -> outbox key
        self.joined: dict[Membership, datetime | None] = {}
        self.broadcasts: dict[int, Broadcast] = {}
        self.schedules: dict = {}
        self.reflections: dict = {}
        self.reflection_shares: dict[tuple[int, int], datetime] = {}  # (entry, supervisor)
        self.goals: dict = {}
        self.uploads: dict = {}
        self.faqs: dict = {}
        self.records: dict = {}  # person id -> PersonalRecords planted by a test
        self.commits = 0

    def next_id(self, table: dict) -> int:
        """Return the next free id of a table."""
        return max(table, default=0) + 1


class FakeOrganisations:
    """Organisations and departments in memory."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def get_or_create_organisation(self, name: str) -> Organisation:
        """Return or create an organisation."""
        for org in self.s.organisations.values():
            if org.name == name:
                return org
        org = Organisation(self.s.next_id(self.s.organisations), name)
        self.s.organisations[org.id] = org
        return org

    async def add_department(self, organisation_id: int, name: str, key: str) -> Department:
        """Create a department."""
        dept = Department(self.s.next_id(self.s.departments), organisation_id, name, key)
        self.s.departments[dept.id] = dept
        return dept

    async def department_by_ref(self, ref: str) -> Department | None:
        """Find by id, key or name."""
        hits = [d for d in self.s.departments.values() if ref in (str(d.id), d.key, d.name)]
        return hits[0] if len(hits) == 1 else None

    async def department(self, department_id: int) -> Department | None:
        """Return by id."""
        return self.s.departments.get(department_id)

    async def list_departments(self) -> Sequence[Department]:
        """Return all."""
        return list(self.s.departments.values())


class FakeCohorts:
    """Cohorts in memory."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def add(
        self, department_id: int, name: str, profession: Profession, starts_on: date, ends_on: date
    ) -> Cohort:
        """Create a cohort."""
        cohort = Cohort(
            self.s.next_id(self.s.cohorts), department_id, name, profession, starts_on, ends_on
        )
        self.s.cohorts[cohort.id] = cohort
        return cohort

    async def get(self, cohort_id: int) -> Cohort | None:
        """Return by id."""
        return self.s.cohorts.get(cohort_id)

    async def by_ref(self, ref: str) -> Cohort | None:
        """Find by id or name."""
        hits = [c for c in self.s.cohorts.values() if ref in (str(c.id), c.name)]
        return hits[0] if len(hits) == 1 else None

    async def list(self, ids: Sequence[int] | None = None) -> Sequence[Cohort]:
        """Return all or some."""
        return [c for c in self.s.cohorts.values() if ids is None or c.id in ids]

    async def starting_between(self, first: date, last: date) -> Sequence[Cohort]:
        """Return the cohorts starting in a period."""
        return [c for c in self.s.cohorts.values() if first <= c.starts_on <= last]

    async def set_prompt_defaults(
        self, cohort_id: int, shift: str, days: int, minutes: int | None
    ) -> Cohort:
        """Store prompt defaults."""
        cohort = dataclasses.replace(
            self.s.cohorts[cohort_id], prompt_shift=shift, prompt_days=days, prompt_minutes=minutes
        )
        self.s.cohorts[cohort_id] = cohort
        return cohort

    async def set_welcome(self, cohort_id: int, text: str | None) -> Cohort:
        """Store a welcome text."""
        cohort = dataclasses.replace(self.s.cohorts[cohort_id], welcome=text)
        self.s.cohorts[cohort_id] = cohort
        return cohort


class FakePeople:
    """People in memory."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def by_telegram_id(self, telegram_id: int) -> Person | None:
        """Find by Telegram id."""
        return next((p for p in self.s.people.values() if p.telegram_id == telegram_id), None)

    async def get(self, person_id: int) -> Person | None:
        """Return by id."""
        return self.s.people.get(person_id)

    async def add(
        self,
        telegram_id: int,
        display_name: str,
        language: str,
        timezone: str,
        consent_at: datetime,
    ) -> Person:
        """Create a person."""
        person = Person(
            self.s.next_id(self.s.people),
            telegram_id,
            display_name,
            language,
            timezone,
            consent_at,
        )
        self.s.people[person.id] = person
        return person

    async def update(self, person_id: int, **fields: Any) -> Person:
        """Change fields (blocked_at is a storage detail the domain type does not carry)."""
        fields.pop("blocked_at", None)
        person = dataclasses.replace(self.s.people[person_id], **fields)
        self.s.people[person_id] = person
        return person

    async def delete(self, person_id: int) -> None:
        """Delete with the same cascade as the schema."""
        self.s.people.pop(person_id, None)
        self.s.memberships = [m for m in self.s.memberships if m.person_id != person_id]
        self.s.reflection_shares = {
            (entry, sup): at
            for (entry, sup), at in self.s.reflection_shares.items()
            if sup != person_id
            and getattr(self.s.reflections.get(entry), "person_id", None) != person_id
        }
        self.s.links = [
            link for link in self.s.links if person_id not in (link.student_id, link.supervisor_id)
        ]
        self.s.questions = {k: q for k, q in self.s.questions.items() if q.person_id != person_id}
        self.s.forwards = {
            key: (qid, to)
            for key, (qid, to) in self.s.forwards.items()
            if to != person_id and qid in self.s.questions
        }


class FakeMemberships:
    """Memberships in memory."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def add(
        self, person_id: int, cohort_id: int, role: Role, joined_at: datetime | None = None
    ) -> Membership:
        """Add a membership (unique like the schema)."""
        membership = Membership(person_id, cohort_id, role)
        if membership in self.s.memberships:
            raise ValueError("duplicate membership")
        self.s.memberships.append(membership)
        self.s.joined[membership] = joined_at
        return membership

    async def for_person(self, person_id: int) -> Sequence[Membership]:
        """Return a person's memberships."""
        return [m for m in self.s.memberships if m.person_id == person_id]

    async def people_in(
        self, cohort_id: int, role: Role, joined_before: datetime | None = None
    ) -> Sequence[Person]:
        """Return the people with a role in a cohort (who joined before a moment)."""
        ids = [
            m.person_id
            for m in self.s.memberships
            if m.cohort_id == cohort_id
            and m.role is role
            and (joined_before is None or (self.s.joined.get(m) or joined_before) < joined_before)
        ]
        return sorted((self.s.people[i] for i in ids), key=lambda p: p.display_name)

    async def may_invite_coordinators(self, person_id: int, cohort_id: int) -> bool:
        """Return whether an operator granted this coordinator coordinator invites."""
        return (person_id, cohort_id) in self.s.invite_grants

    async def grant_coordinator_invites(self, person_id: int, cohort_id: int, on: bool) -> bool:
        """Grant or withdraw coordinator invites; False when not a coordinator there."""
        if Membership(person_id, cohort_id, Role.COORDINATOR) not in self.s.memberships:
            return False
        grants = set(self.s.invite_grants)
        (grants.add if on else grants.discard)((person_id, cohort_id))
        self.s.invite_grants = grants
        return True


class FakeInvites:
    """Invites in memory."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def add(
        self,
        code: str,
        cohort_id: int,
        role: Role,
        expires_at: datetime | None,
        max_uses: int | None,
        created_by: int | None,
    ) -> Invite:
        """Store an invite."""
        invite = Invite(
            self.s.next_id(self.s.invites), code, cohort_id, role, expires_at, max_uses, 0
        )
        self.s.invites[invite.id] = invite
        return invite

    async def by_code(self, code: str) -> Invite | None:
        """Find by code."""
        return next((i for i in self.s.invites.values() if i.code == code), None)

    async def consume(self, invite_id: int, now: datetime) -> bool:
        """Count a use when still allowed."""
        i = self.s.invites[invite_id]
        if (
            i.revoked
            or (i.expires_at and i.expires_at <= now)
            or (i.max_uses and i.uses >= i.max_uses)
        ):
            return False
        self.s.invites[invite_id] = dataclasses.replace(i, uses=i.uses + 1)
        return True

    async def revoke(self, invite_id: int, now: datetime) -> None:
        """Revoke."""
        self.s.invites[invite_id] = dataclasses.replace(self.s.invites[invite_id], revoked=True)

    async def for_cohort(self, cohort_id: int) -> Sequence[Invite]:
        """Return a cohort's invites."""
        return [i for i in self.s.invites.values() if i.cohort_id == cohort_id]


class FakeLinks:
    """Supervision links in memory."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def add(self, link: SupervisionLink, created_by: int | None) -> bool:
        """Store a link once."""
        if link in self.s.links:
            return False
        self.s.links.append(link)
        return True

    async def remove(self, link: SupervisionLink) -> bool:
        """Remove a link; the shares go with the last link between the two."""
        if link not in self.s.links:
            return False
        self.s.links = [other for other in self.s.links if other != link]
        pair = (link.supervisor_id, link.student_id)
        if not any((o.supervisor_id, o.student_id) == pair for o in self.s.links):
            shares = getattr(self.s, "reflection_shares", {})
            self.s.reflection_shares = {
                (entry, sup): at
                for (entry, sup), at in shares.items()
                if sup != link.supervisor_id
                or getattr(self.s.reflections.get(entry), "person_id", None) != link.student_id
            }
        return True

    async def supervisors_of(self, student_id: int) -> Sequence[SupervisionLink]:
        """Links where the person is the student."""
        return [link for link in self.s.links if link.student_id == student_id]

    async def students_of(self, supervisor_id: int) -> Sequence[SupervisionLink]:
        """Links where the person is the supervisor."""
        return [link for link in self.s.links if link.supervisor_id == supervisor_id]


class FakeAudit:
    """Audit log in memory."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def record(self, entry: AuditEntry) -> None:
        """Append."""
        self.s.audit.append(entry)

    async def recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        """Newest first."""
        return list(reversed(self.s.audit))[:limit]


class FakeQuestions:
    """Questions in memory."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def add(self, question: Question) -> Question:
        """Store with a new id."""
        stored = dataclasses.replace(question, id=self.s.next_id(self.s.questions))
        self.s.questions[stored.id] = stored
        return stored

    async def get(self, question_id: int) -> Question | None:
        """Return by id."""
        return self.s.questions.get(question_id)

    async def set_helpful(self, question_id: int, helpful: bool) -> None:
        """Record a vote."""
        self._change(question_id, helpful=helpful)

    async def mark_handed_off(self, question_id: int, now: datetime) -> bool:
        """Mark once."""
        if self.s.questions[question_id].handed_off_at is not None:
            return False
        self._change(question_id, handed_off_at=now)
        return True

    async def record_reply(
        self, question_id: int, replier_id: int, text: str, now: datetime
    ) -> None:
        """Store a reply."""
        self._change(question_id, reply=text, answered_at=now)

    async def add_forward(self, question_id: int, person_id: int, outbox_key: str) -> None:
        """Remember a forward queued under an outbox key."""
        self.s.forwards.setdefault(outbox_key, (question_id, person_id))

    async def by_forward(self, person_id: int, chat_id: int, message_id: int) -> Question | None:
        """Find by the message the outbox sent (see FakeOutbox(store))."""
        question_id, to = self.s.forwards.get(self.s.sent.get((chat_id, message_id), ""), (0, 0))
        return self.s.questions.get(question_id) if to == person_id else None

    async def for_person(self, person_id: int) -> Sequence[Question]:
        """A person's questions, oldest first."""
        return [q for q in self.s.questions.values() if q.person_id == person_id]

    async def cover(self, question_ids: Sequence[int], faq_id: int) -> None:
        """Mark questions as answered by a FAQ entry."""
        for question_id in question_ids:
            self._change(question_id, faq_id=faq_id)

    async def gaps(
        self, cohort_ids: Sequence[int] | None, include_anonymous: bool, limit: int = 500
    ) -> Sequence[Question]:
        """Gap questions, newest first."""

        def visible(q: Question) -> bool:
            if q.cohort_id is None:
                return include_anonymous
            return cohort_ids is None or q.cohort_id in cohort_ids

        hits = [q for q in self.s.questions.values() if q.gap_reasons() and visible(q)]
        return sorted(hits, key=lambda q: (q.asked_at, q.id), reverse=True)[:limit]

    def _change(self, question_id: int, **fields: Any) -> None:
        self.s.questions[question_id] = dataclasses.replace(
            self.s.questions[question_id], **fields
        )


class FakeUnitOfWork:
    """A unit of work over a FakeStore; 'rollback' restores a snapshot taken on entry."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.organisations = FakeOrganisations(store)
        self.cohorts = FakeCohorts(store)
        self.people = FakePeople(store)
        self.memberships = FakeMemberships(store)
        self.invites = FakeInvites(store)
        self.links = FakeLinks(store)
        self.audit = FakeAudit(store)
        self.questions = FakeQuestions(store)
        self.broadcasts = FakeBroadcasts(store)
        self.schedules = FakeSchedules(store)
        self.reflections = FakeReflections(store)
        self.goals = FakeGoals(store)
        self.reports = FakeReports(store)
        self.conversations = FakeConversations(store)
        self.digests = FakeDigests(store)
        self.pulse = FakePulse(store)
        self.feedback = FakeFeedback(store)
        self.uploads = FakeUploads(store)
        self.faqs = FakeFaqs(store)
        self.records = FakeRecords(store)
        self.retention = FakeRetention(store)
        self._snapshot: dict | None = None

    async def __aenter__(self) -> Self:
        """Snapshot the state."""
        self._snapshot = _copy(self.store.__dict__)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Restore the snapshot unless committed."""
        if self._snapshot is not None:
            commits = self.store.commits
            self.store.__dict__.update(self._snapshot)
            self.store.commits = commits

    async def commit(self) -> None:
        """Keep the changes."""
        self.store.commits += 1
        self._snapshot = _copy(self.store.__dict__)


def _copy(state: dict) -> dict:
    return {k: (v.copy() if isinstance(v, dict | list) else v) for k, v in state.items()}


class FakeUowFactory:
    """Creates fake units of work over one store."""

    def __init__(self) -> None:
        self.store = FakeStore()

    def __call__(self) -> FakeUnitOfWork:
        """Return a new unit of work."""
        return FakeUnitOfWork(self.store)
