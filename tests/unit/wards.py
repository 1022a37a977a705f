"""Two wards with a cohort each and the people enrolled in them, on the in-memory fakes: the
setting that the question and knowledge tests of services share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import Profession, Role
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

WARDS = ("Medicinsk M2", "Kirurgisk K1")


async def two_wards(
    uow: FakeUowFactory,
    outbox: FakeOutbox,
    clock: ManualClock,
    cast: Iterable[tuple[int, int, Role]],
    english: Iterable[int] = (),
) -> tuple[list[int], dict[int, int]]:
    """Create a nursing cohort on each ward and enrol the cast, each as (telegram id, index of
    the ward, role), in Danish unless listed as English; return the cohort ids and each
    telegram id's person id."""
    coordination = CoordinationService(uow, outbox, clock)
    enrolment = EnrolmentService(uow, clock, default_timezone="Europe/Copenhagen")
    cohorts = []
    for ward in WARDS:
        await coordination.create_department(Actor.cli(), ward, "Region Hovedstaden")
        cohort = await coordination.create_cohort(
            Actor.cli(),
            name=f"Hold {ward}",
            department_ref=ward,
            profession=Profession.NURSING,
            starts_on=date(2027, 2, 1),
            ends_on=date(2027, 6, 30),
        )
        cohorts.append(cohort.id)
    english = set(english)
    people = {}
    for telegram_id, ward, role in cast:
        code = (await coordination.create_invite(Actor.cli(), cohorts[ward], role)).code
        language = "en" if telegram_id in english else "da"
        result = await enrolment.enrol(telegram_id, code, language=language, display_name="X")
        assert isinstance(result, Enrolled)
        people[telegram_id] = result.person.id
    return cohorts, people
