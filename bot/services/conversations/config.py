"""The conversations settings, read from `Settings` by bootstrap."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConversationConfig:
    """The settings of placement conversations."""

    reminder_days: int = 2
