"""Enrolment rules on in-memory fakes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.services.identity.access import AccessService, Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import InviteProblem, Profession, Role
from bot.services.kernel.errors import Invalid, NotAllowed
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService, clean_display_name
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

CLI = Actor.cli()


@pytest.fixture
def uow() -> FakeUowFactory:
    """Return a fresh in-memory database."""
    return FakeUowFactory()


@pytest.fixture
def enrolment(uow: FakeUowFactory, clock: ManualClock) -> EnrolmentService:
    """Return the enrolment service on fakes."""
    return EnrolmentService(uow, clock, default_timezone="Europe/Copenhagen")


@pytest.fixture
def coordination(uow: FakeUowFactory, clock: ManualClock) -> CoordinationService:
    """Return the coordination service on fakes."""
    return CoordinationService(uow, FakeOutbox(), clock)


async def _cohort(coordination: CoordinationService, ends: date = date(2027, 6, 30)) -> int:
    await coordination.create_department(CLI, "Medicinsk M2", "Region Hovedstaden")
    cohort = await coordination.create_cohort(
        CLI,
        name="Hold A",
        department_ref="medicinsk-m2",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 1),
        ends_on=ends,
    )
    return cohort.id


async def test_enrol_creates_person_membership_and_counts_a_use(
    enrolment: EnrolmentService, coordination: CoordinationService, uow: FakeUowFactory
) -> None:
    cohort_id = await _cohort(coordination)
    invite = await coordination.create_invite(CLI, cohort_id, Role.STUDENT, max_uses=2)
    result = await enrolment.enrol(42, invite.code, language="en", display_name="  Anna   Berg ")
    assert isinstance(result, Enrolled)
    assert result.new_person
    assert not result.already_member
    assert result.person.display_name == "Anna Berg"
    assert result.person.language == "en"
    assert uow.store.invites[invite.id].uses == 1
    assert [a.action for a in uow.store.audit][-1] == "enrol"


async def test_second_tap_does_not_use_the_invite_twice(
    enrolment: EnrolmentService, coordination: CoordinationService, uow: FakeUowFactory
) -> None:
    cohort_id = await _cohort(coordination)
    invite = await coordination.create_invite(CLI, cohort_id, Role.STUDENT, max_uses=1)
    await enrolment.enrol(42, invite.code, language="da", display_name="Anna")
    again = await enrolment.enrol(42, invite.code, language="da", display_name="Anna")
    assert isinstance(again, Enrolled)
    assert again.already_member
    assert uow.store.invites[invite.id].uses == 1
    assert len(uow.store.memberships) == 1


async def _unusable_code(
    setup: str, enrolment: EnrolmentService, coordination: CoordinationService, clock: ManualClock
) -> str:
    """Create an invite and make it unusable in the way `setup` names."""
    cohort_id = await _cohort(coordination)
    if setup == "unknown":
        return "doesnotexist"
    expires = clock.now() + timedelta(days=1) if setup == "expired" else None
    invite = await coordination.create_invite(
        CLI, cohort_id, Role.STUDENT, expires_at=expires, max_uses=1
    )
    if setup == "expired":
        clock.advance(days=2)
    elif setup == "used_up":
        await enrolment.enrol(1, invite.code, language="da", display_name="Først")
    elif setup == "revoked":
        await coordination.revoke_invite(CLI, invite.code)
    elif setup == "ended":
        clock.set(clock.now().replace(month=7, day=1))  # the cohort ended 30 June
    return invite.code


@pytest.mark.parametrize(
    ("setup", "problem"),
    [
        ("expired", InviteProblem.EXPIRED),
        ("used_up", InviteProblem.USED_UP),
        ("revoked", InviteProblem.REVOKED),
        ("ended", InviteProblem.COHORT_ENDED),
        ("unknown", InviteProblem.UNKNOWN),
    ],
)
async def test_unusable_invites_are_refused_and_store_nothing(
    enrolment: EnrolmentService,
    coordination: CoordinationService,
    uow: FakeUowFactory,
    clock: ManualClock,
    setup: str,
    problem: InviteProblem,
) -> None:
    code = await _unusable_code(setup, enrolment, coordination, clock)
    assert await enrolment.check_invite(code) == problem
    assert await enrolment.enrol(99, code, language="da", display_name="X") == problem
    assert all(p.telegram_id != 99 for p in uow.store.people.values())


async def test_malformed_codes_are_unknown_without_lookup(enrolment: EnrolmentService) -> None:
    for code in ["", "a", "x" * 65, "<script>", "drop table;"]:
        assert await enrolment.check_invite(code) == InviteProblem.UNKNOWN


def test_display_names_are_cleaned_and_bounded() -> None:
    assert clean_display_name("  Ole \n Hansen ") == "Ole Hansen"
    for bad in ["", "   ", "x" * 65, "Ole\u0000"]:
        with pytest.raises(Invalid):
            clean_display_name(bad)


async def test_only_coordinators_of_the_cohort_create_invites(
    enrolment: EnrolmentService, coordination: CoordinationService, uow: FakeUowFactory
) -> None:
    cohort_id = await _cohort(coordination)
    student_code = (await coordination.create_invite(CLI, cohort_id, Role.STUDENT)).code
    coord_code = (await coordination.create_invite(CLI, cohort_id, Role.COORDINATOR)).code
    await enrolment.enrol(1, student_code, language="da", display_name="Stud")
    await enrolment.enrol(2, coord_code, language="da", display_name="Koord")
    access = AccessService(uow, admin_telegram_ids=[])
    with pytest.raises(NotAllowed):
        await coordination.create_invite(await access.actor(1), cohort_id, Role.STUDENT)
    invite = await coordination.create_invite(await access.actor(2), cohort_id, Role.SUPERVISOR)
    assert invite.role is Role.SUPERVISOR
    other = await coordination.create_cohort(
        CLI,
        name="Hold B",
        department_ref="medicinsk-m2",
        profession=Profession.MEDICINE,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 3, 1),
    )
    with pytest.raises(NotAllowed):
        await coordination.create_invite(await access.actor(2), other.id, Role.STUDENT)
