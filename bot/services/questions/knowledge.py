"""Types and ports for answering questions from the knowledge base."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

SCOPE_ALL = "all"


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a passage stands: document title, section and page (PDF or marked Markdown),
    the document's date and, when its front matter gives one, the address of the original
    (`url`: only http and https addresses are ever shown as links)."""

    title: str
    section: str | None
    page: int | None
    source: str
    scope: str = SCOPE_ALL
    url: str | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk of a document with its fused relevance score."""

    text: str
    citation: Citation
    score: float


@dataclass(frozen=True, slots=True)
class AnswerLine:
    """One line of an answer as shown: running text, a list item, a table row or a table's
    header; its segments are inline Markdown, the answering sentence marked."""

    kind: str  # "text", "item", "row" or "head"
    segments: tuple[tuple[str, bool], ...]  # (inline Markdown text, is the answering sentence)


class AbstainReason:
    """Why an answer was withheld."""

    WEAK = "weak"  # the documents hold nothing that answers well enough
    OUT_OF_SCOPE = "out_of_scope"  # the answer would stand in a document the asker may not read
    UNAVAILABLE = "unavailable"  # no knowledge base, or it failed


@dataclass(frozen=True, slots=True)
class Section:
    """A whole section of a document, for "read more"."""

    citation: Citation
    lines: tuple[AnswerLine, ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """What the answerer found: extracted text with numbered citations, or an abstention.

    `text` is in the documents' language (mostly Danish); the framing around it is the
    driver's job, in the asker's language. `citations[i]` is source [i+1] in `text`.
    """

    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    confidence: float
    passages: tuple[Passage, ...] = field(default_factory=tuple)
    generated: bool = False
    lines: tuple[AnswerLine, ...] = ()  # the passage window shown (empty: show `text`)
    section_key: str | None = None  # the section "read more" shows (see SectionReader)
    reason: str = ""  # an AbstainReason when abstained
    missing_scopes: tuple[str, ...] = ()  # asked-for scopes that hold no documents


def scopes_for(department_keys: Sequence[str], cohort_ids: Sequence[int]) -> list[str]:
    """Return the scopes a person may read: everything general, plus their own units."""
    return [
        SCOPE_ALL,
        *(f"dept:{key}" for key in department_keys),
        *(f"cohort:{cid}" for cid in cohort_ids),
    ]


class Retriever(Protocol):
    """Finds passages for a question within the given scopes."""

    async def search(self, question: str, k: int, scopes: Sequence[str]) -> Sequence[Passage]:
        """Return up to k passages, best first."""
        ...


class SectionReader(Protocol):
    """Reads a whole section by the key an answer gave."""

    async def section(self, key: str) -> Section | None:
        """Return the section, or None when the key is unknown."""
        ...


class Answerer(Protocol):
    """Answers a question from retrieved passages, or abstains when evidence is weak."""

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Return the answer (never raises for an ordinary question)."""
        ...
