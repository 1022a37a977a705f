"""The unit of work of the weekly supervisor digest."""

from __future__ import annotations

from typing import Protocol

from bot.services.conversations.types import DigestRepo
from bot.services.kernel.ports import Transaction


class DigestUnitOfWork(Transaction, Protocol):
    """The repositories the digest services need, in one transaction."""

    @property
    def digests(self) -> DigestRepo:
        """What each supervisor's digest holds, and which were sent."""
        ...
