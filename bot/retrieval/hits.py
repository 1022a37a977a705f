"""A retrieval candidate, its citation, and how well one of its sentences covers a question."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.retrieval.chunking import units
from bot.retrieval.index import StoredChunk
from bot.retrieval.lexical import coverage
from bot.services.questions.knowledge import Citation


@dataclass(slots=True)
class Hit:
    """One fused candidate chunk with the signals behind its rank."""

    chunk: StoredChunk
    fused: float = 0.0
    dense: float = 0.0
    sentence_dense: float = 0.0
    sentence: str | None = None
    ranks: dict[str, int] = field(default_factory=dict)

    @property
    def body(self) -> str:
        """The chunk text without its "title › section" prefix."""
        return self.chunk.body


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


def best_sentence_coverage(
    question: str, hit: Hit, idf: Callable[[str], float] | None = None, before: str = ""
) -> float:
    """How much of the question one sentence of the hit covers, read with its title, section
    and the sentence before it (which often names what "de" or "her" refers to)."""
    meta = hit.chunk.metadata
    context = f"{meta.get('title', '')} {meta.get('section', '')} "
    sentences = units(hit.body)
    previous = [before, *sentences[:-1]]
    return max(
        (
            coverage(question, f"{context}{p} {s}", idf)
            for p, s in zip(previous, sentences, strict=True)
        ),
        default=0.0,
    )


def section_and_body(entry: StoredChunk) -> str:
    return f"{entry.metadata.get('section', '')}\n{entry.body}"
