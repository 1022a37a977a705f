"""The tables of the knowledge base coordinators keep: documents sent in the chat that wait
for a department, and FAQ entries (the documents themselves are files in the managed
folder and entries in the index)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime


class KnowledgeUploadRow(Base):
    """A document a coordinator sent, until they choose its department (or a day passes)."""

    __tablename__ = "knowledge_upload"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[str] = mapped_column(String(256))
    file_name: Mapped[str] = mapped_column(String(255))
    file_size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class KnowledgeFaqRow(Base):
    """A coordinator's answer to a knowledge gap: a FAQ entry of a department, indexed as
    the document `source`."""

    __tablename__ = "knowledge_faq"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(
        ForeignKey("department.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(String(1000))
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), default=None
    )
    source: Mapped[str | None] = mapped_column(String(512), unique=True, default=None)
