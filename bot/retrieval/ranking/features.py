"""What the ranker knows about a question and each candidate: the scores of every channel
(dense and BM25, over chunks and over their units), how much of the question a unit covers,
and whether it has the form of answer asked for. Features only describe; how much each counts
is fitted on the tune questions (bench/fit_ranker.py), never set by hand."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from bot.retrieval.ingest.chunking import HEAD, ITEM, ROW
from bot.retrieval.ranking.corpus import Corpus, CorpusUnit
from bot.retrieval.ranking.rerank import QuestionType, evidence
from bot.retrieval.text.lexical import ngrams, stems

# Features of a candidate chunk. "gap" is the cosine minus the best cosine of the question,
# "rr" the reciprocal rank 1/(1+rank), "norm" a BM25 score over the best BM25 score.
CHUNK_FEATURES = (
    "d_cos",
    "d_gap",
    "d_rr",
    "u_cos",
    "u_gap",
    "u_rr",
    "c_stem",
    "c_stem_rr",
    "c_gram",
    "c_gram_rr",
    "u_stem",
    "u_stem_rr",
    "u_gram",
    "u_gram_rr",
    "cov",
    "cov_idf",
    "cov_words",
    "title_cov",
    "ev_def",
    "ev_qty",
    "ev_date",
    "ev_why",
    "list_share",
    "log_words",
)
# Features of a unit (sentence, list item, table row) of one of the best chunks.
UNIT_FEATURES = (
    "chunk_p",
    "chunk_first",
    "s_cos",
    "s_gap",
    "s_stem",
    "s_gram",
    "s_cov",
    "s_cov_idf",
    "s_cov_alone",
    "s_cov_words",
    "s_ev_def",
    "s_ev_qty",
    "s_ev_date",
    "s_ev_why",
    "s_item",
    "s_first",
    "s_log_words",
)


@dataclass(frozen=True, slots=True)
class Query:
    """A question as the channels see it."""

    text: str
    english: bool
    kind: QuestionType
    wanted: tuple[str, ...]  # content stems of the question
    words: tuple[tuple[str, ...], ...]  # per content word: the stems that count as it
    vector: np.ndarray
    lexical: str  # what the lexical channels search (an English question with Danish words)


@dataclass(frozen=True, slots=True)
class Signals:
    """Every channel's score for every chunk and unit of the corpus."""

    chunk_cos: np.ndarray
    unit_cos: np.ndarray
    chunk_stem: np.ndarray
    chunk_gram: np.ndarray
    unit_stem: np.ndarray
    unit_gram: np.ndarray
    per_chunk: dict[str, np.ndarray]  # each channel by chunk: a unit channel counts its best unit


def signals_of(
    corpus: Corpus,
    chunk_cos: np.ndarray,
    unit_cos: np.ndarray,
    chunk_stem: np.ndarray,
    chunk_gram: np.ndarray,
    unit_stem: np.ndarray,
    unit_gram: np.ndarray,
) -> Signals:
    """Every channel's scores, with each channel per chunk (a unit channel counts its best
    unit) worked out once per question."""
    channels = {
        "d": chunk_cos,
        "u": _best_per_chunk(unit_cos, corpus, -1.0),
        "c_stem": chunk_stem,
        "c_gram": chunk_gram,
        "u_stem": _best_per_chunk(unit_stem, corpus, 0.0),
        "u_gram": _best_per_chunk(unit_gram, corpus, 0.0),
    }
    return Signals(chunk_cos, unit_cos, chunk_stem, chunk_gram, unit_stem, unit_gram, channels)


def word_groups(
    question: str, translations: Sequence[tuple[str, list[str]]]
) -> list[tuple[str, ...]]:
    """The question's content words, each as the stems that count as finding it: itself, and
    for an English word its Danish translations."""
    groups: list[tuple[str, ...]] = [(stem,) for stem in dict.fromkeys(stems(question))]
    english = {stem for word, _danish in translations for stem in stems(word)}
    groups = [g for g in groups if g[0] not in english]
    for word, danish in translations:
        own = stems(word)
        group = tuple(dict.fromkeys([*own, *(s for d in danish for s in stems(d))]))
        if group:
            groups.append(group)
    return groups


def covered(
    groups: Sequence[tuple[str, ...]], have: frozenset[str], grams: frozenset[str]
) -> float:
    """Share of the question's words found (a compound's part counts by its n-grams)."""
    if not groups:
        return 0.0
    total = 0.0
    for group in groups:
        best = 0.0
        for stem in group:
            if stem in have:
                best = 1.0
                break
            parts = _stem_grams(stem)
            share = len(parts & grams) / len(parts)
            if share >= 0.5:
                best = max(best, share)
        total += best
    return total / len(groups)


