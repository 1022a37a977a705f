"""Feedback requests in memory (what the unit-tested services read)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.services.feedback.types import FeedbackRequest


class FakeFeedback:
    """Feedback requests in memory; services that only read them use this."""

    def __init__(self, store: Any) -> None:
        self.s = store
        self.requests: dict[int, FeedbackRequest] = {}

    async def for_student(self, student_id: int, limit: int = 20) -> Sequence[FeedbackRequest]:
        """Return the student's requests, newest first."""
        mine = [r for r in self.requests.values() if r.student_id == student_id]
        return sorted(mine, key=lambda r: r.id, reverse=True)[:limit]
