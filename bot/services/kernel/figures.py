"""Rules shared by every aggregated figure (the coordinator's reports and the pulse)."""

from __future__ import annotations

from datetime import date, timedelta

MIN_GROUP = 5
"""Figures about fewer people than this are withheld, so no one can be singled out."""


def monday_of(day: date) -> date:
    """Return the Monday of the week of `day` (weeks of the pulse run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())
