"""The knowledge base coordinators keep: documents they add, FAQ entries, and their rules."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.services.identity.domain import Department
from bot.services.kernel.errors import Invalid

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download (getFile)
SUFFIXES = (".pdf", ".docx", ".md", ".markdown")
MAX_FILE_NAME = 120


class DocumentKind(StrEnum):
    """Where a document came from."""

    UPLOAD = "upload"  # sent in the chat by a coordinator
    GUIDE = "guide"  # a department's onboarding guide, given with the CLI
    FAQ = "faq"  # a coordinator's answer to a knowledge gap
    FOLDER = "folder"  # a file in KNOWLEDGE_DIR, kept by the operator


class Stage(StrEnum):
    """How far adding a document has come (for the progress message)."""

    READING = "reading"
    INDEXING = "indexing"


class UnsupportedFile(Invalid):
    """Only PDF, Word (.docx) and Markdown files go into the knowledge base."""


class TooLarge(Invalid):
    """The file is larger than a bot may download."""


class NoText(Invalid):
    """Nothing readable came out of the file (a scan, an empty or a damaged file)."""


def department_scope(key: str) -> str:
    """Return the scope of a department's documents."""
    return f"dept:{key}"


def check_file(file_name: str, size: int | None) -> str:
    """Return the file's suffix (lower case), or raise UnsupportedFile or TooLarge."""
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix not in SUFFIXES:
        raise UnsupportedFile(suffix or file_name)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise TooLarge(str(size))
    return suffix


def short_ref(source: str) -> str:
    """Return a short, stable reference to a document (for button data)."""
    return hashlib.sha256(source.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A document to add to a department's part of the knowledge base.

    Attributes:
        kind: Upload, guide or FAQ.
        department: Whose scope it gets; the department is also its publisher.
        file_name: The name it is kept under (made safe by the library).
        content: The file's bytes (Markdown as UTF-8).
        added_on: Its date in the index (the day it was added).
        title: Its title; None: the document's own (front matter, PDF metadata, file name).
    """

    kind: DocumentKind
    department: Department
    file_name: str
    content: bytes
    added_on: date
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Staged:
    """A document read and checked, waiting to be indexed (`handle` is the library's)."""

    document: NewDocument
    handle: str
    sections: int
    title: str


@dataclass(frozen=True, slots=True)
class Indexed:
    """A document in the index: answerable from now on."""

    source: str
    title: str
    chunks: int
    replaced: bool = False


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document in the index as a coordinator sees it in /dokumenter (`section`: the
    question, for a FAQ entry)."""

    source: str
    title: str
    scope: str
    kind: DocumentKind
    date: str
    chunks: int
    section: str = ""

    @property
    def removable(self) -> bool:
        """Whether a coordinator may remove it (those in KNOWLEDGE_DIR are the operator's)."""
        return self.kind is not DocumentKind.FOLDER

    @property
    def ref(self) -> str:
        """A short reference for buttons."""
        return short_ref(self.source)


@dataclass(frozen=True, slots=True)
class Shelf:
    """One department's documents (`shared`: those every department sees, not removable)."""

    department: Department
    documents: tuple[DocumentInfo, ...]
    shared: tuple[DocumentInfo, ...]


@dataclass(frozen=True, slots=True)
class Upload:
    """A document a coordinator sent, waiting for them to choose its department."""

    id: int
    person_id: int
    file_id: str
    file_name: str
    file_size: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Offer:
    """A waiting upload and the departments it may go to (one button each)."""

    upload: Upload
    departments: tuple[Department, ...]


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """A coordinator's answer to a knowledge gap, kept as a FAQ of their department."""

    id: int
    department_id: int
    question: str
    answer: str
    created_at: datetime
    created_by: int | None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class FaqDraft:
    """A gap a coordinator is about to answer, and the department the FAQ goes to."""

    question_id: int
    question: str
    department: Department


@dataclass(frozen=True, slots=True)
class SavedFaq:
    """A FAQ stored and indexed; `delivered`: how many askers get the answer."""

    entry: FaqEntry
    department: Department
    indexed: Indexed
    delivered: int
