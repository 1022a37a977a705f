"""Cut sections into overlapping sentence windows that keep their section title."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from langchain_core.documents import Document

MAX_WORDS = 60
# A sentence ends at . ! or ? followed by space and an upper-case letter (or a quote or
# parenthesis before one). Not before a digit: "ca. 44.000" and "kl. 8" are not ends.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“”«(]?[A-ZÆØÅ])")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph of a section: running text (its sentences), a list item, a table row, or
    a table's header row; list items and rows are one unit each, kept whole."""

    kind: str  # TEXT, ITEM, ROW or HEAD
    sentences: tuple[str, ...]


TEXT, ITEM, ROW, HEAD = "text", "item", "row", "head"


def blocks(text: str) -> list[Block]:
    """Split a section into blocks: paragraphs of sentences, list items and table rows."""
    result: list[Block] = []
    lines: list[str] = []
    in_table = False

    def flush() -> None:
        if lines:
            joined = " ".join(lines)
            sentences = tuple(s.strip() for s in _SENTENCE_END.split(joined) if s.strip())
            if sentences:
                result.append(Block(TEXT, sentences))
            lines.clear()

    for raw in text.splitlines():
        line = raw.strip()
        is_row = line.startswith("|")
        if not line:
            flush()
        elif _BULLET.match(line) or is_row:
            flush()
            cleaned = _BULLET.sub("", line).strip("| ").replace(" | ", "; ")
            if cleaned and not set(cleaned) <= set("-:; "):
                kind = ITEM if not is_row else (ROW if in_table else HEAD)
                result.append(Block(kind, (cleaned,)))
        else:
            lines.append(line.lstrip("> ") if line.startswith(">") else line)
        in_table = is_row
    flush()
    return result


def paragraphs(text: str) -> list[list[str]]:
    """Split a section into paragraphs of sentences; a list item or table row is a
    paragraph of its own."""
    return [list(block.sentences) for block in blocks(text)]


def units(text: str) -> list[str]:
    """Split a section into sentences (list items and table rows count as one)."""
    return [sentence for paragraph in paragraphs(text) for sentence in paragraph]


Unit = tuple[int, str, str]  # (block number in the section, block kind, sentence)


def cut(text: str, max_words: int = MAX_WORDS) -> list[list[Unit]]:
    """Cut a section into chunks of units along blocks: a block that fits is one chunk, short
    neighbours are packed together, a long one is cut at sentence boundaries. Chunks do not
    overlap, so one passage never crowds out another with the same sentences."""
    chunks: list[list[Unit]] = []
    for number, block in enumerate(blocks(text)):
        pieces: list[list[Unit]] = []
        for sentence in block.sentences:
            unit = (number, block.kind, sentence)
            if pieces and _words(pieces[-1]) + len(sentence.split()) <= max_words:
                pieces[-1].append(unit)
            else:
                pieces.append([unit])
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
    return chunks


def _words(units: list[Unit]) -> int:
    return sum(len(unit[2].split()) for unit in units)


def windows(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """The chunks of a section as text (their units joined by spaces)."""
    return [" ".join(unit[2] for unit in chunk) for chunk in cut(text, max_words)]


def chunk_sections(sections: Iterable[Document], max_words: int = MAX_WORDS) -> list[Document]:
    """Return chunk Documents; page_content starts with "title › section" for context,
    metadata["chunk_key"] identifies the chunk for its sentences, and metadata["units"]
    keeps its units with their block number and kind (JSON), so an answer can show list
    items and table rows whole and a window can reach into the neighbouring chunks."""
    chunks: list[Document] = []
    for section in sections:
        meta = section.metadata
        prefix = " › ".join(p for p in (meta.get("title"), meta.get("section")) if p) + "\n"
        for number, pieces in enumerate(cut(section.page_content, max_words)):
            text = " ".join(unit[2] for unit in pieces)
            key = hashlib.sha256(f"{meta.get('source')}\n{prefix}{text}".encode()).hexdigest()[:20]
            chunk_meta = {
                **meta,
                "prefix_len": len(prefix),
                "chunk": number,
                "chunk_key": key,
                "units": json.dumps([list(unit) for unit in pieces], ensure_ascii=False),
            }
            chunks.append(Document(prefix + text, metadata=chunk_meta))
    return chunks


def chunk_units(metadata: dict) -> list[Unit]:
    """Return a stored chunk's units (empty for chunks indexed before units were kept)."""
    raw = metadata.get("units")
    if not raw:
        return []
    return [(int(n), str(kind), str(text)) for n, kind, text in json.loads(str(raw))]


def sentence_documents(chunks: Iterable[Document]) -> list[Document]:
    """Return one Document per unit (sentence, list item or table row), prefixed by its
    section, pointing at its chunk by chunk_key and at its place by "sentence"."""
    sentences: list[Document] = []
    for chunk in chunks:
        meta = {k: v for k, v in chunk.metadata.items() if k != "units"}
        prefix = f"{meta.get('section') or meta.get('title')}: "
        for number, (_block, _kind, sentence) in enumerate(chunk_units(chunk.metadata)):
            sentence_meta = {**meta, "prefix_len": len(prefix), "sentence": number}
            sentences.append(Document(prefix + sentence, metadata=sentence_meta))
    return sentences
