"""Extractive answers: the passage window around the unit that answers, cited; or an
abstention when the evidence is weak or the answer would stand in a document the asker may not
read. No language model is involved; the unit chosen and the decision to answer come from
models fitted on the tune questions (bot/retrieval/ranking/ranker.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.retrieval.answers.window import lines, plain_text, window
from bot.retrieval.ranking.features import UNIT_FEATURES
from bot.retrieval.ranking.hits import citation
from bot.retrieval.ranking.hybrid import HybridRetriever, Ranking
from bot.retrieval.ranking.ranker import softmax
from bot.retrieval.text.lexical import stems
from bot.services.questions.knowledge import (
    SCOPE_ALL,
    AbstainReason,
    Answer,
    Passage,
)

CANDIDATE_PASSAGES = 3  # the answering unit is chosen among the units of the best three
# What decides whether to answer, besides the chunk and unit models' own scores.
CONFIDENCE_FEATURES = (
    "top_score",
    "margin",
    "top_p",
    "d_cos",
    "u_cos",
    "unit_p",
    "unit_cov",
    "unit_cov_idf",
    "unit_cov_words",
    "known_words",
    "outside_gap",
    "window_mass",
    "unknown_idf",
    "unknown_name",
)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-ZÆØÅ][\wÆØÅæøå-]+")
ANCHORS = 8  # windows tried around the most likely units


@dataclass(frozen=True, slots=True)
class Choice:
    """The window chosen to answer (its units, the answering one among them), with the
    evidence for answering at all."""

    unit: int
    shown: list[int]
    confidence_row: np.ndarray
    unit_probability: float


class ExtractiveAnswerer:
    """Implements the Answerer port without a language model."""

    def __init__(self, retriever: HybridRetriever, threshold: float | None = None) -> None:
        self.retriever = retriever
        calibrator = retriever.fitted.confidence[retriever.mode]
        self.calibrator = calibrator
        self.threshold = calibrator.threshold if threshold is None else threshold

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Answer from the best passage window, or abstain."""
        answer, _ranking = await self.answer_ranked(question, scopes)
        return answer

    async def answer_ranked(
        self, question: str, scopes: Sequence[str]
    ) -> tuple[Answer, Ranking | None]:
        """The answer with the ranking it came from."""
        known = set(self.retriever.scopes())
        missing = tuple(s for s in scopes if s != SCOPE_ALL and s not in known)
        ranking = await self.retriever.rank(question, scopes)
        if ranking is None or ranking.best is None:
            answer = Answer("", (), True, 0.0, reason=AbstainReason.WEAK, missing_scopes=missing)
            return answer, ranking
        return self.decide(ranking, missing), ranking

    def decide(self, ranking: Ranking, missing: tuple[str, ...] = ()) -> Answer:
        """Answer a ranked question, or abstain (blocking, fast)."""
        passages = tuple(Passage(h.body, citation(h.chunk), h.score) for h in ranking.hits[:5])
        choice = self.choose(ranking)
        confidence = self.calibrator.probability(choice.confidence_row, ranking.language)
        if self.out_of_scope(ranking):
            return Answer(
                "",
                (),
                True,
                confidence,
                passages,
                reason=AbstainReason.OUT_OF_SCOPE,
                missing_scopes=missing,
            )
        if confidence < self.threshold:
            return Answer(
                "",
                (),
                True,
                confidence,
                passages,
                reason=AbstainReason.WEAK,
                missing_scopes=missing,
            )
        corpus = self.retriever.corpus
        answer_lines = lines(corpus, choice.shown, choice.unit)
        chunk = corpus.chunks[corpus.units[choice.unit].chunk]
        return Answer(
            text=plain_text(answer_lines) + " [1]",
            citations=(citation(chunk),),
            abstained=False,
            confidence=confidence,
            passages=passages,
            lines=answer_lines,
            section_key=str(chunk.metadata.get("chunk_key", "")) or None,
            missing_scopes=missing,
        )

    def out_of_scope(self, ranking: Ranking) -> bool:
        """Whether the best candidate stands outside the asker's scopes, ahead of the best
        inside by more than the fitted margin."""
        if ranking.outside is None or ranking.best is None or self.retriever.mode != "hybrid":
            return False
        return ranking.outside.score - ranking.best.score > self.retriever.fitted.scope_margin

    def choose(self, ranking: Ranking) -> Choice:
        """Choose the answering unit among the best passages' units and gather the evidence
        for answering."""
        retriever = self.retriever
        top = ranking.hits[:CANDIDATE_PASSAGES]
        probabilities = softmax(np.asarray([h.score for h in top]))
        positions, rows = retriever.features.unit_features(
            ranking.query, ranking.signals, [h.position for h in top], probabilities.tolist()
        )
        if retriever.mode == "hybrid":
            scores = retriever.fitted.unit.score(rows, ranking.language)
        else:  # a baseline takes its own channel's best unit of the best passage
            channel = "s_stem" if retriever.mode == "bm25" else "s_cos"
            first = np.asarray([row[UNIT_FEATURES.index("chunk_first")] for row in rows])
            scores = rows[:, UNIT_FEATURES.index(channel)] + 10.0 * first
        unit_p = softmax(scores)
        shown, best, mass = self._window(positions, unit_p)
        row = rows[best]
        best_hit = ranking.hits[0]
        second = ranking.hits[1].score if len(ranking.hits) > 1 else best_hit.score - 1.0
        outside = ranking.outside.score - best_hit.score if ranking.outside else -10.0
        f = dict(zip(UNIT_FEATURES, row, strict=True))
        evidence = {
            "top_score": best_hit.score,
            "margin": best_hit.score - second,
            "top_p": best_hit.probability,
            "d_cos": max(h.dense for h in top),
            "u_cos": max(float(ranking.signals.unit_cos[u]) for u in positions),
            "unit_p": float(unit_p[best]),
            "unit_cov": f["s_cov"],
            "unit_cov_idf": f["s_cov_idf"],
            "unit_cov_words": f["s_cov_words"],
            "known_words": self._known(ranking),
            "outside_gap": max(outside, -10.0),
            "window_mass": mass,
            **self._unknown(ranking),
        }
        confidence_row = np.asarray([evidence[name] for name in CONFIDENCE_FEATURES])
        return Choice(positions[best], shown, confidence_row, float(unit_p[best]))

    def _window(self, positions: list[int], unit_p: np.ndarray) -> tuple[list[int], int, float]:
        """The window that holds the most probability of holding the answer (tried around the
        likeliest units), the likeliest unit in it (by index into positions), and its mass."""
        place = {u: i for i, u in enumerate(positions)}
        best: tuple[float, float, list[int], int] | None = None
        for i in np.argsort(-unit_p)[:ANCHORS]:
            shown = window(self.retriever.corpus, positions[int(i)])
            inside = [place[u] for u in shown if u in place]
            mass = float(sum(unit_p[j] for j in inside))
            key = max(inside, key=lambda j: unit_p[j]) if inside else int(i)
            if best is None or (mass, unit_p[key]) > (best[0], best[1]):
                best = (mass, float(unit_p[key]), shown, key)
        assert best is not None
        return best[2], best[3], best[0]

    def _unknown(self, ranking: Ranking) -> dict[str, float]:
        """How much of the question the corpus never mentions: its stems weighted by rarity,
        and whether a name in it (a capitalised word inside the sentence) is unknown, as
        another hospital's or region's name is."""
        lexical = self.retriever.corpus.unit_lexical
        wanted = ranking.query.wanted
        weights = [lexical.idf(stem) for stem in wanted]
        unknown = sum(
            w for stem, w in zip(wanted, weights, strict=True) if not lexical.knows(stem)
        )
        names = [stems(name) for name in _NAME.findall(ranking.query.text)]
        return {
            "unknown_idf": unknown / sum(weights) if sum(weights) else 0.0,
            "unknown_name": float(any(n and not lexical.knows(n[0]) for n in names)),
        }

    def _known(self, ranking: Ranking) -> float:
        """Share of the question's words the corpus uses at all (a word it never uses is a
        sign the question is about something else)."""
        groups = ranking.query.words
        if not groups:
            return 0.0
        lexical = self.retriever.corpus.unit_lexical
        return sum(any(lexical.knows(stem) for stem in group) for group in groups) / len(groups)
