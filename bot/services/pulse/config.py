"""The pulse settings, read from `Settings` by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PulseConfig:
    """When students of cohorts with the pulse switched on get the weekly question."""

    weekday: int = 3
    hour: int = 12
