"""Supervisor links on fakes: both people are told through the outbox, once, in their own
language and out of their quiet hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import Profession, Role
from bot.services.kernel.errors import NotAllowed, NotFound
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

CLI = Actor.cli()
STUDENT, SUPERVISOR, OTHER_STUDENT = 21, 22, 23


@dataclass
class World:
    """A cohort with two students (Danish) and a supervisor (English), on fakes."""

    uow: FakeUowFactory
    outbox: FakeOutbox
    coordination: CoordinationService
    cohort_id: int
    ids: dict[int, int]


@pytest.fixture
async def world(clock: ManualClock) -> World:
    """Return the cohort and its people."""
    uow, outbox = FakeUowFactory(), FakeOutbox()
    coordination = CoordinationService(uow, outbox, clock)
    enrolment = EnrolmentService(uow, clock, default_timezone="Europe/Copenhagen")
    await coordination.create_department(CLI, "Medicinsk M2", "Region H", key="m2")
    cohort = await coordination.create_cohort(
        CLI,
        name="F27",
        department_ref="m2",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 6, 30),
    )
    ids = {}
    cast = [
        (STUDENT, Role.STUDENT, "da", "Sofie <S>"),
        (SUPERVISOR, Role.SUPERVISOR, "en", "Mads"),
        (OTHER_STUDENT, Role.STUDENT, "da", "Bo"),
    ]
    for telegram_id, role, language, name in cast:
        code = (await coordination.create_invite(CLI, cohort.id, role)).code
        result = await enrolment.enrol(telegram_id, code, language=language, display_name=name)
        assert isinstance(result, Enrolled)
        ids[telegram_id] = result.person.id
    return World(uow, outbox, coordination, cohort.id, ids)


async def _link(world: World, student: int) -> bool:
    created, _student, _supervisor = await world.coordination.link(
        CLI, world.cohort_id, world.ids[student], world.ids[SUPERVISOR]
    )
    return created


async def test_a_new_link_tells_both_in_their_language_and_a_repeat_tells_nobody(
    world: World, clock: ManualClock
) -> None:
    assert await _link(world, STUDENT)
    assert not await _link(world, STUDENT)  # a double tap on the last button
    (to_student,) = world.outbox.to(STUDENT)
    (to_supervisor,) = world.outbox.to(SUPERVISOR)
    assert to_student.payload == {"text": "Din vejleder er Mads."}
    assert to_supervisor.payload == {"text": "You are now supervisor for Sofie &lt;S&gt;."}
    assert {m.origin for m in (to_student, to_supervisor)} == {"link"}
    assert to_student.not_before == clock.now()
    assert to_student.person_id == world.ids[STUDENT]
    pair = f"{world.cohort_id}:{world.ids[SUPERVISOR]}:{world.ids[STUDENT]}"
    key = f"link:{pair}:{clock.now().timestamp()}"
    assert to_student.dedupe_key == f"{key}:{world.ids[STUDENT]}"
    assert to_supervisor.dedupe_key == f"{key}:{world.ids[SUPERVISOR]}"


async def test_an_undone_link_tells_both_and_a_new_link_is_told_again(
    world: World, clock: ManualClock
) -> None:
    assert await _link(world, STUDENT)
    coordination, cohort = world.coordination, world.cohort_id
    student, supervisor = world.ids[STUDENT], world.ids[SUPERVISOR]
    removed, *_ = await coordination.unlink(CLI, cohort, student, supervisor)
    assert removed
    assert not (await coordination.unlink(CLI, cohort, student, supervisor))[0]  # double tap
    assert [m.payload["text"] for m in world.outbox.to(STUDENT)][-1].startswith(
        "Mads er ikke længere koblet til dig"
    )
    assert world.outbox.to(SUPERVISOR)[-1].payload == {
        "text": "You are no longer supervisor for Sofie &lt;S&gt;."
    }
    clock.advance(minutes=5)
    assert await _link(world, STUDENT)  # linked again: told again
    assert world.outbox.to(STUDENT)[-1].payload == {"text": "Din vejleder er Mads."}
    assert len(world.outbox.to(STUDENT)) == 3
    actions = [e.action for e in await coordination.audit_log(CLI)]
    assert "link.remove" in actions


async def test_nobody_links_themselves(world: World) -> None:
    me = Actor("person:x", world.ids[SUPERVISOR])
    with pytest.raises(NotAllowed):
        await world.coordination.link(me, world.cohort_id, world.ids[STUDENT], me.person_id)


async def test_a_link_made_at_night_is_told_in_the_morning_and_not_to_the_unreachable(
    world: World, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 2, 3, 23, 15, tzinfo=UTC))  # 00:15 in Copenhagen
    async with world.uow() as uow:  # the student blocked the bot
        await uow.people.update(world.ids[OTHER_STUDENT], active=False)
        await uow.commit()
    assert await _link(world, OTHER_STUDENT)
    assert world.outbox.to(OTHER_STUDENT) == []
    (to_supervisor,) = world.outbox.to(SUPERVISOR)
    assert to_supervisor.not_before == datetime(2027, 2, 4, 6, 0, tzinfo=UTC)  # 07:00 local


async def test_a_refused_link_queues_nothing(world: World) -> None:
    with pytest.raises(NotFound):  # a supervisor is no student
        await world.coordination.link(
            CLI, world.cohort_id, world.ids[SUPERVISOR], world.ids[SUPERVISOR]
        )
    assert world.outbox.rows == []
