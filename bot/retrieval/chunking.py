"""Cut sections into overlapping sentence windows that keep their section title."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from langchain_core.documents import Document

MAX_WORDS = 60
# A sentence ends at . ! or ? followed by space and an upper-case letter (or a quote or
# parenthesis before one). Not before a digit: "ca. 44.000" and "kl. 8" are not ends.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“”«(]?[A-ZÆØÅ])")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


def paragraphs(text: str) -> list[list[str]]:
    """Split a section into paragraphs of sentences; a list item or table row is a
    paragraph of its own."""
    result: list[list[str]] = []
    lines: list[str] = []

    def flush() -> None:
        if lines:
            joined = " ".join(lines)
            result.append([s.strip() for s in _SENTENCE_END.split(joined) if s.strip()])
            lines.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif _BULLET.match(line) or line.startswith("|"):
            flush()
            cleaned = _BULLET.sub("", line).strip("| ").replace(" | ", "; ")
            if cleaned and not set(cleaned) <= set("-:; "):
                result.append([cleaned])
        else:
            lines.append(line.lstrip("> ") if line.startswith(">") else line)
    flush()
    return [p for p in result if p]


def units(text: str) -> list[str]:
    """Split a section into sentences (list items and table rows count as one)."""
    return [sentence for paragraph in paragraphs(text) for sentence in paragraph]


def _words(sentences: list[str]) -> int:
    return sum(len(s.split()) for s in sentences)


def windows(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """Cut a section into chunks along paragraphs: a paragraph that fits is one chunk, short
    neighbours are packed together, a long one is cut at sentence boundaries. Chunks do not
    overlap, so one passage never crowds out another with the same sentences."""
    chunks: list[list[str]] = []
    for paragraph in paragraphs(text):
        pieces: list[list[str]] = []
        for sentence in paragraph:
            if pieces and _words(pieces[-1]) + len(sentence.split()) <= max_words:
                pieces[-1].append(sentence)
            else:
                pieces.append([sentence])
        for piece in pieces:
            small = _words(piece) < max_words // 3
            if (
                chunks
                and (small or _words(chunks[-1]) < max_words // 3)
                and (_words(chunks[-1]) + _words(piece) <= max_words)
            ):
                chunks[-1].extend(piece)
            else:
                chunks.append(list(piece))
    return [" ".join(chunk) for chunk in chunks]


def chunk_sections(sections: Iterable[Document], max_words: int = MAX_WORDS) -> list[Document]:
    """Return chunk Documents; page_content starts with "title › section" for context,
    and metadata["chunk_key"] identifies the chunk for its sentences."""
    chunks: list[Document] = []
    for section in sections:
        meta = section.metadata
        prefix = " › ".join(p for p in (meta.get("title"), meta.get("section")) if p) + "\n"
        for number, text in enumerate(windows(section.page_content, max_words)):
            key = hashlib.sha256(f"{meta.get('source')}\n{prefix}{text}".encode()).hexdigest()[:20]
            chunk_meta = {**meta, "prefix_len": len(prefix), "chunk": number, "chunk_key": key}
            chunks.append(Document(prefix + text, metadata=chunk_meta))
    return chunks


def sentence_documents(chunks: Iterable[Document]) -> list[Document]:
    """Return one Document per sentence, prefixed by its section, pointing at its chunk."""
    sentences: list[Document] = []
    for chunk in chunks:
        meta = chunk.metadata
        body = chunk.page_content[meta["prefix_len"] :]
        prefix = f"{meta.get('section') or meta.get('title')}: "
        for number, sentence in enumerate(units(body)):
            sentence_meta = {**meta, "prefix_len": len(prefix), "sentence": number}
            sentences.append(Document(prefix + sentence, metadata=sentence_meta))
    return sentences
