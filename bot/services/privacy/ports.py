"""The unit of work of export, deletion and retention: everything about a person."""

from __future__ import annotations

from typing import Protocol

from bot.services.feedback.ports import FeedbackUnitOfWork
from bot.services.questions.ports import QuestionsUnitOfWork


class PrivacyUnitOfWork(FeedbackUnitOfWork, QuestionsUnitOfWork, Protocol):
    """The repositories the privacy services need, in one transaction."""
