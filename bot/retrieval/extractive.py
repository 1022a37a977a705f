"""Extractive answers: the sentences of the best passage that answer the question, cited;
or an abstention when the evidence is weak. No language model is involved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.retrieval.chunking import units
from bot.retrieval.hits import Hit, best_sentence_coverage, citation
from bot.retrieval.hybrid import HybridRetriever
from bot.retrieval.language import looks_english
from bot.retrieval.lexical import coverage, stems
from bot.retrieval.rerank import evidence, question_type
from bot.services.questions.knowledge import Answer, Passage

# Calibrated on the development questions and the project's own set (bench/questions): Danish
# answerable questions score from about 0.56 up, unanswerable ones at most about 0.70; an
# English question whose answer stands in Danish text has only its dense similarity
# (answerable >= 0.837, unanswerable <= 0.818 on the same sets), shifted onto this scale.
THRESHOLD = 0.70
CANDIDATE_PASSAGES = 3
RANK_PENALTY = 0.1
ENGLISH_DENSE_OFFSET = 0.13


@dataclass(frozen=True, slots=True)
class Evidence:
    """How well the best hit supports an answer."""

    dense: float
    coverage: float
    english: bool

    @property
    def confidence(self) -> float:
        """Combine the signals into one number; answers need THRESHOLD or more."""
        if self.dense == 0.0:  # lexical-only retrieval: coverage is all there is
            return self.coverage
        mixed = 0.5 * self.dense + 0.5 * self.coverage
        if self.english:  # an English question shares few words with Danish text
            return max(mixed, self.dense - ENGLISH_DENSE_OFFSET)
        return mixed


class ExtractiveAnswerer:
    """Implements the Answerer port without a language model."""

    def __init__(
        self, retriever: HybridRetriever, threshold: float = THRESHOLD, max_sentences: int = 2
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
        best, sentences = self._select(question, hits, evidence.english)
        text = " ".join(sentences) + " [1]"
        return Answer(text, (citation(best.chunk),), False, evidence.confidence, passages)

    def evidence(self, question: str, hits: Sequence[Hit]) -> Evidence:
        """Measure the support of the best hit."""
        best = hits[0]
        dense = max((max(h.dense, h.sentence_dense) for h in hits[:3]), default=0.0)
        coverage = best_sentence_coverage(question, best, self.retriever.idf)
        return Evidence(dense, coverage, looks_english(question))

    def _select(self, question: str, hits: Sequence[Hit], english: bool) -> tuple[Hit, list[str]]:
        """Choose the sentence that answers among the top passages: the one that, read with
        its title, section and previous sentence, covers the question best and has the answer
        form asked for (a lower-ranked passage pays a little). English questions take the
        sentence the sentence-level dense search found in the best passage."""
        if english or not hits[0].body:
            return hits[0], self._around(units(hits[0].body) or [hits[0].body], hits[0].sentence)
        kind, wanted = question_type(question), set(stems(question))
        scored: list[tuple[float, int, int]] = []
        for rank, hit in enumerate(hits[:CANDIDATE_PASSAGES]):
            meta = hit.chunk.metadata
            context = f"{meta.get('title', '')} {meta.get('section', '')} "
            sentences = units(hit.body)
            previous = [self.retriever.last_sentence_before(hit.chunk), *sentences[:-1]]
            for index, (before, sentence) in enumerate(zip(previous, sentences, strict=True)):
                score = coverage(question, f"{context}{before} {sentence}", self.retriever.idf)
                score += 0.5 * evidence(kind, wanted, sentence) - RANK_PENALTY * rank
                scored.append((score, rank, index))
        if not scored:
            return hits[0], [hits[0].body]
        _score, rank, index = max(scored, key=lambda item: (item[0], -item[1]))
        chosen = hits[rank]
        return chosen, self._around(units(chosen.body), units(chosen.body)[index])

    @staticmethod
    def _around(sentences: list[str], sentence: str | None) -> list[str]:
        """Return the sentence, with the next one when it is short (context for the reader)."""
        index = sentences.index(sentence) if sentence in sentences else 0
        chosen = sentences[index : index + 1]
        if len(chosen[0].split()) < 15 and index + 1 < len(sentences):
            chosen.append(sentences[index + 1])
        return chosen
