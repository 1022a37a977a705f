"""SQL implementation of the question repository."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.identity.domain import Question
from bot.storage.base import affected
from bot.storage.delivery.models import OutboxRow
from bot.storage.identity import convert
from bot.storage.questions.models import QuestionForwardRow, QuestionRow

IS_GAP = and_(
    QuestionRow.faq_id.is_(None),
    or_(
        QuestionRow.abstained.is_(True),
        QuestionRow.helpful.is_(False),
        and_(QuestionRow.handed_off_at.is_not(None), QuestionRow.answered_at.is_(None)),
    ),
)


class SqlQuestionRepo:
    """Questions, votes, hand-offs, coordinator replies and forwarded messages."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, question: Question) -> Question:
        """Store a question and return it with its id."""
        row = QuestionRow(
            person_id=question.person_id,
            cohort_id=question.cohort_id,
            language=question.language,
            text=question.text,
            asked_at=question.asked_at,
            abstained=question.abstained,
            confidence=question.confidence,
            answer=question.answer,
            helpful=question.helpful,
        )
        self._s.add(row)
        await self._s.flush()
        return convert.question(row)

    async def get(self, question_id: int) -> Question | None:
        """Return a question by id."""
        row = await self._s.get(QuestionRow, question_id, populate_existing=True)
        return convert.question(row) if row else None

    async def set_helpful(self, question_id: int, helpful: bool) -> None:
        """Record the asker's vote."""
        await self._s.execute(
            update(QuestionRow).where(QuestionRow.id == question_id).values(helpful=helpful)
        )

    async def mark_handed_off(self, question_id: int, now: datetime) -> bool:
        """Set handed_off_at in one conditional UPDATE, so only one caller ever wins."""
        stmt = (
            update(QuestionRow)
            .where(QuestionRow.id == question_id, QuestionRow.handed_off_at.is_(None))
            .values(handed_off_at=now)
            .execution_options(synchronize_session=False)
        )
        result = await self._s.execute(stmt)
        return affected(result) == 1

    async def record_reply(
        self, question_id: int, replier_id: int, text: str, now: datetime
    ) -> None:
        """Store a coordinator's answer."""
        await self._s.execute(
            update(QuestionRow)
            .where(QuestionRow.id == question_id)
            .values(reply=text, answered_at=now, answered_by=replier_id)
        )

    async def add_forward(self, question_id: int, person_id: int, outbox_key: str) -> None:
        """Remember a forward queued in the outbox under this key; a repeat is ignored."""
        try:
            async with self._s.begin_nested():
                self._s.add(
                    QuestionForwardRow(
                        question_id=question_id, person_id=person_id, outbox_key=outbox_key
                    )
                )
        except IntegrityError:
            return

    async def by_forward(self, person_id: int, chat_id: int, message_id: int) -> Question | None:
        """Return the question forwarded to this person in this message: the one the outbox
        sent to the chat as this message, or an older forward recorded by message id."""
        sent = and_(OutboxRow.chat_id == chat_id, OutboxRow.telegram_message_id == message_id)
        query = (
            select(QuestionRow)
            .join(QuestionForwardRow, QuestionForwardRow.question_id == QuestionRow.id)
            .outerjoin(OutboxRow, OutboxRow.dedupe_key == QuestionForwardRow.outbox_key)
            .where(
                QuestionForwardRow.person_id == person_id,
                or_(QuestionForwardRow.message_id == message_id, sent),
            )
            .limit(1)
        )
        row = await self._s.scalar(query)
        return convert.question(row) if row else None

    async def for_person(self, person_id: int) -> Sequence[Question]:
        """Return a person's questions, oldest first."""
        query = select(QuestionRow).where(QuestionRow.person_id == person_id)
        rows = await self._s.scalars(query.order_by(QuestionRow.asked_at, QuestionRow.id))
        return [convert.question(r) for r in rows]

    async def cover(self, question_ids: Sequence[int], faq_id: int) -> None:
        """Mark questions as answered by a FAQ entry."""
        if question_ids:
            await self._s.execute(
                update(QuestionRow)
                .where(QuestionRow.id.in_(list(question_ids)))
                .values(faq_id=faq_id)
                .execution_options(synchronize_session=False)
            )

    async def gaps(
        self, cohort_ids: Sequence[int] | None, include_anonymous: bool, limit: int = 500
    ) -> Sequence[Question]:
        """Return gap questions in the given cohorts, newest first."""
        query = select(QuestionRow).where(IS_GAP)
        if cohort_ids is not None or not include_anonymous:
            in_cohorts = (
                QuestionRow.cohort_id.in_(list(cohort_ids))
                if cohort_ids is not None
                else QuestionRow.cohort_id.is_not(None)
            )
            query = query.where(
                or_(in_cohorts, QuestionRow.cohort_id.is_(None))
                if include_anonymous
                else in_cohorts
            )
        query = query.order_by(QuestionRow.asked_at.desc(), QuestionRow.id.desc()).limit(limit)
        return [convert.question(r) for r in await self._s.scalars(query)]
