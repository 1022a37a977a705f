"""The unit of work of the weekly pulse."""

from __future__ import annotations

from typing import Protocol

from bot.services.identity.ports import IdentityUnitOfWork
from bot.services.pulse.types import PulseRepo
from bot.services.reflection.types import ScheduleRepo


class PulseUnitOfWork(IdentityUnitOfWork, Protocol):
    """The repositories the pulse services need, in one transaction."""

    @property
    def pulse(self) -> PulseRepo:
        """Pulse asks and anonymous answers."""
        ...

    @property
    def schedules(self) -> ScheduleRepo:
        """Students' schedules (quiet hours)."""
        ...
