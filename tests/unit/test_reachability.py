"""Blocking and unblocking the bot, on in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

from bot.services.delivery.outbox import OutboxStatus, OutgoingMessage
from bot.services.onboarding.reachability import ReachabilityService
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox


async def _person(uow: FakeUowFactory, clock: ManualClock, telegram_id: int) -> int:
    async with uow() as tx:
        person = await tx.people.add(
            telegram_id=telegram_id,
            display_name="Sofie",
            language="da",
            timezone="Europe/Copenhagen",
            consent_at=clock.now(),
        )
        await tx.commit()
    return person.id


async def test_blocking_deactivates_and_cancels_what_waits(clock: ManualClock) -> None:
    uow = FakeUowFactory()
    outbox = FakeOutbox(uow.store)
    service = ReachabilityService(uow, outbox, clock)
    person_id = await _person(uow, clock, 501)
    later = clock.now() + timedelta(hours=1)
    await outbox.enqueue([OutgoingMessage(501, {"text": "x"}, "t", later, person_id=person_id)])
    await outbox.enqueue([OutgoingMessage(502, {"text": "y"}, "t", later)])
    assert await service.blocked(501)
    assert not uow.store.people[person_id].active
    assert [r.status for r in outbox.rows] == [OutboxStatus.CANCELLED, OutboxStatus.PENDING]


async def test_unblocking_reactivates_once(clock: ManualClock) -> None:
    uow = FakeUowFactory()
    service = ReachabilityService(uow, FakeOutbox(uow.store), clock)
    person_id = await _person(uow, clock, 501)
    assert await service.unblocked(501) is None  # never blocked: nothing to welcome back
    await service.blocked(501)
    back = await service.unblocked(501)
    assert back is not None
    assert back.id == person_id
    assert back.active
    assert uow.store.people[person_id].active
    assert await service.unblocked(501) is None  # a repeated update changes nothing


async def test_strangers_are_not_stored(clock: ManualClock) -> None:
    uow = FakeUowFactory()
    outbox = FakeOutbox(uow.store)
    service = ReachabilityService(uow, outbox, clock)
    assert not await service.blocked(999)
    assert await service.unblocked(999) is None
    assert uow.store.people == {}
