"""Broadcasts and introductions on real SQLite and PostgreSQL, with the SQL outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.broadcasts.introductions import IntroductionService
from bot.services.broadcasts.reports import BroadcastReports
from bot.services.broadcasts.service import BroadcastService
from bot.services.broadcasts.types import Audience, BroadcastStatus
from bot.services.delivery.outbox import MessageKind, OutboxStatus
from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import Profession, Role
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock
from tests.unit.fakes_broadcasts import FakeOutbox

CLI = Actor.cli()


async def _cohort(uow_factory: SqlUnitOfWorkFactory, clock: ManualClock, starts: date) -> int:
    coordination = CoordinationService(uow_factory, FakeOutbox(), clock)
    await coordination.create_department(CLI, "Medicinsk M2", "Region H", key="m2")
    cohort = await coordination.create_cohort(
        CLI,
        name="Forår F27",
        department_ref="m2",
        profession=Profession.NURSING,
        starts_on=starts,
        ends_on=date(2027, 6, 30),
    )
    return cohort.id


async def _people(
    uow_factory: SqlUnitOfWorkFactory, clock: ManualClock, cohort_id: int, **services: object
) -> dict[int, int]:
    """Enrol telegram ids 1 (coordinator), 2 and 3 (students); return their person ids."""
    coordination = CoordinationService(uow_factory, FakeOutbox(), clock)
    enrolment = EnrolmentService(
        uow_factory, clock, default_timezone="Europe/Copenhagen", **services
    )
    ids = {}
    for telegram_id, role in ((1, Role.COORDINATOR), (2, Role.STUDENT), (3, Role.STUDENT)):
        code = (await coordination.create_invite(CLI, cohort_id, role)).code
        result = await enrolment.enrol(telegram_id, code, language="da", display_name="X")
        assert isinstance(result, Enrolled)
        ids[telegram_id] = result.person.id
    return ids


async def test_repository_round_trip_and_a_single_winning_transition(
    uow_factory: SqlUnitOfWorkFactory, clock: ManualClock
) -> None:
    cohort_id = await _cohort(uow_factory, clock, date(2027, 2, 1))
    async with uow_factory() as uow:
        draft = await uow.broadcasts.add(None, [cohort_id], clock.now())
        changed = await uow.broadcasts.update(
            draft.id,
            audience=Audience.BOTH,
            text="<b>Hej</b>",
            file_kind=MessageKind.PHOTO,
            file_path="/x/photo.png",
            cohort_ids=(cohort_id,),
        )
        await uow.commit()
    assert (changed.audience, changed.file_kind, changed.cohort_ids) == (
        Audience.BOTH,
        MessageKind.PHOTO,
        (cohort_id,),
    )
    due = clock.now() + timedelta(days=1)
    async with uow_factory() as uow:
        draft_status = [BroadcastStatus.DRAFT]
        first = await uow.broadcasts.transition(
            draft.id, draft_status, BroadcastStatus.SCHEDULED, send_at=due, reported={"sent": 0}
        )
        second = await uow.broadcasts.transition(draft.id, draft_status, BroadcastStatus.SENDING)
        await uow.commit()
        stored = await uow.broadcasts.get(draft.id)
        scheduled = await uow.broadcasts.with_status([BroadcastStatus.SCHEDULED])
    assert (first, second) == (True, False)
    assert (stored.status, stored.send_at, stored.reported) == (
        BroadcastStatus.SCHEDULED,
        due,
        {"sent": 0},
    )
    assert [b.id for b in scheduled] == [draft.id]


async def test_send_is_idempotent_and_reported_from_the_sql_outbox(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: ManualClock, tmp_path: Path
) -> None:
    cohort_id = await _cohort(uow_factory, clock, date(2027, 2, 1))
    ids = await _people(uow_factory, clock, cohort_id)
    outbox = SqlOutboxStore(engine)
    broadcasts = BroadcastService(uow_factory, outbox, clock, tmp_path)
    reports = BroadcastReports(uow_factory, outbox, clock, "da")
    karin = Actor("person:karin", ids[1])
    draft = await broadcasts.start(karin)
    await broadcasts.choose_audience(karin, draft.broadcast.id, Audience.STUDENTS)
    await broadcasts.set_text(karin, draft.broadcast.id, "Hej &amp; velkommen")
    await broadcasts.skip_attachment(karin, draft.broadcast.id)
    first = await broadcasts.send_now(karin, draft.broadcast.id, 1, 50)
    again = await broadcasts.send_now(karin, draft.broadcast.id, 1, 50)
    assert (first.recipients, first.already, again.already) == (2, False, True)
    state = await reports.state(karin, draft.broadcast.id)
    assert state.report.count(OutboxStatus.PENDING) == 2
    assert await reports.progress() == []
    items = await outbox.claim("w", clock.now(), timedelta(minutes=1), 10)
    assert sorted(i.chat_id for i in items) == [2, 3]
    assert {i.payload["text"] for i in items} == {"Hej &amp; velkommen"}


async def test_preboarding_selects_due_students_from_sql_once(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: ManualClock
) -> None:
    cohort_id = await _cohort(uow_factory, clock, date(2027, 2, 20))
    outbox = SqlOutboxStore(engine)
    introductions = IntroductionService(
        uow_factory, outbox, clock, timezone="Europe/Copenhagen", preboarding_days=7
    )
    await _people(uow_factory, clock, cohort_id, introductions=introductions)
    assert (await outbox.report("intro:join")).count(OutboxStatus.PENDING) == 2
    clock.set(datetime(2027, 2, 13, 7, 0, tzinfo=UTC))
    assert await introductions.preboard() == 2
    assert await introductions.preboard() == 0
    async with uow_factory() as uow:
        welcome = await uow.cohorts.set_welcome(cohort_id, "Hej {name}")
        await uow.commit()
        starting = await uow.cohorts.starting_between(date(2027, 2, 20), date(2027, 2, 20))
        early = await uow.memberships.people_in(
            cohort_id, Role.STUDENT, datetime(2027, 2, 3, 7, 0, tzinfo=UTC)
        )
    assert welcome.welcome == "Hej {name}"
    assert [c.id for c in starting] == [cohort_id]
    assert early == []  # they joined at 08:00 UTC, not before 07:00
