"""Hybrid retrieval: dense (e5 in Chroma) fused with Danish BM25 over stems and over
character n-grams, at two granularities (chunks, and the sentences inside them), by
weighted reciprocal rank fusion. A sentence ranking counts for the chunk it belongs to."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from bot.retrieval.chunking import units
from bot.retrieval.crosslingual import WordTranslator
from bot.retrieval.hits import Hit, best_sentence_coverage, citation, section_and_body
from bot.retrieval.index import CHUNKS, SENTENCES, KnowledgeIndex, StoredChunk
from bot.retrieval.language import looks_english
from bot.retrieval.lexical import LexicalIndex, stems
from bot.retrieval.rerank import evidence, question_type
from bot.services.questions.knowledge import Passage

LEXICAL = ("stems", "grams", "s_stems", "s_grams")
MODES = {
    "hybrid": ("dense", "stems", "grams", "s_dense", "s_stems", "s_grams"),
    "bm25": ("stems",),
    "dense": ("dense",),
}


class HybridRetriever:
    """Implements the Retriever port over a KnowledgeIndex."""

    def __init__(
        self,
        index: KnowledgeIndex,
        weights: dict[str, float] | None = None,
        mode: str = "hybrid",
        english_lexical: float = 0.3,
        k0: int = 60,
        candidates: int = 40,
        answer_type_bonus: float = 0.03,
        sentence_bonus: float = 0.03,
        translation: bool = True,
    ) -> None:
        self.index = index
        self.answer_type_bonus, self.sentence_bonus = answer_type_bonus, sentence_bonus
        self.channels = MODES[mode]
        self.weights = {name: 1.0 for name in self.channels} | (weights or {})
        self.english_lexical, self.k0, self.candidates = english_lexical, k0, candidates
        self.translation = translation
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the in-memory indexes from what is stored (after an ingestion)."""
        self._chunks = self.index.stored(CHUNKS)
        self._sentences = self.index.stored(SENTENCES)
        self._chunk_pos = {c.metadata.get("chunk_key"): i for i, c in enumerate(self._chunks)}
        self._chunk_by_id = {c.id: i for i, c in enumerate(self._chunks)}
        self._by_place = {
            (
                c.metadata.get("source"),
                c.metadata.get("section"),
                int(c.metadata.get("chunk", 0)),
            ): c
            for c in self._chunks
        }
        self._parent = [
            self._chunk_pos.get(s.metadata.get("chunk_key"), -1) for s in self._sentences
        ]
        self._sentence_by_id = {s.id: i for i, s in enumerate(self._sentences)}
        self._chunk_scopes = np.array([str(c.metadata.get("scope", "all")) for c in self._chunks])
        self._sentence_scopes = np.array(
            [str(s.metadata.get("scope", "all")) for s in self._sentences]
        )
        self._chunk_lexical = LexicalIndex([section_and_body(c) for c in self._chunks])
        self._sentence_lexical = LexicalIndex([s.text for s in self._sentences])
        self._translator = WordTranslator(self.index.embeddings, *self.index.word_vectors())

    def last_sentence_before(self, chunk: StoredChunk) -> str:
        """Return the last sentence of the chunk before this one in the same section."""
        meta = chunk.metadata
        key = (meta.get("source"), meta.get("section"), int(meta.get("chunk", 0)) - 1)
        previous = self._by_place.get(key)
        sentences = units(previous.body) if previous is not None else []
        return sentences[-1] if sentences else ""

    def scopes(self) -> list[str]:
        """Return every scope present in the index."""
        return sorted(set(self._chunk_scopes.tolist()))

    def idf(self, stem: str) -> float:
        """Inverse sentence frequency of a stem in the knowledge base."""
        return self._sentence_lexical.idf(stem)

    async def search(self, question: str, k: int, scopes: Sequence[str]) -> list[Passage]:
        """Return up to k passages, best first."""
        hits = await self.hits(question, scopes)
        return [Passage(h.body, citation(h.chunk), h.fused) for h in hits[:k]]

    async def hits(self, question: str, scopes: Sequence[str]) -> list[Hit]:
        """Return fused candidates with their signals, best first."""
        if not self._chunks or not question.strip():
            return []
        lexical_query, lexical_weight = question, 1.0
        if looks_english(question):  # its words, and Danish words for them, weigh less
            lexical_query = " ".join([question, *await self.translate(question)])
            lexical_weight = self.english_lexical
        rankings = await self._rankings(question, list(scopes), lexical_query)
        hits: dict[int, Hit] = {}
        for name, ranking in rankings.items():
            weight = self.weights.get(name, 0.0) * (lexical_weight if name in LEXICAL else 1.0)
            for rank, (pos, sentence, score) in enumerate(ranking):
                hit = hits.setdefault(pos, Hit(self._chunks[pos]))
                hit.ranks[name] = rank
                hit.fused += weight / (self.k0 + rank + 1)
                if name == "dense":
                    hit.dense = score
                elif name == "s_dense":
                    hit.sentence_dense = max(hit.sentence_dense, score)
                if sentence is not None and hit.sentence is None:
                    hit.sentence = sentence
        ranked = sorted(hits.values(), key=lambda h: -h.fused)
        if len(self.channels) > 1:  # the single-channel baselines stay plain rankings
            self._rerank(question, ranked[: self.candidates])
            ranked.sort(key=lambda h: -h.fused)
        return ranked

    async def translate(self, question: str) -> list[str]:
        """Danish words for an English question's content words (embedded off the loop).
        The single-channel baselines search the question as it is."""
        if not self.translation or len(self.channels) == 1 or not len(self._translator):
            return []
        return await asyncio.to_thread(self._translator.translate, question)

    def _rerank(self, question: str, top: list[Hit]) -> None:
        """Add sentence-level evidence: the answer form asked for, and one sentence that
        (with its title and section) covers the question's words."""
        kind = question_type(question)
        wanted = set(stems(question))
        english = looks_english(question)
        for hit in top:
            if kind.definition_of or kind.quantity or kind.date or kind.why:
                hit.fused += self.answer_type_bonus * evidence(kind, wanted, hit.body)
            if not english:
                before = self.last_sentence_before(hit.chunk)
                hit.fused += self.sentence_bonus * best_sentence_coverage(
                    question, hit, None, before
                )

    async def _rankings(
        self, question: str, scopes: list[str], lexical_query: str
    ) -> dict[str, list[tuple[int, str | None, float]]]:
        """Return each channel's ranking of chunk positions (with the sentence that won it);
        the dense channels embed the question, the lexical ones search lexical_query."""
        result: dict[str, list[tuple[int, str | None, float]]] = {}
        if "dense" in self.channels or "s_dense" in self.channels:
            vector = await asyncio.to_thread(self.index.embeddings.embed_query, question)
            if "dense" in self.channels:
                found = await asyncio.to_thread(
                    self.index.dense, vector, self.candidates, scopes, CHUNKS
                )
                result["dense"] = [
                    (self._chunk_by_id[i], None, sim) for i, sim in found if i in self._chunk_by_id
                ]
            if "s_dense" in self.channels:
                found = await asyncio.to_thread(
                    self.index.dense, vector, 3 * self.candidates, scopes, SENTENCES
                )
                ids = [
                    (self._sentence_by_id[i], sim) for i, sim in found if i in self._sentence_by_id
                ]
                result["s_dense"] = self._to_chunks(ids)
        if any(name in self.channels for name in LEXICAL):
            chunk_mask = np.isin(self._chunk_scopes, scopes)
            stems, grams = self._chunk_lexical.rank(lexical_query, chunk_mask, self.candidates)
            result["stems"] = [(p, None, 0.0) for p in stems]
            result["grams"] = [(p, None, 0.0) for p in grams]
            sentence_mask = np.isin(self._sentence_scopes, scopes)
            s_stems, s_grams = self._sentence_lexical.rank(
                lexical_query, sentence_mask, 3 * self.candidates
            )
            result["s_stems"] = self._to_chunks([(p, 0.0) for p in s_stems])
            result["s_grams"] = self._to_chunks([(p, 0.0) for p in s_grams])
        return {name: ranking for name, ranking in result.items() if name in self.channels}

    def _to_chunks(self, ranked: list[tuple[int, float]]) -> list[tuple[int, str | None, float]]:
        """Rank chunks by their best sentence, keeping that sentence."""
        seen: set[int] = set()
        ranking: list[tuple[int, str | None, float]] = []
        for pos, score in ranked:
            parent = self._parent[pos]
            if parent >= 0 and parent not in seen:
                seen.add(parent)
                ranking.append((parent, self._sentences[pos].body, score))
        return ranking
