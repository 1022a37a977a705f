"""After confirming: scheduled broadcasts, cancelling them, and their delivery reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.broadcasts.ports import BroadcastsUnitOfWork
from bot.services.broadcasts.types import Broadcast, BroadcastStatus, Progress, counts
from bot.services.delivery.outbox import DeliveryReport, OutboxStore
from bot.services.identity.access import Actor, coordinated_cohorts
from bot.services.kernel.errors import NotAllowed, NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory

ACTIVE = (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING)
DUE_SOON = (BroadcastStatus.SCHEDULED,)


@dataclass(frozen=True, slots=True)
class BroadcastState:
    """A broadcast with its delivery counts."""

    broadcast: Broadcast
    report: DeliveryReport


class BroadcastReports:
    """Lists, cancels and reports on confirmed broadcasts."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[BroadcastsUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        default_language: str,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._language = default_language

    async def scheduled(self, actor: Actor) -> Sequence[Broadcast]:
        """Return the scheduled broadcasts to cohorts the actor coordinates, soonest first."""
        async with self._uow() as uow:
            allowed = {c.id for c in await coordinated_cohorts(uow, actor)}
            if not allowed and not actor.is_admin:
                raise NotAllowed("not a coordinator")
            found = await uow.broadcasts.with_status([BroadcastStatus.SCHEDULED])
        mine = [b for b in found if actor.is_admin or set(b.cohort_ids) <= allowed]
        return sorted(mine, key=lambda b: (b.send_at or b.created_at, b.id))

    async def cancel(self, actor: Actor, broadcast_id: int) -> tuple[Broadcast, int]:
        """Cancel a scheduled (or still sending) broadcast; return it and how many messages
        will not be sent."""
        async with self._uow() as uow:
            broadcast = await _visible(uow, actor, broadcast_id)
            if broadcast.status not in ACTIVE:
                return broadcast, 0
            await uow.broadcasts.transition(broadcast.id, ACTIVE, BroadcastStatus.CANCELLED)
            await uow.commit()
        cancelled = await self._outbox.cancel(broadcast.origin)
        async with self._uow() as uow:
            current = await uow.broadcasts.get(broadcast.id)
        assert current is not None
        return current, cancelled

    async def state(self, actor: Actor, broadcast_id: int) -> BroadcastState:
        """Return a broadcast and its delivery counts."""
        async with self._uow() as uow:
            broadcast = await _visible(uow, actor, broadcast_id)
        return BroadcastState(broadcast, await self._outbox.report(broadcast.origin))

    async def progress(self) -> list[Progress]:
        """Return the confirmations to edit because their counts changed (for the report job);
        broadcasts with nothing left to show are marked done here."""
        now = self._clock.now()
        async with self._uow() as uow:
            active = await uow.broadcasts.with_status(ACTIVE)
        changed = []
        for broadcast in active:
            if broadcast.send_at is not None and broadcast.send_at > now:
                continue
            report = await self._outbox.report(broadcast.origin)
            shown = counts(report)
            done = shown["pending"] == 0
            if shown != broadcast.reported and broadcast.confirm_message_id:
                language = await self._author_language(broadcast)
                changed.append(Progress(broadcast, report, language, done))
            elif done or shown != broadcast.reported or broadcast.status in DUE_SOON:
                await self.mark_reported(broadcast.id, shown, done)
        return changed

    async def mark_reported(self, broadcast_id: int, shown: dict[str, int], done: bool) -> None:
        """Remember what the confirmation shows; a broadcast with nothing pending is done."""
        async with self._uow() as uow:
            broadcast = await uow.broadcasts.get(broadcast_id)
            if broadcast is None or broadcast.status not in ACTIVE:
                return
            status = BroadcastStatus.DONE if done else BroadcastStatus.SENDING
            await uow.broadcasts.transition(broadcast_id, ACTIVE, status, reported=shown)
            await uow.commit()

    async def _author_language(self, broadcast: Broadcast) -> str:
        """Return the language of the broadcast's author (the default when they are gone)."""
        async with self._uow() as uow:
            author = await uow.people.get(broadcast.created_by) if broadcast.created_by else None
        return author.language if author else self._language


async def _visible(uow: BroadcastsUnitOfWork, actor: Actor, broadcast_id: int) -> Broadcast:
    """Return a confirmed broadcast the actor may see: admins, or a coordinator of every one
    of its cohorts."""
    broadcast = await uow.broadcasts.get(broadcast_id)
    if broadcast is None or broadcast.status is BroadcastStatus.DRAFT:
        raise NotFound(f"broadcast {broadcast_id}")
    if actor.is_admin:
        return broadcast
    allowed = {c.id for c in await coordinated_cohorts(uow, actor)}
    if not broadcast.cohort_ids or not set(broadcast.cohort_ids) <= allowed:
        raise NotAllowed("not a coordinator of every cohort")
    return broadcast
