"""The passage shown as an answer: the answering unit with its neighbours in the same section,
list items and table rows whole (a list with its lead-in, a row under its table's header), up to
about WINDOW_CHARS characters; and a whole section for "read more"."""

from __future__ import annotations

from bot.retrieval.ingest.chunking import HEAD, ITEM, ROW, TEXT
from bot.retrieval.ranking.corpus import Corpus, CorpusUnit
from bot.retrieval.ranking.hits import citation
from bot.services.questions.knowledge import AnswerLine, Section
from bot.services.questions.markdown import plain

WINDOW_CHARS = 600
LISTED = (ITEM, ROW)


def window(corpus: Corpus, unit: int, limit: int = WINDOW_CHARS) -> list[int]:
    """Return the unit positions shown around the answering unit, in section order."""
    section = corpus.section_units(corpus.units[unit].chunk)
    if unit not in section:
        return [unit]
    at = section.index(unit)
    units = [corpus.units[u] for u in section]
    chosen = {at}
    used = _length(units[at])
    for place in _order(units, at):
        size = _length(units[place])
        if used + size > limit:
            if units[place].kind in LISTED and units[at].kind in LISTED:
                continue  # a shorter item further on may still fit
            break
        chosen.add(place)
        used += size
    return [section[i] for i in sorted(chosen)]


def _order(units: list[CorpusUnit], at: int) -> list[int]:
    """The neighbours in the order they join: for a list item or row, the list's lead-in and
    header first, then the other items nearest first; for running text, the next unit and the
    previous one in turn (a lead-in ending in ":" brings its list)."""
    here = units[at]
    if here.kind in LISTED or here.kind == HEAD:
        start, end = at, at
        while start > 0 and units[start - 1].kind in (*LISTED, HEAD):
            start -= 1
        while end + 1 < len(units) and units[end + 1].kind in LISTED:
            end += 1
        first: list[int] = [i for i in range(start, end + 1) if units[i].kind == HEAD]
        if start > 0 and units[start - 1].kind == TEXT:
            first.insert(0, start - 1)  # the sentence that introduces the list
        rest = sorted(
            (i for i in range(start, end + 1) if i != at and i not in first),
            key=lambda i: (abs(i - at), i < at),
        )
        return first + rest
    order: list[int] = []
    step = 1
    while at + step < len(units) or at - step >= 0:
        for place in (at + step, at - step):
            if 0 <= place < len(units):
                order.append(place)
        step += 1
    if plain(here.text).rstrip().endswith(":"):
        listed = [i for i in order if i > at and units[i].kind in LISTED]
        order = listed + [i for i in order if i not in listed]
    return order


def _length(unit: CorpusUnit) -> int:
    return len(plain(unit.text)) + 2


def lines(corpus: Corpus, positions: list[int], key: int | None) -> tuple[AnswerLine, ...]:
    """Render units as answer lines: running text of one paragraph joins into one line;
    each list item and table row is a line of its own."""
    result: list[AnswerLine] = []
    last_block: tuple[int, int] | None = None
    for position in positions:
        unit = corpus.units[position]
        block = (corpus.units[position].chunk, unit.block)
        segment = (unit.text, position == key)
        same_paragraph = (
            unit.kind == TEXT
            and result
            and result[-1].kind == TEXT
            and last_block is not None
            and _same_block(corpus, last_block, position)
        )
        if same_paragraph:
            result[-1] = AnswerLine(TEXT, (*result[-1].segments, segment))
        else:
            result.append(AnswerLine(unit.kind, (segment,)))
        last_block = block
    return tuple(result)


def _same_block(corpus: Corpus, last: tuple[int, int], position: int) -> bool:
    """Whether the unit continues the paragraph of the unit before it (same section)."""
    unit = corpus.units[position]
    return unit.block == last[1] and corpus.section_of(unit.chunk) == corpus.section_of(last[0])


def plain_text(answer_lines: tuple[AnswerLine, ...]) -> str:
    """The lines as plain text (list items and rows on lines of their own)."""
    out = []
    for line in answer_lines:
        text = " ".join(plain(t) for t, _key in line.segments)
        if line.kind in LISTED:
            text = "• " + text.replace("; ", " — ") if line.kind == ROW else "• " + text
        out.append(text)
    return "\n".join(out)


def read_section(corpus: Corpus, key: str) -> Section | None:
    """The whole section of the chunk with this key, as lines (for "read more")."""
    position = corpus.by_key.get(key)
    if position is None:
        return None
    first = corpus.chunks[corpus.section_of(position)[0]]
    return Section(citation(first), lines(corpus, corpus.section_units(position), None))
