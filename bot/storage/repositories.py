"""SQL implementations of the repository ports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.domain import (
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
from bot.storage import convert
from bot.storage.models import (
    AuditRow,
    CohortRow,
    DepartmentRow,
    InviteRow,
    MembershipRow,
    OrganisationRow,
    PersonRow,
    SupervisionLinkRow,
)


class _Repo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session


def _as_id(ref: str) -> int | None:
    return int(ref) if ref.strip().isdigit() else None


class SqlOrganisationRepo(_Repo):
    """Organisations and departments."""

    async def get_or_create_organisation(self, name: str) -> Organisation:
        """Return the organisation with this name, creating it if needed."""
        row = await self._s.scalar(select(OrganisationRow).where(OrganisationRow.name == name))
        if row is None:
            row = OrganisationRow(name=name)
            self._s.add(row)
            await self._s.flush()
        return convert.organisation(row)

    async def add_department(self, organisation_id: int, name: str, key: str) -> Department:
        """Create a department."""
        row = DepartmentRow(organisation_id=organisation_id, name=name, key=key)
        self._s.add(row)
        await self._s.flush()
        return convert.department(row)

    async def department_by_ref(self, ref: str) -> Department | None:
        """Find a department by id, key or exact name."""
        clauses = [DepartmentRow.key == ref, DepartmentRow.name == ref]
        if (ident := _as_id(ref)) is not None:
            clauses.append(DepartmentRow.id == ident)
        rows = (await self._s.scalars(select(DepartmentRow).where(or_(*clauses)))).all()
        return convert.department(rows[0]) if len(rows) == 1 else None

    async def department(self, department_id: int) -> Department | None:
        """Return a department by id."""
        row = await self._s.get(DepartmentRow, department_id)
        return convert.department(row) if row else None

    async def list_departments(self) -> Sequence[Department]:
        """Return all departments."""
        rows = await self._s.scalars(select(DepartmentRow).order_by(DepartmentRow.id))
        return [convert.department(r) for r in rows]


class SqlCohortRepo(_Repo):
    """Cohorts."""

    async def add(
        self, department_id: int, name: str, profession: Profession, starts_on: date, ends_on: date
    ) -> Cohort:
        """Create a cohort."""
        row = CohortRow(
            department_id=department_id,
            name=name,
            profession=profession.value,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        self._s.add(row)
        await self._s.flush()
        return convert.cohort(row)

    async def get(self, cohort_id: int) -> Cohort | None:
        """Return a cohort by id."""
        row = await self._s.get(CohortRow, cohort_id)
        return convert.cohort(row) if row else None

    async def by_ref(self, ref: str) -> Cohort | None:
        """Find a cohort by id or exact name (None when the name is ambiguous)."""
        if (ident := _as_id(ref)) is not None:
            return await self.get(ident)
        rows = (await self._s.scalars(select(CohortRow).where(CohortRow.name == ref))).all()
        return convert.cohort(rows[0]) if len(rows) == 1 else None

    async def list(self, ids: Sequence[int] | None = None) -> Sequence[Cohort]:
        """Return all cohorts, or those with the given ids."""
        query = select(CohortRow).order_by(CohortRow.starts_on.desc(), CohortRow.id)
        if ids is not None:
            query = query.where(CohortRow.id.in_(list(ids)))
        return [convert.cohort(r) for r in await self._s.scalars(query)]

    async def starting_between(self, first: date, last: date) -> Sequence[Cohort]:
        """Return the cohorts whose placement starts on a day from `first` to `last`."""
        query = select(CohortRow).where(CohortRow.starts_on.between(first, last))
        return [convert.cohort(r) for r in await self._s.scalars(query.order_by(CohortRow.id))]

    async def set_welcome(self, cohort_id: int, text: str | None) -> Cohort:
        """Store the cohort's welcome text (None: back to the default)."""
        row = await self._s.get(CohortRow, cohort_id)
        if row is None:
            raise LookupError(f"cohort {cohort_id} not found")
        row.welcome_text = text
        await self._s.flush()
        return convert.cohort(row)


class SqlPersonRepo(_Repo):
    """People."""

    async def by_telegram_id(self, telegram_id: int) -> Person | None:
        """Return the person with this Telegram id."""
        row = await self._s.scalar(select(PersonRow).where(PersonRow.telegram_id == telegram_id))
        return convert.person(row) if row else None

    async def get(self, person_id: int) -> Person | None:
        """Return a person by id."""
        row = await self._s.get(PersonRow, person_id)
        return convert.person(row) if row else None

    async def add(
        self,
        telegram_id: int,
        display_name: str,
        language: str,
        timezone: str,
        consent_at: datetime,
    ) -> Person:
        """Create a person."""
        row = PersonRow(
            telegram_id=telegram_id,
            display_name=display_name,
            language=language,
            timezone=timezone,
            consent_at=consent_at,
        )
        self._s.add(row)
        await self._s.flush()
        return convert.person(row)

    async def update(self, person_id: int, **fields: object) -> Person:
        """Change fields of a person."""
        row = await self._s.get(PersonRow, person_id)
        if row is None:
            raise LookupError(f"person {person_id} not found")
        for name, value in fields.items():
            if name not in {
                "display_name",
                "language",
                "timezone",
                "active",
                "awaiting",
                "blocked_at",
            }:
                raise ValueError(f"field {name} cannot be updated")
            setattr(row, name, value)
        await self._s.flush()
        return convert.person(row)

    async def delete(self, person_id: int) -> None:
        """Delete a person; the schema cascades memberships and links."""
        await self._s.execute(delete(PersonRow).where(PersonRow.id == person_id))


