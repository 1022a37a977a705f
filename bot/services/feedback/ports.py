"""The unit of work of feedback requests and nudges."""

from __future__ import annotations

from typing import Protocol

from bot.services.feedback.types import FeedbackRepo
from bot.services.reflection.ports import ReflectionUnitOfWork


class FeedbackUnitOfWork(ReflectionUnitOfWork, Protocol):
    """The repositories the feedback services need, in one transaction."""

    @property
    def feedback(self) -> FeedbackRepo:
        """Feedback requests and nudges."""
        ...
