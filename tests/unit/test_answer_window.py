"""The passage window an answer shows, and how the chat renders it (no index, no model)."""

from __future__ import annotations

import numpy as np
from langchain_core.documents import Document

from bot.i18n import gettext_for
from bot.retrieval.answers.window import WINDOW_CHARS, lines, plain_text, window
from bot.retrieval.ingest.chunking import chunk_sections, sentence_documents
from bot.retrieval.ingest.index import CHUNKS, StoredChunk
from bot.retrieval.ranking.corpus import Corpus
from bot.services.questions.knowledge import Answer, Citation
from bot.services.questions.markdown import plain, spans
from bot.services.questions.service import Asked
from bot.tg.questions.texts import answer_message, render_lines

SECTION = """Første dag starter med en rundvisning. Du får også en **fast vejleder**.

Tag dette med den første dag:

- dit adgangskort
- en hængelås til dit skab
- madpakke eller betalingskort til kantinen

| Tid | Hvad |
| --- | --- |
| 08.00 | Velkomst og kaffe med din vejleder |
| 12.00 | Frokost sammen med kollegerne |
| 15.00 | Fyraften |

Læs mere på [intranettet](https://example.org/m2) og i *Sundhedsplatformen*.
"""


class _Index:
    """Just enough of KnowledgeIndex for Corpus.load: stored chunks and sentences."""

    def __init__(self, text: str, section: str = "Første dag") -> None:
        meta = {"source": "guide.md", "title": "Velkommen", "section": section, "scope": "all"}
        self.chunks = chunk_sections([Document(text, metadata=meta)], max_words=12)
        self.sentences = sentence_documents(self.chunks)

    def stored_with_vectors(self, name: str) -> tuple[list[StoredChunk], np.ndarray]:
        docs = self.chunks if name == CHUNKS else self.sentences
        entries = [StoredChunk(str(i), d.page_content, d.metadata) for i, d in enumerate(docs)]
        return entries, np.ones((len(entries), 4), dtype=np.float32)


def _corpus(text: str = SECTION) -> Corpus:
    return Corpus.load(_Index(text))  # type: ignore[arg-type]


def _unit(corpus: Corpus, needle: str) -> int:
    return next(i for i, u in enumerate(corpus.units) if needle in u.text)


def test_a_list_item_comes_with_its_lead_in_and_the_whole_list() -> None:
    corpus = _corpus()
    key = _unit(corpus, "hængelås")
    shown = lines(corpus, window(corpus, key), key)
    kinds = [line.kind for line in shown]
    texts = [plain(" ".join(t for t, _k in line.segments)) for line in shown]
    assert "Tag dette med den første dag:" in texts
    assert [k for k in kinds if k == "item"] == ["item", "item", "item"]
    assert texts.index("Tag dette med den første dag:") < texts.index("dit adgangskort")
    (bold,) = [t for line in shown for t, k in line.segments if k]
    assert "hængelås" in bold


def test_a_table_row_comes_whole_under_its_header_and_reads_as_a_bullet() -> None:
    corpus = _corpus()
    key = _unit(corpus, "Frokost")
    shown = lines(corpus, window(corpus, key), key)
    assert shown[0].kind == "head" or any(line.kind == "head" for line in shown)
    html = render_lines(shown)
    assert "• <b>12.00 — Frokost sammen med kollegerne</b>" in html
    assert "<i>Tid — Hvad</i>" in html
    assert "|" not in html


def test_the_window_stays_within_its_size_and_its_section() -> None:
    long = " ".join(f"Sætning nummer {i} handler om vagter og læring." for i in range(60))
    corpus = _corpus(long)
    key = _unit(corpus, "nummer 30 ")
    shown = window(corpus, key)
    assert key in shown
    assert shown == sorted(shown)
    text = plain_text(lines(corpus, shown, key))
    assert WINDOW_CHARS - 60 < len(text) <= WINDOW_CHARS + 60
    assert "nummer 29 " in text
    assert "nummer 31 " in text


def test_markdown_is_rendered_as_formatting_never_shown_raw() -> None:
    corpus = _corpus()
    key = _unit(corpus, "intranettet")
    html = render_lines(lines(corpus, window(corpus, key), key))
    assert "*" not in html
    assert "[" not in html
    assert '<a href="https://example.org/m2">intranettet</a>' in html
    assert "<i>Sundhedsplatformen</i>" in html
    assert "fast vejleder" in html
    assert [s.style for s in spans("**Hvornår:** mandag kl. 8")] == ["b", ""]
    assert plain("**When and where:** Monday") == "When and where: Monday"


def test_a_link_to_anything_but_http_is_shown_as_text() -> None:
    (line,) = lines(_corpus("Se [her](javascript:alert(1)) for mere."), [0], None)
    assert "<a" not in render_lines([line])


def test_the_chat_message_cites_the_source_under_the_window() -> None:
    corpus = _corpus()
    key = _unit(corpus, "hængelås")
    shown = lines(corpus, window(corpus, key), key)
    answer = Answer(
        "x [1]",
        (Citation("Velkommen", "Første dag", 2, "guide.md"),),
        abstained=False,
        confidence=0.9,
        lines=shown,
        section_key="k",
    )
    message = answer_message(Asked(1, answer, enrolled=True), gettext_for("da"))
    assert message.endswith("📄 Velkommen — Første dag, s. 2")
    assert "<b>en hængelås til dit skab</b>" in message
