"""Repositories and the unit of work against real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import AuditEntry, InviteProblem, Profession, Question, Role
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from bot.services.privacy.service import PrivacyService
from bot.storage.base import Base
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock
from tests.unit.fakes_broadcasts import FakeOutbox

CLI = Actor.cli()


async def _cohort(coordination: CoordinationService) -> int:
    await coordination.create_department(CLI, "Akutmodtagelsen", "Region Hovedstaden")
    cohort = await coordination.create_cohort(
        CLI,
        name="Medicin 9. semester",
        department_ref="akutmodtagelsen",
        profession=Profession.MEDICINE,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 4, 30),
    )
    return cohort.id


async def test_times_round_trip_as_aware_utc(uow_factory: SqlUnitOfWorkFactory) -> None:
    moment = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)
    async with uow_factory() as uow:
        person = await uow.people.add(1, "Anna", "da", "Europe/Copenhagen", moment)
        await uow.commit()
    async with uow_factory() as uow:
        again = await uow.people.get(person.id)
    assert again is not None
    assert again.consent_at == moment
    assert again.consent_at.tzinfo is not None


async def test_uncommitted_work_is_rolled_back(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.people.add(7, "Bo", "da", "UTC", datetime.now(UTC))
    async with uow_factory() as uow:
        assert await uow.people.by_telegram_id(7) is None


async def test_concurrent_uses_never_exceed_max_uses(
    uow_factory: SqlUnitOfWorkFactory, clock: ManualClock
) -> None:
    coordination = CoordinationService(uow_factory, FakeOutbox(), clock)
    enrolment = EnrolmentService(uow_factory, clock, default_timezone="Europe/Copenhagen")
    cohort_id = await _cohort(coordination)
    invite = await coordination.create_invite(CLI, cohort_id, Role.STUDENT, max_uses=3)
    results = await asyncio.gather(
        *(
            enrolment.enrol(100 + i, invite.code, language="da", display_name=f"S{i}")
            for i in range(8)
        ),
        return_exceptions=True,
    )
    enrolled = [r for r in results if isinstance(r, Enrolled)]
    assert len(enrolled) == 3
    assert all(r == InviteProblem.USED_UP or isinstance(r, Enrolled | Exception) for r in results)
    async with uow_factory() as uow:
        stored = await uow.invites.by_code(invite.code)
        members = await uow.memberships.people_in(cohort_id, Role.STUDENT)
    assert stored is not None
    assert stored.uses == 3
    assert len(members) == 3


async def test_links_are_unique_listed_and_announced_once(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: ManualClock
) -> None:
    coordination = CoordinationService(uow_factory, SqlOutboxStore(engine), clock)
    enrolment = EnrolmentService(uow_factory, clock, default_timezone="UTC")
    cohort_id = await _cohort(coordination)
    s_code = (await coordination.create_invite(CLI, cohort_id, Role.STUDENT)).code
    v_code = (await coordination.create_invite(CLI, cohort_id, Role.SUPERVISOR)).code
    student = await enrolment.enrol(1, s_code, language="da", display_name="Stud")
    supervisor = await enrolment.enrol(2, v_code, language="da", display_name="Vejl")
    assert isinstance(student, Enrolled)
    assert isinstance(supervisor, Enrolled)
    first = await coordination.link(CLI, cohort_id, student.person.id, supervisor.person.id)
    second = await coordination.link(CLI, cohort_id, student.person.id, supervisor.person.id)
    assert (first[0], second[0]) == (True, False)
    async with uow_factory() as uow:
        assert len(await uow.links.supervisors_of(student.person.id)) == 1
        assert len(await uow.links.students_of(supervisor.person.id)) == 1
    async with engine.connect() as conn:
        rows = (await conn.execute(select(OutboxRow.chat_id, OutboxRow.payload))).all()
    assert sorted((chat, payload["text"]) for chat, payload in rows) == [
        (1, "Din vejleder er Vejl."),
        (2, "Du er nu vejleder for Stud."),
    ]


async def test_deletion_leaves_no_row_that_points_at_the_person(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: ManualClock
) -> None:
    coordination = CoordinationService(uow_factory, SqlOutboxStore(engine), clock)
    enrolment = EnrolmentService(uow_factory, clock, default_timezone="UTC")
    cohort_id = await _cohort(coordination)
    s_code = (await coordination.create_invite(CLI, cohort_id, Role.STUDENT)).code
    v_code = (await coordination.create_invite(CLI, cohort_id, Role.SUPERVISOR)).code
    student = await enrolment.enrol(555, s_code, language="da", display_name="Slet Mig")
    supervisor = await enrolment.enrol(2, v_code, language="da", display_name="Vejl")
    assert isinstance(student, Enrolled)
    assert isinstance(supervisor, Enrolled)
    await coordination.link(CLI, cohort_id, student.person.id, supervisor.person.id)
    await _questions_of(uow_factory, clock, cohort_id, student.person.id, supervisor.person.id)
    assert await PrivacyService(uow_factory, clock).delete(555)
    person_id = student.person.id
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                refers = any(fk.column.table.name == "person" for fk in column.foreign_keys)
                if refers or (table.name == "person" and column.name == "id"):
                    count = await conn.scalar(
                        text(f'SELECT COUNT(*) FROM "{table.name}" WHERE "{column.name}" = :v'),
                        {"v": person_id},
                    )
                    assert count == 0, f"{table.name}.{column.name} still points at the person"
                if column.type.python_type is str:
                    hits = await conn.scalar(
                        text(f'SELECT COUNT(*) FROM "{table.name}" WHERE "{column.name}" = :v'),
                        {"v": "Slet Mig"},
                    )
                    assert hits == 0, f"{table.name}.{column.name} still holds the name"


async def _questions_of(
    uow_factory: SqlUnitOfWorkFactory,
    clock: ManualClock,
    cohort_id: int,
    person_id: int,
    other_id: int,
) -> None:
    """Store a question the person asked (forwarded to the other) and one they answered."""
    async with uow_factory() as uow:
        own = await uow.questions.add(
            Question(0, "Slet Mig", "da", clock.now(), person_id, cohort_id, True, 0.2)
        )
        await uow.questions.add_forward(own.id, other_id, f"question:{own.id}:to:{other_id}")
        other = await uow.questions.add(
            Question(0, "Hvor er kantinen?", "da", clock.now(), other_id, cohort_id, True, 0.2)
        )
        await uow.questions.mark_handed_off(other.id, clock.now())
        await uow.questions.add_forward(other.id, person_id, "question:old")
        await uow.questions.record_reply(other.id, person_id, "I stueetagen.", clock.now())
        await uow.commit()


async def test_audit_entries_keep_details(uow_factory: SqlUnitOfWorkFactory) -> None:
    entry = AuditEntry(datetime.now(UTC), "cli", "cohort.create", None, None, {"id": 3})
    async with uow_factory() as uow:
        await uow.audit.record(entry)
        await uow.commit()
    async with uow_factory() as uow:
        (stored,) = await uow.audit.recent(1)
    assert stored.details == {"id": 3}
    assert stored.action == "cohort.create"


@pytest.mark.parametrize("expired", [True, False])
async def test_consume_respects_expiry_in_sql(
    uow_factory: SqlUnitOfWorkFactory, clock: ManualClock, expired: bool
) -> None:
    coordination = CoordinationService(uow_factory, FakeOutbox(), clock)
    cohort_id = await _cohort(coordination)
    invite = await coordination.create_invite(
        CLI, cohort_id, Role.STUDENT, expires_at=clock.now() + timedelta(hours=1)
    )
    later = clock.now() + timedelta(hours=2 if expired else 0)
    async with uow_factory() as uow:
        assert await uow.invites.consume(invite.id, later) is (not expired)
