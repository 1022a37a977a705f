"""People the integration tests start from, made through the real services."""

from __future__ import annotations

from datetime import date

from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import Profession, Role
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock
from tests.unit.fakes_broadcasts import FakeOutbox

CLI = Actor.cli()


async def enrol_student(
    uow_factory: SqlUnitOfWorkFactory, clock: ManualClock, telegram_id: int
) -> int:
    """Create a nursing cohort (1 Feb – 30 Jun 2027) if there is none, enrol one student in
    it and return the student's person id."""
    coordination = CoordinationService(uow_factory, FakeOutbox(), clock)
    if not await coordination.list_departments():
        await coordination.create_department(CLI, "Medicinsk M2", "Region H", key="m2")
        await coordination.create_cohort(
            CLI,
            name="F27",
            department_ref="m2",
            profession=Profession.NURSING,
            starts_on=date(2027, 2, 1),
            ends_on=date(2027, 6, 30),
        )
    [cohort] = await coordination.list_cohorts()
    code = (await coordination.create_invite(CLI, cohort.id, Role.STUDENT)).code
    enrolment = EnrolmentService(uow_factory, clock, default_timezone="Europe/Copenhagen")
    result = await enrolment.enrol(telegram_id, code, language="da", display_name="Anna")
    assert isinstance(result, Enrolled)
    return result.person.id
