"""Word-level translation of English questions into the knowledge base's Danish words."""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.retrieval.text.crosslingual import WordTranslator, content_words, vocabulary

# A toy embedding space: each word sits on the axis of its meaning.
MEANINGS = {
    "students": [1, 0, 0],
    "studerende": [1, 0, 0],
    "elever": [1, 0.1, 0],
    "contributors": [0, 1, 0],
    "bidragsydere": [0, 1, 0],
    "kantine": [0, 0, 1],
}


class AxisEmbeddings(Embeddings):
    """Embeds a word as its meaning vector; counts the texts it was asked to embed."""

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedded.extend(texts)
        return [list(map(float, MEANINGS.get(t, [0.1, 0.1, 0.1]))) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def translator(**kwargs: float) -> tuple[WordTranslator, AxisEmbeddings]:
    embeddings = AxisEmbeddings()
    words = ["bidragsydere", "elever", "kantine", "studerende"]
    vectors = np.array([MEANINGS[w] for w in words], dtype=np.float32)
    return WordTranslator(embeddings, words, vectors, **kwargs), embeddings


def test_vocabulary_keeps_one_frequent_form_per_stem_and_no_function_words() -> None:
    texts = ["Strategien og strategien.", "En strategi for de studerende og deres vejleder."]
    words = vocabulary(texts)
    assert words == sorted(words)
    assert "strategien" in words  # the most frequent form of its stem ...
    assert "strategi" not in words  # ... stands for the others
    assert {"studerende", "vejleder"} <= set(words)
    assert not {"og", "en", "for", "de", "deres"} & set(words)


def test_content_words_drop_question_words_and_repeats() -> None:
    assert content_words("What does the strategy say about students and students?") == [
        "strategy",
        "students",
    ]
    assert content_words("What is it?") == []


def test_each_english_word_brings_its_nearest_danish_words() -> None:
    words, embeddings = translator()
    found = words.translate("What about students as contributors?")
    assert found[:2] == ["studerende", "elever"]  # both within the margin of the best
    assert "bidragsydere" in found
    assert "kantine" not in found
    assert embeddings.embedded == ["students", "contributors"]  # the question's words only


def test_the_margin_and_the_neighbour_count_limit_the_words() -> None:
    words, _ = translator(margin=0.0)
    assert words.translate("students") == ["studerende"]
    words, _ = translator(neighbours=1, margin=1.0)
    assert words.translate("students") == ["studerende"]


def test_no_vocabulary_or_no_content_words_translates_to_nothing() -> None:
    empty = WordTranslator(AxisEmbeddings(), [], np.zeros((0, 0)))
    assert empty.translate("students") == []
    words, embeddings = translator()
    assert words.translate("What is it?") == []
    assert embeddings.embedded == []
