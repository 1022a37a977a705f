"""(In progress for #6.)"""

from __future__ import annotations

from bot.services.outbox_types import OutboxStore
from bot.services.ports import Clock, UnitOfWorkFactory
from bot.services.quiet_hours import FeedbackConfig


class DigestService:
    """(In progress for #6.)"""

    def __init__(
        self, uow: UnitOfWorkFactory, outbox: OutboxStore, clock: Clock, config: FeedbackConfig
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._config = config

    async def tick(self) -> int:
        """Queue what is due; return how many messages were queued."""
        return 0