class SqlMembershipRepo(_Repo):
    """Memberships."""

    async def add(
        self, person_id: int, cohort_id: int, role: Role, joined_at: datetime | None = None
    ) -> Membership:
        """Add a membership (joined now, or at `joined_at`)."""
        row = MembershipRow(person_id=person_id, cohort_id=cohort_id, role=role.value)
        if joined_at is not None:
            row.created_at = joined_at
        self._s.add(row)
        await self._s.flush()
        return convert.membership(row)

    async def for_person(self, person_id: int) -> Sequence[Membership]:
        """Return a person's memberships."""
        query = select(MembershipRow).where(MembershipRow.person_id == person_id)
        return [convert.membership(r) for r in await self._s.scalars(query.order_by("id"))]

    async def people_in(
        self, cohort_id: int, role: Role, joined_before: datetime | None = None
    ) -> Sequence[Person]:
        """Return the people with a role in a cohort (who joined before a moment), by name."""
        query = (
            select(PersonRow)
            .join(MembershipRow, MembershipRow.person_id == PersonRow.id)
            .where(MembershipRow.cohort_id == cohort_id, MembershipRow.role == role.value)
            .order_by(PersonRow.display_name, PersonRow.id)
        )
        if joined_before is not None:
            query = query.where(MembershipRow.created_at < joined_before)
        return [convert.person(r) for r in await self._s.scalars(query)]


class SqlInviteRepo(_Repo):
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
        row = InviteRow(
            code=code,
            cohort_id=cohort_id,
            role=role.value,
            expires_at=expires_at,
            max_uses=max_uses,
            created_by=created_by,
        )
        self._s.add(row)
        await self._s.flush()
        return convert.invite(row)

    async def by_code(self, code: str) -> Invite | None:
        """Return the invite with this code."""
        row = await self._s.scalar(select(InviteRow).where(InviteRow.code == code))
        return convert.invite(row) if row else None

    async def consume(self, invite_id: int, now: datetime) -> bool:
        """Count one use in a single conditional UPDATE, so concurrent uses cannot overrun."""
        stmt = (
            update(InviteRow)
            .where(
                InviteRow.id == invite_id,
                InviteRow.revoked_at.is_(None),
                or_(InviteRow.expires_at.is_(None), InviteRow.expires_at > now),
                or_(InviteRow.max_uses.is_(None), InviteRow.uses < InviteRow.max_uses),
            )
            .values(uses=InviteRow.uses + 1)
            .execution_options(synchronize_session=False)
        )
        result = await self._s.execute(stmt)
        return result.rowcount == 1

    async def revoke(self, invite_id: int, now: datetime) -> None:
        """Revoke an invite."""
        await self._s.execute(
            update(InviteRow).where(InviteRow.id == invite_id).values(revoked_at=now)
        )

    async def for_cohort(self, cohort_id: int) -> Sequence[Invite]:
        """Return a cohort's invites, newest first."""
        query = select(InviteRow).where(InviteRow.cohort_id == cohort_id)
        return [
            convert.invite(r) for r in await self._s.scalars(query.order_by(InviteRow.id.desc()))
        ]


class SqlLinkRepo(_Repo):
    """Supervisor-student links."""

    async def add(self, link: SupervisionLink, created_by: int | None) -> bool:
        """Store a link; False when it already existed."""
        exists = await self._s.scalar(
            select(SupervisionLinkRow.id).where(
                SupervisionLinkRow.cohort_id == link.cohort_id,
                SupervisionLinkRow.supervisor_id == link.supervisor_id,
                SupervisionLinkRow.student_id == link.student_id,
            )
        )
        if exists is not None:
            return False
        try:
            async with self._s.begin_nested():
                self._s.add(
                    SupervisionLinkRow(
                        cohort_id=link.cohort_id,
                        supervisor_id=link.supervisor_id,
                        student_id=link.student_id,
                        created_by=created_by,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def supervisors_of(self, student_id: int) -> Sequence[SupervisionLink]:
        """Return the links where this person is the student."""
        query = select(SupervisionLinkRow).where(SupervisionLinkRow.student_id == student_id)
        return [convert.link(r) for r in await self._s.scalars(query)]

    async def students_of(self, supervisor_id: int) -> Sequence[SupervisionLink]:
        """Return the links where this person is the supervisor."""
        query = select(SupervisionLinkRow).where(SupervisionLinkRow.supervisor_id == supervisor_id)
        return [convert.link(r) for r in await self._s.scalars(query)]


class SqlAuditRepo(_Repo):
    """Audit log."""

    async def record(self, entry: AuditEntry) -> None:
        """Append an entry."""
        self._s.add(
            AuditRow(
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                cohort_id=entry.cohort_id,
                target_person_id=entry.target_person_id,
                details=dict(entry.details),
            )
        )
        await self._s.flush()

    async def recent(self, limit: int = 50) -> Sequence[AuditEntry]:
        """Return the newest entries first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        return [convert.audit(r) for r in await self._s.scalars(query)]
