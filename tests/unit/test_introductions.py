"""Introductions on fakes: the welcome text, the join message and the preboarding tick."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from bot.services.broadcasts.introductions import (
    JOIN_DELAY,
    IntroductionService,
    UnknownPlaceholder,
    clean_welcome,
    render_welcome,
)
from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import Profession, Role
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

CLI = Actor.cli()


@dataclass
class World:
    """A cohort starting on 20 February 2027, with the services under test."""

    uow: FakeUowFactory
    outbox: FakeOutbox
    clock: ManualClock
    coordination: CoordinationService
    enrolment: EnrolmentService
    introductions: IntroductionService
    cohort_id: int

    async def join(self, telegram_id: int, role: Role, name: str, language: str = "da") -> int:
        """Enrol someone with a fresh invite; return their person id."""
        code = (await self.coordination.create_invite(CLI, self.cohort_id, role)).code
        result = await self.enrolment.enrol(
            telegram_id, code, language=language, display_name=name
        )
        assert isinstance(result, Enrolled)
        return result.person.id


@pytest.fixture
async def world(clock: ManualClock) -> World:
    """Return a cohort that starts in 17 days, on fakes."""
    uow, outbox = FakeUowFactory(), FakeOutbox()
    coordination = CoordinationService(uow, outbox, clock)
    introductions = IntroductionService(
        uow, outbox, clock, timezone="Europe/Copenhagen", preboarding_days=7
    )
    enrolment = EnrolmentService(
        uow, clock, default_timezone="Europe/Copenhagen", introductions=introductions
    )
    await coordination.create_department(CLI, "Medicinsk M2", "Region H", key="m2")
    cohort = await coordination.create_cohort(
        CLI,
        name="Forår F27",
        department_ref="m2",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 20),
        ends_on=date(2027, 6, 30),
    )
    return World(uow, outbox, clock, coordination, enrolment, introductions, cohort.id)


def test_placeholders_are_filled_escaped_and_checked() -> None:
    text = render_welcome("Hej {name}! {other} {start_date}", {"name": "<Ib>", "start_date": "1."})
    assert text == "Hej &lt;Ib&gt;! {other} 1."
    assert clean_welcome("  Hej {name} på {cohort}  ") == "Hej {name} på {cohort}"
    with pytest.raises(UnknownPlaceholder) as caught:
        clean_welcome("Hej {navn} og {0}")
    assert caught.value.names == ["0", "navn"]
    with pytest.raises(ContainsCpr):
        clean_welcome("Husk 010190-1234")
    with pytest.raises(Invalid):
        clean_welcome("<b> </b>")


async def test_a_new_student_gets_the_default_welcome_once_after_a_minute(world: World) -> None:
    anna = await world.join(10, Role.STUDENT, "Anna")
    await world.join(11, Role.SUPERVISOR, "Mads")  # supervisors get no introduction
    [message] = world.outbox.rows
    assert message.message.chat_id == 10
    assert message.message.dedupe_key == f"intro:join:{world.cohort_id}:{anna}"
    assert message.message.not_before == world.clock.now() + JOIN_DELAY
    text = message.message.payload["text"]
    assert text.startswith("Velkommen til Forår F27, Anna!")
    assert "Medicinsk M2 starter 20. februar 2027" in text
    assert "Din vejleder: ikke tildelt endnu" in text
    person = world.uow.store.people[anna]
    cohort = world.uow.store.cohorts[world.cohort_id]
    assert await world.introductions.student_joined(person, cohort) == 0  # deduplicated


async def test_coordinators_replace_the_welcome_text(world: World) -> None:
    karin = await world.join(20, Role.COORDINATOR, "Karin")
    student = await world.join(21, Role.STUDENT, "Bo", language="en")
    with pytest.raises(NotAllowed):
        await world.introductions.set_welcome(Actor("x", student), world.cohort_id, "Hej")
    actor = Actor("person:karin", karin)
    await world.introductions.ask_for_welcome(actor, world.cohort_id)
    assert world.uow.store.people[karin].awaiting == f"welcome:{world.cohort_id}"
    saved = await world.introductions.set_welcome(
        actor, world.cohort_id, "Hej {name} ({start_date})"
    )
    assert (saved.custom, saved.sample) == (True, "Hej Karin (20. februar 2027)")
    assert world.uow.store.people[karin].awaiting is None
    shown = await world.introductions.welcome(actor, world.cohort_id, "en")
    assert shown.template == "Hej {name} ({start_date})"
    reset = await world.introductions.set_welcome(actor, world.cohort_id, None)
    assert not reset.custom
    assert reset.template.startswith("Velkommen til {cohort}")
    assert world.uow.store.audit[-1].action == "cohort.welcome"


async def test_preboarding_is_due_once_in_the_window_for_students_who_joined_before(
    world: World,
) -> None:
    anna = await world.join(30, Role.STUDENT, "Anna")
    mads = await world.join(31, Role.SUPERVISOR, "Mads")
    await world.coordination.link(CLI, world.cohort_id, anna, mads)
    world.clock.set(datetime(2027, 2, 12, 22, 59, tzinfo=UTC))  # 12 Feb, 23:59 local
    assert await world.introductions.preboard() == 0
    world.clock.set(datetime(2027, 2, 13, 7, 0, tzinfo=UTC))
    await world.join(32, Role.STUDENT, "Sen")  # joins inside the window
    assert await world.introductions.preboard() == 1
    assert await world.introductions.preboard() == 0
    world.clock.advance(days=3)  # a tick missed while the bot was down changes nothing
    assert await world.introductions.preboard() == 0
    [pre] = [r.message for r in world.outbox.rows if r.message.origin == "intro:pre"]
    assert pre.chat_id == 30
    assert pre.dedupe_key == f"intro:pre:{world.cohort_id}:{anna}"
    assert pre.payload["text"].startswith("<b>Din praktik starter 20. februar 2027.</b>")
    assert "Din vejleder: Mads" in pre.payload["text"]


async def test_a_missed_window_is_caught_up_until_the_start_but_not_after(world: World) -> None:
    await world.join(40, Role.STUDENT, "Anna")
    world.clock.set(datetime(2027, 2, 21, 7, 0, tzinfo=UTC))  # the day after the start
    assert await world.introductions.preboard() == 0
    world.clock.set(datetime(2027, 2, 20, 7, 0, tzinfo=UTC))  # the first day itself
    assert await world.introductions.preboard() == 1


async def test_enrolment_stands_when_the_welcome_cannot_be_queued(
    world: World, clock: ManualClock
) -> None:
    class BrokenOutbox(FakeOutbox):
        async def enqueue(self, messages: object) -> int:
            """Fail like a database that is down."""
            raise OSError("database down")

    introductions = IntroductionService(
        world.uow, BrokenOutbox(), clock, timezone="UTC", preboarding_days=7
    )
    enrolment = EnrolmentService(
        world.uow, clock, default_timezone="UTC", introductions=introductions
    )
    code = (await world.coordination.create_invite(CLI, world.cohort_id, Role.STUDENT)).code
    result = await enrolment.enrol(50, code, language="da", display_name="Ida")
    assert isinstance(result, Enrolled)
    assert result.person.id in world.uow.store.people
