"""Extractive answers: the sentences of the best passage that answer the question, cited;
or an abstention when the evidence is weak. No language model is involved."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.retrieval.chunking import units
from bot.retrieval.hybrid import Hit, HybridRetriever, citation, looks_english
from bot.retrieval.lexical import ngrams, stems
from bot.services.knowledge import Answer, Passage


@dataclass(frozen=True, slots=True)
class Evidence:
    """How well the best hit supports an answer."""

    dense: float
    coverage: float
    english: bool

    @property
    def confidence(self) -> float:
        """Combine the signals into one number in [0, 1]."""
        if self.english:  # Danish text shares few words with an English question
            return self.dense
        return 0.5 * self.dense + 0.5 * self.coverage


def coverage(question: str, text: str) -> float:
    """Fraction of the question's content stems found in text (partly, by n-grams)."""
    wanted = stems(question)
    if not wanted:
        return 0.0
    have = set(stems(text))
    have_grams = set(ngrams(list(have)))
    total = 0.0
    for stem in wanted:
        if stem in have:
            total += 1.0
        else:
            grams = ngrams([stem])
            total += sum(g in have_grams for g in grams) / len(grams)
    return total / len(wanted)


class ExtractiveAnswerer:
    """Implements the Answerer port without a language model."""

    def __init__(
        self, retriever: HybridRetriever, threshold: float = 0.6, max_sentences: int = 2
    ) -> None:
        self.retriever = retriever
        self.threshold = threshold
        self.max_sentences = max_sentences

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Answer from the best passage, or abstain."""
        hits = await self.retriever.hits(question, scopes)
        passages = tuple(Passage(h.body, citation(h.chunk), h.fused) for h in hits[:5])
        if not hits:
            return Answer("", (), abstained=True, confidence=0.0, passages=passages)
        evidence = self.evidence(question, hits)
        if evidence.confidence < self.threshold:
            return Answer("", (), True, evidence.confidence, passages)
        best = hits[0]
        sentences = await self._best_sentences(question, best, evidence.english)
        text = " ".join(sentences) + " [1]"
        return Answer(text, (citation(best.chunk),), False, evidence.confidence, passages)

    def evidence(self, question: str, hits: Sequence[Hit]) -> Evidence:
        """Measure the support of the best hit."""
        best = hits[0]
        dense = max((max(h.dense, h.sentence_dense) for h in hits[:3]), default=0.0)
        return Evidence(dense, coverage(question, best.chunk.text), looks_english(question))

    async def _best_sentences(self, question: str, hit: Hit, english: bool) -> list[str]:
        sentences = units(hit.body) or [hit.body]
        if len(sentences) <= self.max_sentences:
            return sentences
        if english:
            embeddings = self.retriever.index.embeddings
            vectors = np.array(await asyncio.to_thread(embeddings.embed_documents, sentences))
            query = np.array(await asyncio.to_thread(embeddings.embed_query, question))
            scores = list(vectors @ query)
        else:
            scores = [coverage(question, s) for s in sentences]
        best = int(np.argmax(scores))
        chosen = [best]
        if len(sentences[best].split()) < 15 and best + 1 < len(sentences):
            chosen.append(best + 1)
        return [sentences[i] for i in sorted(chosen)]
