"""Types and ports of placement conversations and the weekly supervisor digest."""

from __future__ import annotations

from typing import Protocol


class ConversationRepo(Protocol):
    """Placement conversations (expectations, midway, final)."""


class DigestRepo(Protocol):
    """What the weekly supervisor digest needs."""
