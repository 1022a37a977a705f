"""Types and ports of the anonymous weekly pulse."""

from __future__ import annotations

from typing import Protocol


class PulseRepo(Protocol):
    """Who was asked the pulse this week, and the anonymous scores."""
