"""The knowledge base as the ranker reads it, held in memory: chunks and their units
(sentences, list items, table rows) in section order, their embeddings, two BM25 indexes per
granularity, and the stems each unit holds. Built from what the index stores, so every
process that reads one index sees the same corpus."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bot.retrieval.ingest.chunking import TEXT, chunk_units, units
from bot.retrieval.ingest.index import CHUNKS, SENTENCES, KnowledgeIndex, StoredChunk
from bot.retrieval.text.lexical import LexicalIndex, ngrams, stems


@dataclass(frozen=True, slots=True)
class CorpusUnit:
    """One unit of a chunk: its place, kind and text, and the stems it holds."""

    chunk: int  # position of its chunk in Corpus.chunks
    number: int  # its place in the chunk
    block: int  # its block (paragraph, list item, row) in the section
    kind: str
    text: str
    stems: frozenset[str]
    grams: frozenset[str]


@dataclass(slots=True)
class Corpus:
    """Everything indexed, with the lookups ranking and answer windows need."""

    chunks: list[StoredChunk]
    units: list[CorpusUnit]
    chunk_units: list[list[int]]  # unit positions of each chunk, in order
    chunk_vectors: np.ndarray  # unit-length rows, one per chunk (zeros when unknown)
    unit_vectors: np.ndarray
    chunk_scopes: np.ndarray
    unit_scopes: np.ndarray
    chunk_lexical: LexicalIndex
    unit_lexical: LexicalIndex
    context_stems: list[frozenset[str]]  # title and section stems of each chunk
    context_grams: list[frozenset[str]]
    unit_offsets: np.ndarray  # where each chunk's units start (they are contiguous)
    sections: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    by_key: dict[str, int] = field(default_factory=dict)
    scope_names: tuple[str, ...] = ()  # every scope with documents, sorted

    @classmethod
    def load(cls, index: KnowledgeIndex) -> Corpus:
        """Read every stored chunk and unit with their embeddings."""
        chunks, chunk_vectors = index.stored_with_vectors(CHUNKS)
        sentences, sentence_vectors = index.stored_with_vectors(SENTENCES)
        order = sorted(
            range(len(chunks)),
            key=lambda i: (
                str(chunks[i].metadata.get("source", "")),
                int(chunks[i].metadata.get("page") or 0),
                str(chunks[i].metadata.get("section", "")),
                int(chunks[i].metadata.get("chunk", 0)),
            ),
        )
        chunks = [chunks[i] for i in order]
        chunk_vectors = _unit_rows(chunk_vectors[order] if len(order) else chunk_vectors)
        by_key = {str(c.metadata.get("chunk_key")): i for i, c in enumerate(chunks)}
        vector_of = {
            (str(s.metadata.get("chunk_key")), int(s.metadata.get("sentence", -1))): row
            for row, s in enumerate(sentences)
        }
        sentence_vectors = _unit_rows(sentence_vectors)
        dim = max(chunk_vectors.shape[1], sentence_vectors.shape[1])
        all_units: list[CorpusUnit] = []
        per_chunk: list[list[int]] = []
        rows: list[np.ndarray] = []
        zero = np.zeros(dim, dtype=np.float32)
        for position, chunk in enumerate(chunks):
            kept = chunk_units(chunk.metadata) or [
                (i, TEXT, s) for i, s in enumerate(units(chunk.body))
            ]
            mine: list[int] = []
            for number, (block, kind, text) in enumerate(kept):
                unit_stems = stems(text)
                all_units.append(
                    CorpusUnit(
                        position,
                        number,
                        block,
                        kind,
                        text,
                        frozenset(unit_stems),
                        frozenset(ngrams(list(set(unit_stems)))),
                    )
                )
                row = vector_of.get((str(chunk.metadata.get("chunk_key")), number))
                rows.append(sentence_vectors[row] if row is not None else zero)
                mine.append(len(all_units) - 1)
            per_chunk.append(mine)
        contexts = [
            frozenset(stems(f"{c.metadata.get('title', '')} {c.metadata.get('section', '')}"))
            for c in chunks
        ]
        sections: dict[tuple[str, str], list[int]] = {}
        for position, chunk in enumerate(chunks):
            sections.setdefault(_section_key(chunk), []).append(position)
        return cls(
            chunks=chunks,
            units=all_units,
            chunk_units=per_chunk,
            chunk_vectors=chunk_vectors,
            unit_vectors=np.vstack(rows) if rows else np.zeros((0, dim), dtype=np.float32),
            chunk_scopes=np.array([str(c.metadata.get("scope", "all")) for c in chunks]),
            unit_scopes=np.array(
                [str(chunks[u.chunk].metadata.get("scope", "all")) for u in all_units]
            ),
            chunk_lexical=LexicalIndex(
                [f"{c.metadata.get('section', '')}\n{c.body}" for c in chunks]
            ),
            unit_lexical=LexicalIndex(
                [
                    f"{chunks[u.chunk].metadata.get('section') or chunks[u.chunk].metadata.get('title')}: {u.text}"
                    for u in all_units
                ]
            ),
            context_stems=contexts,
            context_grams=[frozenset(ngrams(list(c))) for c in contexts],
            unit_offsets=np.array([units[0] if units else -1 for units in per_chunk]),
            sections=sections,
            by_key=by_key,
            scope_names=tuple(sorted({str(c.metadata.get("scope", "all")) for c in chunks})),
        )

    def section_of(self, chunk: int) -> list[int]:
        """Return the chunk positions of the chunk's section, in order."""
        return self.sections.get(_section_key(self.chunks[chunk]), [chunk])

    def section_units(self, chunk: int) -> list[int]:
        """Return the unit positions of the chunk's whole section, in order."""
        return [u for c in self.section_of(chunk) for u in self.chunk_units[c]]

    def scopes(self) -> list[str]:
        """Every scope with documents."""
        return list(self.scope_names)


def _section_key(chunk: StoredChunk) -> tuple[str, str]:
    meta = chunk.metadata
    return (
        str(meta.get("source", "")),
        f"{meta.get('section', '')}\x00{int(meta.get('page') or 0) if not meta.get('section') else ''}",
    )


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or not matrix.size:
        return np.zeros((len(matrix) if matrix.ndim else 0, 0), np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
