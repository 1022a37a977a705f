"""The unit of work of placement conversations."""

from __future__ import annotations

from typing import Protocol

from bot.services.conversations.types import ConversationRepo
from bot.services.reflection.ports import ReflectionUnitOfWork


class ConversationsUnitOfWork(ReflectionUnitOfWork, Protocol):
    """The repositories the conversations services need, in one transaction."""

    @property
    def conversations(self) -> ConversationRepo:
        """Placement conversations."""
        ...
