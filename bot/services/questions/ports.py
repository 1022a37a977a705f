"""The questions ports: stored questions, votes, forwards and replies, and the unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.services.identity.domain import Question
from bot.services.identity.ports import NoticeUnitOfWork


class QuestionRepo(Protocol):
    """Questions asked in the chat, their votes, hand-offs and coordinator replies."""

    async def add(self, question: Question) -> Question:
        """Store a question (its id is ignored) and return it with its new id."""
        ...

    async def get(self, question_id: int) -> Question | None:
        """Return a question by id."""
        ...

    async def set_helpful(self, question_id: int, helpful: bool) -> None:
        """Record the asker's vote (a later vote replaces it)."""
        ...

    async def mark_handed_off(self, question_id: int, now: datetime) -> bool:
        """Mark the question as passed to a person; False when it already was."""
        ...

    async def record_reply(
        self, question_id: int, replier_id: int, text: str, now: datetime
    ) -> None:
        """Store a coordinator's answer."""
        ...

    async def add_forward(self, question_id: int, person_id: int, outbox_key: str) -> None:
        """Remember that a question is forwarded to a person in the outbox message with this
        dedupe key, for reply-to routing; a repeat is ignored."""
        ...

    async def by_forward(self, person_id: int, chat_id: int, message_id: int) -> Question | None:
        """Return the question forwarded to this person in this message of the chat (the
        message the outbox sent, or an older forward recorded by message id)."""
        ...

    async def for_person(self, person_id: int) -> Sequence[Question]:
        """Return a person's questions, oldest first."""
        ...

    async def cover(self, question_ids: Sequence[int], faq_id: int) -> None:
        """Mark questions as answered by a FAQ entry: they are no longer knowledge gaps
        (until the entry is deleted)."""
        ...

    async def gaps(
        self, cohort_ids: Sequence[int] | None, include_anonymous: bool, limit: int = 500
    ) -> Sequence[Question]:
        """Return gap questions (abstained, voted down, or waiting for a person, and not
        answered by a FAQ entry), newest first.

        `cohort_ids=None` means every cohort; anonymous and cohort-less questions come
        only with `include_anonymous`.
        """
        ...


class QuestionsUnitOfWork(NoticeUnitOfWork, Protocol):
    """A transaction over people and their questions."""

    @property
    def questions(self) -> QuestionRepo:
        """Questions asked in the chat."""
        ...
