"""The index's health probe: the bot runs without it, so /healthz calls it degraded."""

from __future__ import annotations

from bot.retrieval.setup import IndexUnavailable, ResilientKnowledge


class IndexHealth:
    """Reports whether the knowledge index is open (no query is made)."""

    def __init__(self, knowledge: ResilientKnowledge) -> None:
        self._knowledge = knowledge

    async def ping(self) -> None:
        """Raise while the index is not open."""
        if not self._knowledge.available:
            raise IndexUnavailable(self._knowledge.error or "not opened yet")