@cache
def _stem_grams(stem: str) -> frozenset[str]:
    return frozenset(ngrams([stem]))


def idf_covered(wanted: Sequence[str], have: frozenset[str], idf: Callable[[str], float]) -> float:
    """Share of the question's stems found, each weighted by its rarity in the corpus."""
    weights = [idf(stem) for stem in wanted]
    total = sum(weights)
    if not total:
        return 0.0
    return sum(w for stem, w in zip(wanted, weights, strict=True) if stem in have) / total


class FeatureBuilder:
    """Computes the features of candidates and units for one corpus."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def signals(self, query: Query) -> Signals:
        """Score every chunk and unit in every channel (exact, in memory)."""
        corpus = self.corpus
        vector = query.vector
        chunk_cos = _cosines(corpus.chunk_vectors, vector, len(corpus.chunks))
        unit_cos = _cosines(corpus.unit_vectors, vector, len(corpus.units))
        chunk_stem, chunk_gram = corpus.chunk_lexical.scores(query.lexical)
        unit_stem, unit_gram = corpus.unit_lexical.scores(query.lexical)
        return signals_of(
            corpus, chunk_cos, unit_cos, chunk_stem, chunk_gram, unit_stem, unit_gram
        )

    def candidates(self, signals: Signals, per_channel: int) -> list[int]:
        """Union of each channel's best chunks."""
        chosen: dict[int, None] = {}
        for name, scores in signals.per_chunk.items():
            if not len(scores):
                continue
            top = np.argsort(-scores, kind="stable")[:per_channel]
            positive = name in ("d", "u")  # a lexical score of 0 found nothing
            chosen.update((int(i), None) for i in top if positive or scores[i] > 0)
        return list(chosen)

    def chunk_features(self, query: Query, signals: Signals, chosen: Sequence[int]) -> np.ndarray:
        """One row of CHUNK_FEATURES per chosen chunk."""
        corpus = self.corpus
        channels = signals.per_chunk
        ranks = {name: _ranks(scores) for name, scores in channels.items()}
        best = {
            name: float(scores.max()) if len(scores) else 0.0 for name, scores in channels.items()
        }
        rows = []
        idf = corpus.unit_lexical.idf
        for pos in chosen:
            row: dict[str, float] = {}
            for name in ("d", "u"):
                row[f"{name}_cos"] = float(channels[name][pos])
                row[f"{name}_gap"] = float(channels[name][pos]) - best[name]
                row[f"{name}_rr"] = 1.0 / (1.0 + ranks[name][pos])
            for name in ("c_stem", "c_gram", "u_stem", "u_gram"):
                score = float(channels[name][pos])
                row[name] = score / best[name] if best[name] > 0 else 0.0
                row[f"{name}_rr"] = 1.0 / (1.0 + ranks[name][pos]) if score > 0 else 0.0
            units = [corpus.units[u] for u in corpus.chunk_units[pos]]
            context, context_grams = corpus.context_stems[pos], corpus.context_grams[pos]
            previous = self._unit_before(pos)
            cov = cov_idf = cov_words = 0.0
            ev = dict.fromkeys(("def", "qty", "date", "why"), 0.0)
            for unit in units:
                have, grams = _read_with(context, context_grams, unit, previous)
                cov_words = max(cov_words, covered(query.words, have, grams))
                cov = max(cov, covered([(s,) for s in query.wanted], have, grams))
                cov_idf = max(cov_idf, idf_covered(query.wanted, have, idf))
                for name, value in unit_evidence(query, unit).items():
                    ev[name] = max(ev[name], value)
                previous = unit
            row["cov"], row["cov_idf"], row["cov_words"] = cov, cov_idf, cov_words
            row["title_cov"] = covered(query.words, context, context_grams)
            for name, value in ev.items():
                row[f"ev_{name}"] = value
            row["list_share"] = (
                sum(u.kind in (ITEM, ROW, HEAD) for u in units) / len(units) if units else 0.0
            )
            row["log_words"] = math.log1p(sum(len(u.text.split()) for u in units))
            rows.append([row[name] for name in CHUNK_FEATURES])
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(CHUNK_FEATURES))

    def unit_features(
        self,
        query: Query,
        signals: Signals,
        chunks: Sequence[int],
        chunk_probability: Sequence[float],
    ) -> tuple[list[int], np.ndarray]:
        """The units of the given chunks and one row of UNIT_FEATURES for each."""
        corpus = self.corpus
        idf = corpus.unit_lexical.idf
        positions = [u for c in chunks for u in corpus.chunk_units[c]]
        if not positions:
            return [], np.zeros((0, len(UNIT_FEATURES)))
        best_cos = max(float(signals.unit_cos[u]) for u in positions)
        best_stem = float(signals.unit_stem.max()) if len(signals.unit_stem) else 0.0
        best_gram = float(signals.unit_gram.max()) if len(signals.unit_gram) else 0.0
        rows = []
        for rank, (chunk, probability) in enumerate(zip(chunks, chunk_probability, strict=True)):
            context, context_grams = corpus.context_stems[chunk], corpus.context_grams[chunk]
            previous = self._unit_before(chunk)
            for u in corpus.chunk_units[chunk]:
                unit = corpus.units[u]
                have, grams = _read_with(context, context_grams, unit, previous)
                ev = unit_evidence(query, unit)
                row = {
                    "chunk_p": probability,
                    "chunk_first": float(rank == 0),
                    "s_cos": float(signals.unit_cos[u]),
                    "s_gap": float(signals.unit_cos[u]) - best_cos,
                    "s_stem": float(signals.unit_stem[u]) / best_stem if best_stem > 0 else 0.0,
                    "s_gram": float(signals.unit_gram[u]) / best_gram if best_gram > 0 else 0.0,
                    "s_cov": covered([(s,) for s in query.wanted], have, grams),
                    "s_cov_idf": idf_covered(query.wanted, have, idf),
                    "s_cov_alone": covered(query.words, unit.stems, unit.grams),
                    "s_cov_words": covered(query.words, have, grams),
                    "s_ev_def": ev["def"],
                    "s_ev_qty": ev["qty"],
                    "s_ev_date": ev["date"],
                    "s_ev_why": ev["why"],
                    "s_item": float(unit.kind in (ITEM, ROW)),
                    "s_first": float(unit.number == 0),
                    "s_log_words": math.log1p(len(unit.text.split())),
                }
                rows.append([row[name] for name in UNIT_FEATURES])
                previous = unit
        return positions, np.asarray(rows, dtype=np.float64)

    def _unit_before(self, chunk: int) -> CorpusUnit | None:
        """The last unit of the chunk before this one in its section."""
        section = self.corpus.section_of(chunk)
        place = section.index(chunk) if chunk in section else 0
        if place == 0:
            return None
        units = self.corpus.chunk_units[section[place - 1]]
        return self.corpus.units[units[-1]] if units else None


