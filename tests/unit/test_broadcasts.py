"""Broadcast rules on in-memory fakes: roles at every step, recipients, idempotent sending,
scheduling, cancelling and the delivery report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.services.broadcasts.reports import BroadcastReports
from bot.services.broadcasts.rules import safe_file_name
from bot.services.broadcasts.service import BroadcastService
from bot.services.broadcasts.types import Audience, BroadcastStatus, Step, awaited_step
from bot.services.delivery.outbox import MessageKind, OutboxStatus
from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import Profession, Role
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.kernel.local_time import InvalidWhen, WhenProblem
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

CLI = Actor.cli()
# telegram ids: coordinator of A and B, student in A and B, student in A, supervisor in A,
# coordinator of B only
KARIN, SOFIE, EMIL, MADS, BENT = 1, 2, 3, 4, 5


@dataclass
class World:
    """Two cohorts and their people, with the services under test."""

    uow: FakeUowFactory
    outbox: FakeOutbox
    clock: ManualClock
    broadcasts: BroadcastService
    reports: BroadcastReports
    a: int
    b: int
    ids: dict[int, int]  # telegram id -> person id

    def actor(self, telegram_id: int) -> Actor:
        """Return the actor for one of the people."""
        return Actor(f"person:{self.ids[telegram_id]}", self.ids[telegram_id])


async def _cohort(coordination: CoordinationService, name: str) -> int:
    cohort = await coordination.create_cohort(
        CLI,
        name=name,
        department_ref="m2",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 6, 30),
    )
    return cohort.id


@pytest.fixture
async def world(clock: ManualClock, tmp_path: Path) -> World:
    """Return two cohorts with a cast, on fakes."""
    uow, outbox = FakeUowFactory(), FakeOutbox()
    coordination = CoordinationService(uow, outbox, clock)
    enrolment = EnrolmentService(uow, clock, default_timezone="Europe/Copenhagen")
    await coordination.create_department(CLI, "Medicinsk M2", "Region H", key="m2")
    a, b = await _cohort(coordination, "A"), await _cohort(coordination, "B")
    cast = [
        (KARIN, a, Role.COORDINATOR),
        (KARIN, b, Role.COORDINATOR),
        (SOFIE, a, Role.STUDENT),
        (SOFIE, b, Role.STUDENT),
        (EMIL, a, Role.STUDENT),
        (MADS, a, Role.SUPERVISOR),
        (BENT, b, Role.COORDINATOR),
    ]
    ids = {}
    for telegram_id, cohort_id, role in cast:
        code = (await coordination.create_invite(CLI, cohort_id, role)).code
        result = await enrolment.enrol(telegram_id, code, language="da", display_name="X")
        assert isinstance(result, Enrolled)
        ids[telegram_id] = result.person.id
    broadcasts = BroadcastService(uow, outbox, clock, tmp_path / "broadcasts")
    reports = BroadcastReports(uow, outbox, clock, "da")
    return World(uow, outbox, clock, broadcasts, reports, a, b, ids)


async def _written(world: World, audience: Audience = Audience.STUDENTS) -> int:
    """Write a draft to both cohorts, up to the preview; return its id."""
    karin = world.actor(KARIN)
    draft = await world.broadcasts.start(karin)
    for cohort_id in (world.a, world.b):
        await world.broadcasts.toggle(karin, draft.broadcast.id, cohort_id)
    await world.broadcasts.choose_audience(karin, draft.broadcast.id, audience)
    await world.broadcasts.set_text(karin, draft.broadcast.id, "Møde &lt;kl. 8&gt;")
    await world.broadcasts.skip_attachment(karin, draft.broadcast.id)
    return draft.broadcast.id


def _awaiting(world: World, telegram_id: int) -> str | None:
    return world.uow.store.people[world.ids[telegram_id]].awaiting


async def test_only_coordinators_start_a_draft(world: World) -> None:
    with pytest.raises(NotAllowed):
        await world.broadcasts.start(world.actor(EMIL))
    with pytest.raises(NotAllowed):
        await world.broadcasts.start(CLI)  # the command line uses create()
    draft = await world.broadcasts.start(world.actor(BENT))
    assert draft.broadcast.cohort_ids == (world.b,)  # the only cohort is chosen already


async def test_a_coordinator_never_reaches_another_cohort(world: World) -> None:
    bent = world.actor(BENT)
    draft = await world.broadcasts.start(bent)
    with pytest.raises(NotAllowed):
        await world.broadcasts.toggle(bent, draft.broadcast.id, world.a)
    assert world.uow.store.broadcasts[draft.broadcast.id].cohort_ids == (world.b,)
    with pytest.raises(NotAllowed):  # someone else's draft
        await world.broadcasts.toggle(world.actor(KARIN), draft.broadcast.id, world.b)


async def test_next_needs_a_cohort_and_toggling_twice_removes_it(world: World) -> None:
    karin = world.actor(KARIN)
    draft = await world.broadcasts.start(karin)
    assert draft.broadcast.cohort_ids == ()
    with pytest.raises(Invalid):
        await world.broadcasts.cohorts_chosen(karin, draft.broadcast.id)
    await world.broadcasts.toggle(karin, draft.broadcast.id, world.a)
    toggled = await world.broadcasts.toggle(karin, draft.broadcast.id, world.a)
    assert toggled.broadcast.cohort_ids == ()


async def test_the_flow_waits_for_each_step_in_sql(world: World) -> None:
    karin = world.actor(KARIN)
    draft = await world.broadcasts.start(karin)
    await world.broadcasts.toggle(karin, draft.broadcast.id, world.a)
    await world.broadcasts.choose_audience(karin, draft.broadcast.id, Audience.BOTH)
    assert awaited_step(_awaiting(world, KARIN)) == (Step.TEXT, draft.broadcast.id)
    for bad, error in (("   ", Invalid), ("x" * 4097, Invalid), ("CPR 010203-1235", ContainsCpr)):
        with pytest.raises(error):
            await world.broadcasts.set_text(karin, draft.broadcast.id, bad)
    await world.broadcasts.set_text(karin, draft.broadcast.id, "<b>Hej</b> " + "x" * 4090)
    assert awaited_step(_awaiting(world, KARIN)) == (Step.FILE, draft.broadcast.id)
    assert await world.broadcasts.skip_attachment(karin, draft.broadcast.id)
    assert _awaiting(world, KARIN) is None
    assert not await world.broadcasts.skip_attachment(karin, draft.broadcast.id)  # double tap


async def test_preview_counts_each_active_person_once(world: World) -> None:
    bid = await _written(world, Audience.BOTH)
    preview = await world.broadcasts.preview(world.actor(KARIN), bid)
    assert preview.recipients == 3  # Sofie (in A and B), Emil, Mads
    assert preview.kind is MessageKind.TEXT
    assert preview.payload == {"text": "Møde &lt;kl. 8&gt;"}
    async with world.uow() as uow:
        await uow.people.update(world.ids[EMIL], active=False)
        await uow.commit()
    assert (await world.broadcasts.preview(world.actor(KARIN), bid)).recipients == 2


async def test_send_now_enqueues_once_per_recipient_even_on_a_double_tap(world: World) -> None:
    bid = await _written(world)
    karin = world.actor(KARIN)
    first = await world.broadcasts.send_now(karin, bid, KARIN, 77)
    second = await world.broadcasts.send_now(karin, bid, KARIN, 77)
    assert (first.already, second.already, first.recipients) == (False, True, 2)
    rows = world.outbox.rows
    assert sorted(r.message.chat_id for r in rows) == [SOFIE, EMIL]
    assert {r.message.dedupe_key for r in rows} == {
        f"broadcast:{bid}:{world.ids[SOFIE]}",
        f"broadcast:{bid}:{world.ids[EMIL]}",
    }
    assert {r.message.not_before for r in rows} == {world.clock.now()}
    broadcast = world.uow.store.broadcasts[bid]
    assert (broadcast.status, broadcast.confirm_message_id) == (BroadcastStatus.SENDING, 77)


async def test_schedule_reads_local_time_and_refuses_the_past(world: World) -> None:
    bid = await _written(world)
    karin = world.actor(KARIN)
    for text, problem in (("snart", WhenProblem.FORMAT), ("2027-02-01 08:00", WhenProblem.PAST)):
        with pytest.raises(InvalidWhen) as caught:
            await world.broadcasts.schedule(karin, bid, text)
        assert caught.value.problem is problem
    confirmed = await world.broadcasts.schedule(karin, bid, "10-02-2027 08:00")
    due = datetime(2027, 2, 10, 7, 0, tzinfo=UTC)  # 08:00 in Copenhagen (winter time)
    assert confirmed.broadcast.status is BroadcastStatus.SCHEDULED
    assert confirmed.broadcast.send_at == due
    assert {r.message.not_before for r in world.outbox.rows} == {due}


async def test_cancel_needs_every_cohort_and_stops_the_pending_messages(world: World) -> None:
    bid = await _written(world)
    await world.broadcasts.schedule(world.actor(KARIN), bid, "2027-02-10 08:00")
    assert await world.reports.scheduled(world.actor(BENT)) == []  # B only: not visible
    with pytest.raises(NotAllowed):
        await world.reports.cancel(world.actor(BENT), bid)
    assert [b.id for b in await world.reports.scheduled(world.actor(KARIN))] == [bid]
    broadcast, cancelled = await world.reports.cancel(world.actor(KARIN), bid)
    assert (broadcast.status, cancelled) == (BroadcastStatus.CANCELLED, 2)
    assert {r.status for r in world.outbox.rows} == {OutboxStatus.CANCELLED}
    assert (await world.reports.cancel(world.actor(KARIN), bid))[1] == 0


async def test_progress_reports_changes_until_done(world: World) -> None:
    bid = await _written(world)
    await world.broadcasts.send_now(world.actor(KARIN), bid, KARIN, 77)
    assert await world.reports.progress() == []  # the confirmation shows all waiting
    world.outbox.rows[0].status = OutboxStatus.SENT
    [half] = await world.reports.progress()
    assert (half.done, half.language) == (False, "da")
    await world.reports.mark_reported(bid, {"sent": 1, "pending": 1}, done=False)
    world.outbox.deliver(world.clock.now(), OutboxStatus.BLOCKED)
    [final] = await world.reports.progress()
    assert final.done
    assert final.report.count(OutboxStatus.BLOCKED) == 1
    await world.reports.mark_reported(bid, {"sent": 1, "blocked": 1, "pending": 0}, done=True)
    assert world.uow.store.broadcasts[bid].status is BroadcastStatus.DONE
    assert await world.reports.progress() == []


async def test_a_scheduled_broadcast_is_reported_only_once_due(world: World) -> None:
    bid = await _written(world)
    await world.broadcasts.schedule(world.actor(KARIN), bid, "2027-02-10 08:00")
    world.clock.set(datetime(2027, 2, 10, 6, 59, tzinfo=UTC))
    assert await world.reports.progress() == []
    world.clock.set(datetime(2027, 2, 10, 7, 1, tzinfo=UTC))
    world.outbox.deliver(world.clock.now())
    await world.reports.progress()  # no confirmation message to edit: marked done directly
    assert world.uow.store.broadcasts[bid].status is BroadcastStatus.DONE


async def test_the_command_line_sends_to_named_cohorts(world: World) -> None:
    confirmed = await world.broadcasts.create(CLI, [world.a, world.b], Audience.STUDENTS, "Hej")
    assert confirmed.recipients == 2
    state = await world.reports.state(CLI, confirmed.broadcast.id)
    assert state.report.count(OutboxStatus.PENDING) == 2
    with pytest.raises(NotFound):
        await world.broadcasts.create(CLI, [999], Audience.STUDENTS, "Hej")


async def test_attachments_are_stored_per_broadcast_and_need_a_short_text(
    world: World, tmp_path: Path
) -> None:
    karin = world.actor(KARIN)
    draft = await world.broadcasts.start(karin)
    bid = draft.broadcast.id
    await world.broadcasts.toggle(karin, bid, world.a)
    await world.broadcasts.choose_audience(karin, bid, Audience.STUDENTS)
    await world.broadcasts.set_text(karin, bid, "y" * 1100)
    with pytest.raises(Invalid):
        await world.broadcasts.attachment_path(karin, bid, "plan.pdf")
    await world.broadcasts.set_text(karin, bid, "Se planen")
    path = await world.broadcasts.attachment_path(karin, bid, "../../etc/vagt plan.pdf")
    assert path == tmp_path / "broadcasts" / str(bid) / "vagt_plan.pdf"
    await world.broadcasts.attach(karin, bid, MessageKind.DOCUMENT, path)
    preview = await world.broadcasts.preview(karin, bid)
    assert preview.kind is MessageKind.DOCUMENT
    assert preview.payload["file"] == str(path)
    assert preview.payload["caption"] == "Se planen"
    assert safe_file_name("", "attachment") == "attachment"
