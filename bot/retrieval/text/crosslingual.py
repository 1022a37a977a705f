"""Danish words for an English question, so the Danish lexical channels can match it.

An English question shares almost no words with Danish text ("contributors" vs
"bidragsydere"), so its BM25 channels find little. The multilingual embedding model places
a word near its translations, so each content word of the question is embedded on its own
and replaced by its nearest words in the knowledge base's own Danish vocabulary (word-level
translation with a multilingual embedding space, as in cross-lingual retrieval with
bilingual word embeddings). No dictionary and no external service: the vocabulary is cut
from the indexed Danish sentences and embedded once at ingestion; only the question's few
words are embedded at question time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from bm25s.stopwords import STOPWORDS_EN_PLUS
from langchain_core.embeddings import Embeddings

from bot.retrieval.text.lexical import stems

MIN_LETTERS = 4  # Danish words shorter than this are function words or abbreviations
NEIGHBOURS = 3  # Danish words taken per English word at most ...
MARGIN = 0.02  # ... and only those within this cosine of the nearest one
CACHE = 20_000  # English words whose translations are kept
_DANISH_WORD = re.compile(r"[a-zæøå]+")
_ENGLISH_WORD = re.compile(r"[a-z]+")
# Question words and auxiliaries besides bm25s's English stop words: they carry no topic.
_ENGLISH_STOP = frozenset(STOPWORDS_EN_PLUS) | frozenset(
    re.findall(
        r"\w+",
        "what when where who whom which why how does do did say says about can could may "
        "might should would will must there",
    )
)


def vocabulary(texts: Iterable[str]) -> list[str]:
    """Return the content words of Danish texts, one surface form per stem (the most
    frequent), sorted. One form per stem keeps a translation from spending its few
    neighbours on inflections of the same word ("strategi", "strategien", "strategiens")."""
    counts = Counter(
        word
        for text in texts
        for word in _DANISH_WORD.findall(text.lower())
        if len(word) >= MIN_LETTERS
    )
    chosen: dict[str, str] = {}
    for word, _count in counts.most_common():
        stem = stems(word)
        if stem and stem[0] not in chosen:
            chosen[stem[0]] = word
    return sorted(chosen.values())


def content_words(question: str) -> list[str]:
    """The English words of a question worth translating, in order, each once."""
    words = [w for w in _ENGLISH_WORD.findall(question.lower()) if w not in _ENGLISH_STOP]
    return list(dict.fromkeys(w for w in words if len(w) >= 3))


class WordTranslator:
    """Nearest Danish vocabulary words of each English content word, by cosine."""

    def __init__(
        self,
        embeddings: Embeddings,
        words: Sequence[str],
        vectors: np.ndarray,
        neighbours: int = NEIGHBOURS,
        margin: float = MARGIN,
    ) -> None:
        self.embeddings = embeddings
        self.words = list(words)
        self.vectors = _normalised(vectors) if len(self.words) else np.zeros((0, 0))
        self.neighbours, self.margin = neighbours, margin
        self._seen: dict[str, list[str]] = {}  # word -> its Danish words (oldest first)

    def __len__(self) -> int:
        return len(self.words)

    def translate(self, question: str) -> list[str]:
        """Return Danish words for the question's content words (blocking: embeds them)."""
        return [word for _english, danish in self.translate_words(question) for word in danish]

    def translate_words(self, question: str) -> list[tuple[str, list[str]]]:
        """Return each content word of the question with its Danish words (blocking; a word
        seen before is not embedded again)."""
        wanted = content_words(question)
        if not wanted or not self.words:
            return []
        new = [w for w in wanted if w not in self._seen]
        if new:
            queries = _normalised(np.asarray(self.embeddings.embed_documents(new)))
            for word, row in zip(new, queries @ self.vectors.T, strict=True):
                top = np.argsort(-row)[: self.neighbours]
                best = row[top[0]]
                found = [self.words[i] for i in top if row[i] >= best - self.margin]
                if len(self._seen) >= CACHE:
                    self._seen.pop(next(iter(self._seen)))
                self._seen[word] = found
        return [(word, self._seen[word]) for word in wanted]


def _normalised(vectors: np.ndarray) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
