"""Hybrid retrieval: every chunk and unit of the corpus is scored by six channels (e5 cosine
and Danish BM25 over stems and over character n-grams, for chunks and for their units); the
best of each channel become candidates, and a linear model fitted on the tune questions
(bot/retrieval/ranking/ranker.py) ranks them from the channel scores, how much of the question a
unit covers, and the form of answer asked for. English questions also search the Danish
words nearest to theirs (bot/retrieval/text/crosslingual.py).

Candidates come from every scope, so the answerer can see when the best passage stands in a
document the asker may not read (another department's guide) and say "I don't know" rather
than show the best of what is left; only passages in the asker's scopes are ever returned."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.retrieval.ingest.index import KnowledgeIndex
from bot.retrieval.ranking.corpus import Corpus
from bot.retrieval.ranking.features import (
    CHUNK_FEATURES,
    FeatureBuilder,
    Query,
    Signals,
    word_groups,
)
from bot.retrieval.ranking.hits import Hit, citation
from bot.retrieval.ranking.ranker import Fitted, softmax
from bot.retrieval.ranking.rerank import question_type
from bot.retrieval.text.crosslingual import WordTranslator
from bot.retrieval.text.language import looks_english
from bot.retrieval.text.lexical import stems
from bot.services.questions.knowledge import Passage

MODES = ("hybrid", "bm25", "dense")
PER_CHANNEL = 20


@dataclass(frozen=True, slots=True)
class Ranking:
    """The candidates of one question, best first, with what ranked them."""

    query: Query
    signals: Signals
    hits: list[Hit]  # in the asker's scopes
    outside: Hit | None  # the best candidate the asker may not read, if any
    language: str

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None


class HybridRetriever:
    """Implements the Retriever port over a KnowledgeIndex."""

    def __init__(
        self,
        index: KnowledgeIndex,
        mode: str = "hybrid",
        translation: bool = True,
        fitted: Fitted | None = None,
        per_channel: int = PER_CHANNEL,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        self.index, self.mode, self.translation = index, mode, translation
        self.fitted = fitted or Fitted.load()
        self.per_channel = per_channel
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the in-memory corpus from what is stored (after an ingestion)."""
        self.corpus = Corpus.load(self.index)
        self.features = FeatureBuilder(self.corpus)
        self._translator = WordTranslator(self.index.embeddings, *self.index.word_vectors())

    def scopes(self) -> list[str]:
        """Return every scope present in the index."""
        return self.corpus.scopes()

    def idf(self, stem: str) -> float:
        """Inverse unit frequency of a stem in the knowledge base."""
        return self.corpus.unit_lexical.idf(stem)

    async def search(self, question: str, k: int, scopes: Sequence[str]) -> list[Passage]:
        """Return up to k passages, best first."""
        hits = await self.hits(question, scopes)
        return [Passage(h.body, citation(h.chunk), h.score) for h in hits[:k]]

    async def hits(self, question: str, scopes: Sequence[str]) -> list[Hit]:
        """Return the candidates in the scopes, best first."""
        ranking = await self.rank(question, scopes)
        return ranking.hits if ranking else []

    async def query(self, question: str) -> Query:
        """Embed the question and, for an English one, find Danish words for its words."""
        english = looks_english(question)
        vector = await asyncio.to_thread(self.index.embeddings.embed_query, question)
        translations: list[tuple[str, list[str]]] = []
        if english and self.translation and self.mode == "hybrid" and len(self._translator):
            translations = await asyncio.to_thread(self._translator.translate_words, question)
        lexical = " ".join([question, *(w for _e, danish in translations for w in danish)])
        norm = float(np.linalg.norm(vector)) or 1.0
        return Query(
            text=question,
            english=english,
            kind=question_type(question),
            wanted=tuple(dict.fromkeys(stems(question))),
            words=tuple(word_groups(question, translations)),
            vector=np.asarray(vector, dtype=np.float32) / norm,
            lexical=lexical,
        )

    async def translate(self, question: str) -> list[str]:
        """The Danish words an English question's content words bring (what the lexical
        channels search besides the question)."""
        query = await self.query(question)
        return query.lexical.split()[len(question.split()) :] if query.english else []

    async def rank(self, question: str, scopes: Sequence[str]) -> Ranking | None:
        """Rank the candidates of a question; None for an empty corpus or question."""
        if not self.corpus.chunks or not question.strip():
            return None
        query = await self.query(question)
        return self.rank_query(query, scopes)

    def rank_query(self, query: Query, scopes: Sequence[str]) -> Ranking:
        """Rank the candidates of an embedded question (blocking, fast)."""
        signals = self.features.signals(query)
        language = "en" if query.english else "da"
        if self.mode == "hybrid":
            chosen = self.features.candidates(signals, self.per_channel)
            rows = self.features.chunk_features(query, signals, chosen)
            scores = self.fitted.chunk.score(rows, language)
        else:
            channel = signals.chunk_stem if self.mode == "bm25" else signals.chunk_cos
            order = np.argsort(-channel, kind="stable")[: 4 * self.per_channel]
            chosen = [int(i) for i in order if self.mode == "dense" or channel[i] > 0]
            rows = np.zeros((len(chosen), len(CHUNK_FEATURES)))
            scores = np.asarray([float(channel[i]) for i in chosen])
        allowed = set(scopes)
        hits = [
            Hit(
                chunk=self.corpus.chunks[pos],
                position=pos,
                score=float(score),
                dense=float(signals.chunk_cos[pos]),
                features=row,
            )
            for pos, score, row in zip(chosen, scores, rows, strict=True)
        ]
        hits.sort(key=lambda h: -h.score)
        inside = [h for h in hits if h.scope in allowed]
        outside = next((h for h in hits if h.scope not in allowed), None)
        probabilities = softmax(np.asarray([h.score for h in inside]))
        for hit, p in zip(inside, probabilities, strict=True):
            hit.probability = float(p)
        return Ranking(query, signals, inside, outside, language)
