"""The unit of work of export, deletion and retention: everything about a person."""

from __future__ import annotations

from typing import Protocol

from bot.services.conversations.ports import ConversationsUnitOfWork
from bot.services.feedback.ports import FeedbackUnitOfWork
from bot.services.privacy.types import PersonalRecordsRepo, RetentionRepo
from bot.services.questions.ports import QuestionsUnitOfWork


class PrivacyUnitOfWork(
    FeedbackUnitOfWork, ConversationsUnitOfWork, QuestionsUnitOfWork, Protocol
):
    """The repositories the privacy services need, in one transaction."""

    @property
    def records(self) -> PersonalRecordsRepo:
        """What points at a person from other people's features, for the export."""
        ...

    @property
    def retention(self) -> RetentionRepo:
        """Deletes what has passed its time, and scrubs what names a deleted person."""
        ...
