"""The feedback settings, read from `Settings` by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class FeedbackConfig:
    """The settings of structured feedback: nudges, reminders and expiry."""

    nudges_per_week: int = 2
    reminder: timedelta = timedelta(days=3)
    expiry: timedelta = timedelta(days=14)
