"""SQL adapters for placement conversations and the supervisor digest."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class SqlConversationRepo:
    """Placement conversations in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session


class SqlDigestRepo:
    """What the weekly digest reads, in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session
