"""The tables of questions asked in the chat and the messages they were forwarded in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, _now


class QuestionRow(Base):
    """A question asked in the chat; anonymous (no person) when the asker has not enrolled."""

    __tablename__ = "question"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True, default=None
    )
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="SET NULL"), index=True, default=None
    )
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(String(1000))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    abstained: Mapped[bool]
    confidence: Mapped[float] = mapped_column(Float)
    answer: Mapped[str | None] = mapped_column(Text, default=None)
    helpful: Mapped[bool | None] = mapped_column(default=None)
    handed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    answered_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    reply: Mapped[str | None] = mapped_column(Text, default=None)
    # The FAQ entry that answers the question for everyone: it is no longer a gap.
    faq_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_faq.id", ondelete="SET NULL"), index=True, default=None
    )


class QuestionForwardRow(Base):
    """A question forwarded to a coordinator (for reply-to routing): the outbox message that
    carries it (`outbox_key`, its dedupe key; the outbox records Telegram's message id), or,
    for forwards sent before the outbox carried them, Telegram's `message_id` itself."""

    __tablename__ = "question_forward"
    __table_args__ = (
        UniqueConstraint("person_id", "message_id"),
        CheckConstraint(
            "message_id IS NOT NULL OR outbox_key IS NOT NULL", name="message_or_outbox"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    outbox_key: Mapped[str | None] = mapped_column(String(128), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
