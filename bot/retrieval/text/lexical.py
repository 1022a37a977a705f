"""Lexical ranking for Danish: BM25 over Snowball stems, and BM25 over character n-grams
of the stems, which matches the parts of compounds ("vejlederuddannelse" ~ "vejleder")."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_DANISH

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset(STOPWORDS_DANISH) | frozenset(
    [
        "hvad",
        "hvem",
        "hvor",
        "hvordan",
        "hvorfor",
        "hvornår",
        "hvilke",
        "hvilken",
        "hvilket",
        "skal",
        "kan",
        "mange",
    ]
)
NGRAM = 4


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("danish")


def stems(text: str) -> list[str]:
    """Lower-case words, Danish stop words removed, stemmed (numbers kept whole)."""
    words = [
        w for w in _WORD.findall(text.lower()) if w not in _STOP and (len(w) > 1 or w.isdigit())
    ]
    return _stemmer().stemWords(words)


def ngrams(tokens: Sequence[str], n: int = NGRAM) -> list[str]:
    """Character n-grams of each stem with boundary marks; short stems stay whole."""
    grams: list[str] = []
    for token in tokens:
        marked = f"<{token}>"
        if len(marked) <= n:
            grams.append(marked)
        else:
            grams.extend(marked[i : i + n] for i in range(len(marked) - n + 1))
    return grams


class LexicalIndex:
    """Two BM25 indexes over the same texts: stems and stem n-grams."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.size = len(texts)
        stemmed = [stems(t) or ["∅"] for t in texts]
        self._df = Counter(stem for tokens in stemmed for stem in set(tokens))
        if not texts:  # an empty knowledge base: nothing to index, every ranking is empty
            return
        self._stems = bm25s.BM25()
        self._stems.index(stemmed, show_progress=False)
        self._grams = bm25s.BM25()
        self._grams.index([ngrams(s) for s in stemmed], show_progress=False)

    def idf(self, stem: str) -> float:
        """Inverse document frequency; a stem found nowhere gets the highest value."""
        return math.log((self.size + 1) / (self._df.get(stem, 0) + 0.5))

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Return the BM25 score of every text for the query's stems and for its n-grams."""
        query_stems = stems(query)
        empty = np.zeros(self.size, dtype=np.float64)
        if not query_stems or self.size == 0:
            return empty, empty.copy()
        return (
            np.asarray(self._stems.get_scores(query_stems), dtype=np.float64),
            np.asarray(self._grams.get_scores(ngrams(query_stems)), dtype=np.float64),
        )

    def knows(self, stem: str) -> bool:
        """Whether any text holds the stem."""
        return stem in self._df

    def rank(self, query: str, mask: np.ndarray | None, k: int) -> tuple[list[int], list[int]]:
        """Return document indices ranked by stems and by n-grams (positive scores only)."""
        query_stems = stems(query)
        return (
            self._top(self._stems, query_stems, mask, k),
            self._top(self._grams, ngrams(query_stems), mask, k),
        )

    def _top(
        self, index: bm25s.BM25, tokens: list[str], mask: np.ndarray | None, k: int
    ) -> list[int]:
        if not tokens or self.size == 0:
            return []
        scores = index.get_scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores)[: min(k, self.size)]
        return [int(i) for i in order if scores[i] > 0]


def coverage(question: str, text: str, idf: Callable[[str], float] | None = None) -> float:
    """Share of the question's content stems found in text, each weighted by its IDF when
    given (rare words matter most; a word the corpus never uses counts fully against).
    A stem that is not there whole counts partly when most of its n-grams are (compounds)."""
    wanted = stems(question)
    if not wanted:
        return 0.0
    have = set(stems(text))
    have_grams = set(ngrams(list(have)))
    total = weights = 0.0
    for stem in wanted:
        weight = idf(stem) if idf else 1.0
        weights += weight
        if stem in have:
            total += weight
        else:
            grams = ngrams([stem])
            share = sum(g in have_grams for g in grams) / len(grams)
            total += weight * share if share >= 0.5 else 0.0
    return total / weights if weights else 0.0