def unit_evidence(query: Query, unit: CorpusUnit) -> dict[str, float]:
    """Whether the unit has the form of answer the question asks for, per kind."""
    kind, wanted = query.kind, set(query.wanted)
    result = dict.fromkeys(("def", "qty", "date", "why"), 0.0)
    for name, asked in (
        ("def", bool(kind.definition_of)),
        ("qty", kind.quantity),
        ("date", kind.date),
        ("why", kind.why),
    ):
        if asked:
            single = QuestionType(
                definition_of=kind.definition_of if name == "def" else (),
                quantity=name == "qty",
                date=name == "date",
                why=name == "why",
            )
            result[name] = evidence(single, wanted, unit.text)
    return result


def _read_with(
    context: frozenset[str],
    context_grams: frozenset[str],
    unit: CorpusUnit,
    previous: CorpusUnit | None,
) -> tuple[frozenset[str], frozenset[str]]:
    """The stems and n-grams of a unit read with its title, section and the unit before it
    (which often names what "de" or "her" refers to)."""
    if previous is None:
        return context | unit.stems, context_grams | unit.grams
    return (
        context | unit.stems | previous.stems,
        context_grams | unit.grams | previous.grams,
    )


def _cosines(vectors: np.ndarray, vector: np.ndarray, size: int) -> np.ndarray:
    """Cosine of each row to the question (0 where the index holds no vector)."""
    if vectors.shape[0] != size or vectors.shape[1] != len(vector):
        return np.zeros(size, dtype=np.float64)
    return np.asarray(vectors @ vector, dtype=np.float64)


def _ranks(scores: np.ndarray) -> np.ndarray:
    """Rank of each entry (0 = best)."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[order] = np.arange(len(scores))
    return ranks


def _best_per_chunk(unit_scores: np.ndarray, corpus: Corpus, empty: float) -> np.ndarray:
    """Each chunk's best unit score (a chunk's units are contiguous)."""
    offsets = corpus.unit_offsets
    if not len(offsets):
        return np.zeros(0, dtype=np.float64)
    if len(unit_scores) and (offsets >= 0).all():
        return np.maximum.reduceat(np.asarray(unit_scores, dtype=np.float64), offsets)
    result = np.full(len(corpus.chunks), empty, dtype=np.float64)
    for chunk, units in enumerate(corpus.chunk_units):
        if units:
            result[chunk] = float(unit_scores[units].max())
    return result
