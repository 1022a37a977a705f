"""A retrieval candidate, its citation, and how well one of its sentences covers a question."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.retrieval.ingest.index import StoredChunk
from bot.services.questions.knowledge import Citation


@dataclass(slots=True, eq=False)
class Hit:
    """One ranked candidate chunk with the signals behind its rank."""

    chunk: StoredChunk
    position: int  # in the corpus
    score: float = 0.0  # the ranker's score
    dense: float = 0.0  # cosine of the chunk to the question
    probability: float = 0.0  # softmax of the score among the asker's candidates
    features: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def body(self) -> str:
        """The chunk text without its "title › section" prefix."""
        return self.chunk.body

    @property
    def scope(self) -> str:
        return str(self.chunk.metadata.get("scope", "all"))


def citation(chunk: StoredChunk) -> Citation:
    """Return the citation of a stored chunk."""
    meta = chunk.metadata
    return Citation(
        title=str(meta.get("title", "")),
        section=str(meta.get("section") or "") or None,
        page=int(meta.get("page") or 0) or None,
        source=str(meta.get("source", "")),
        scope=str(meta.get("scope", "all")),
        url=str(meta.get("source_url") or "") or None,
        date=str(meta.get("date") or "") or None,
    )
