"""Whether the bot can write to a person: Telegram tells it when they block the bot (their
private chat's member status becomes "kicked") and when they unblock it ("member")."""

from __future__ import annotations

import logging

from bot.services.delivery.outbox import OutboxStore
from bot.services.identity.domain import Person
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.onboarding.ports import OnboardingUnitOfWork

log = logging.getLogger(__name__)


class ReachabilityService:
    """Keeps a person's `active` flag in step with whether they have blocked the bot."""

    def __init__(
        self, uow: UnitOfWorkFactory[OnboardingUnitOfWork], outbox: OutboxStore, clock: Clock
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock

    async def blocked(self, telegram_id: int) -> bool:
        """Mark the person inactive and cancel what waits for them, as a 403 from Telegram
        does in the outbox; return whether the chat belongs to an enrolled person."""
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
        if person is None:
            return False
        await self._outbox.block_chat(telegram_id, self._clock.now())
        log.info("person %s blocked the bot", person.id)
        return True

    async def unblocked(self, telegram_id: int) -> Person | None:
        """Make a person who had blocked the bot active again; return them, or None when
        nobody came back (not enrolled, or never marked unreachable)."""
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None or person.active:
                return None
            person = await uow.people.update(person.id, active=True, blocked_at=None)
            await uow.commit()
        log.info("person %s unblocked the bot", person.id)
        return person
