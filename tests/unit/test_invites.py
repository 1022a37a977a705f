"""Invite rules on fakes (issue #15 point 2): chat-made invites expire and serve one
supervisor or coordinator; coordinator invites need an operator or an operator's grant;
creating, revoking and granting are audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import InviteProblem, Profession, Role
from bot.services.kernel.errors import Invalid, NotAllowed, NotFound
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

pytestmark = pytest.mark.unit

CLI = Actor.cli()
KARIN = 31


@pytest.fixture
async def place(clock: ManualClock) -> tuple[CoordinationService, EnrolmentService, int, Actor]:
    uow = FakeUowFactory()
    coordination = CoordinationService(uow, FakeOutbox(), clock, invite_days=14)
    enrolment = EnrolmentService(uow, clock, default_timezone="Europe/Copenhagen")
    await coordination.create_department(CLI, "M2", "Region H", key="m2")
    cohort = await coordination.create_cohort(
        CLI,
        name="F27",
        department_ref="m2",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 6, 30),
    )
    code = (await coordination.create_invite(CLI, cohort.id, Role.COORDINATOR)).code
    enrolled = await enrolment.enrol(KARIN, code, language="da", display_name="Karin")
    assert isinstance(enrolled, Enrolled)
    karin = Actor(f"person:{enrolled.person.id}", enrolled.person.id)
    return coordination, enrolment, cohort.id, karin


async def test_chat_invites_expire_and_staff_invites_serve_one_person(
    place: tuple[CoordinationService, EnrolmentService, int, Actor], clock: ManualClock
) -> None:
    coordination, enrolment, cohort, karin = place
    poster = await coordination.chat_invite(karin, cohort, Role.STUDENT)
    staff = await coordination.chat_invite(karin, cohort, Role.SUPERVISOR)
    assert poster.expires_at == clock.now() + timedelta(days=14)
    assert (poster.max_uses, staff.max_uses) == (None, 1)
    assert isinstance(
        await enrolment.enrol(41, staff.code, language="da", display_name="Vera"), Enrolled
    )
    assert await enrolment.check_invite(staff.code) is InviteProblem.USED_UP
    clock.advance(days=14)
    assert await enrolment.check_invite(poster.code) is InviteProblem.EXPIRED
    usable = await coordination.usable_invites(karin, cohort)
    assert [i.role for i in usable] == [Role.COORDINATOR]  # only the operator's, no expiry


async def test_coordinator_invites_need_a_grant(
    place: tuple[CoordinationService, EnrolmentService, int, Actor],
) -> None:
    coordination, enrolment, cohort, karin = place
    assert list(await coordination.invite_roles(karin, cohort)) == [Role.STUDENT, Role.SUPERVISOR]
    with pytest.raises(NotAllowed):
        await coordination.chat_invite(karin, cohort, Role.COORDINATOR)
    with pytest.raises(NotAllowed):
        await coordination.grant_coordinator_invites(karin, cohort, KARIN)  # not an operator
    with pytest.raises(NotFound):
        await coordination.grant_coordinator_invites(CLI, cohort, 999)  # nobody
    vera = await coordination.chat_invite(karin, cohort, Role.SUPERVISOR)
    await enrolment.enrol(42, vera.code, language="da", display_name="Vera")
    with pytest.raises(Invalid):
        await coordination.grant_coordinator_invites(CLI, cohort, 42)  # not a coordinator
    await coordination.grant_coordinator_invites(CLI, cohort, KARIN)
    assert Role.COORDINATOR in await coordination.invite_roles(karin, cohort)
    invite = await coordination.chat_invite(karin, cohort, Role.COORDINATOR)
    assert invite.max_uses == 1
    await coordination.grant_coordinator_invites(CLI, cohort, KARIN, on=False)
    with pytest.raises(NotAllowed):
        await coordination.chat_invite(karin, cohort, Role.COORDINATOR)
    await coordination.revoke_invite(karin, invite.code)
    actions = [e.action for e in await coordination.audit_log(CLI, 50)]
    for action in ("invite.create", "invite.grant", "invite.ungrant", "invite.revoke"):
        assert action in actions
