"""SQL adapter for the anonymous weekly pulse."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class SqlPulseRepo:
    """Pulse asks and anonymous scores in SQL."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session
