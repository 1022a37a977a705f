"""The real clock."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Tells the real time in UTC."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        return datetime.now(UTC)
