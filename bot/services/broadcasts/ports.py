"""The unit of work of broadcasts and introductions."""

from __future__ import annotations

from typing import Protocol

from bot.services.broadcasts.types import BroadcastRepo
from bot.services.identity.ports import IdentityUnitOfWork


class BroadcastsUnitOfWork(IdentityUnitOfWork, Protocol):
    """The repositories the broadcasts services need, in one transaction."""

    @property
    def broadcasts(self) -> BroadcastRepo:
        """Broadcasts and their delivery reports."""
        ...
