"""SQL implementations of the waiting-upload and FAQ repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.knowledge.types import FaqEntry, Upload
from bot.storage.base import affected
from bot.storage.knowledge.models import KnowledgeFaqRow, KnowledgeUploadRow

U, F = KnowledgeUploadRow, KnowledgeFaqRow


def _upload(row: KnowledgeUploadRow) -> Upload:
    return Upload(row.id, row.person_id, row.file_id, row.file_name, row.file_size, row.created_at)


def _faq(row: KnowledgeFaqRow) -> FaqEntry:
    return FaqEntry(
        row.id,
        row.department_id,
        row.question,
        row.answer,
        row.created_at,
        row.created_by,
        row.source,
    )


class SqlUploadRepo:
    """Waiting uploads in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, upload: Upload) -> Upload:
        """Store a waiting upload."""
        row = U(
            person_id=upload.person_id,
            file_id=upload.file_id,
            file_name=upload.file_name,
            file_size=upload.file_size,
            created_at=upload.created_at,
        )
        self._s.add(row)
        await self._s.flush()
        return _upload(row)

    async def get(self, upload_id: int) -> Upload | None:
        """Return a waiting upload."""
        row = await self._s.get(U, upload_id, populate_existing=True)
        return _upload(row) if row else None

    async def take(self, upload_id: int) -> bool:
        """Delete a waiting upload in one statement, so only one caller ever wins."""
        result = await self._s.execute(
            delete(U).where(U.id == upload_id).execution_options(synchronize_session=False)
        )
        return affected(result) == 1

    async def forget_before(self, moment: datetime) -> int:
        """Delete the uploads waiting since before a moment."""
        result = await self._s.execute(
            delete(U).where(U.created_at < moment).execution_options(synchronize_session=False)
        )
        return affected(result)


class SqlFaqRepo:
    """FAQ entries in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, entry: FaqEntry) -> FaqEntry:
        """Store an entry."""
        row = F(
            department_id=entry.department_id,
            question=entry.question,
            answer=entry.answer,
            created_at=entry.created_at,
            created_by=entry.created_by,
            source=entry.source,
        )
        self._s.add(row)
        await self._s.flush()
        return _faq(row)

    async def set_source(self, faq_id: int, source: str) -> None:
        """Record the document the entry is indexed as."""
        await self._s.execute(update(F).where(F.id == faq_id).values(source=source))

    async def by_source(self, source: str) -> FaqEntry | None:
        """Return the entry indexed as this document."""
        row = await self._s.scalar(select(F).where(F.source == source))
        return _faq(row) if row else None

    async def delete(self, faq_id: int) -> None:
        """Delete an entry; its questions' `faq_id` falls back to NULL (gaps again)."""
        await self._s.execute(
            delete(F).where(F.id == faq_id).execution_options(synchronize_session=False)
        )

    async def for_department(self, department_id: int) -> Sequence[FaqEntry]:
        """Return a department's entries, oldest first."""
        query = select(F).where(F.department_id == department_id).order_by(F.created_at, F.id)
        return [_faq(row) for row in await self._s.scalars(query)]
