"""SQL implementations of the repository ports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.identity.domain import (
    Cohort,
    Department,
    Membership,
    Organisation,
    Person,
    Profession,
    Role,
)
from bot.storage.identity import convert
from bot.storage.identity.models import (
    CohortRow,
    DepartmentRow,
    MembershipRow,
    OrganisationRow,
    PersonRow,
)


class Repo:
    """Base of the SQL repositories: each works inside the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session


def _as_id(ref: str) -> int | None:
    return int(ref) if ref.strip().isdigit() else None


class SqlOrganisationRepo(Repo):
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


class SqlCohortRepo(Repo):
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

    async def set_prompt_defaults(
        self, cohort_id: int, shift: str, days: int, minutes: int | None
    ) -> Cohort:
        """Store the defaults for new students' reflection schedules."""
        row = await self._s.get(CohortRow, cohort_id)
        if row is None:
            raise LookupError(f"cohort {cohort_id} not found")
        row.prompt_shift, row.prompt_days, row.prompt_minutes = shift, days, minutes
        await self._s.flush()
        return convert.cohort(row)


class SqlPersonRepo(Repo):
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


class SqlMembershipRepo(Repo):
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

    def _coordinating(self, person_id: int, cohort_id: int) -> tuple[ColumnElement[bool], ...]:
        return (
            MembershipRow.person_id == person_id,
            MembershipRow.cohort_id == cohort_id,
            MembershipRow.role == Role.COORDINATOR.value,
        )

    async def may_invite_coordinators(self, person_id: int, cohort_id: int) -> bool:
        """Return whether an operator granted this coordinator coordinator invites."""
        query = select(MembershipRow.may_invite_coordinators).where(
            *self._coordinating(person_id, cohort_id)
        )
        return bool(await self._s.scalar(query))

    async def grant_coordinator_invites(self, person_id: int, cohort_id: int, on: bool) -> bool:
        """Grant or withdraw coordinator invites; False when not a coordinator there."""
        stmt = (
            update(MembershipRow)
            .where(*self._coordinating(person_id, cohort_id))
            .values(may_invite_coordinators=on)
        )
        return bool((await self._s.execute(stmt)).rowcount)  # type: ignore[attr-defined]
