"""SQL adapter for feedback requests and nudges."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class SqlFeedbackRepo:
    """Feedback requests and nudges in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session
