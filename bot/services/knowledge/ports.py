"""The knowledge ports: waiting uploads and FAQ entries in SQL, the document library (files
and the index), and the unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.services.knowledge.types import (
    DocumentInfo,
    FaqEntry,
    Indexed,
    NewDocument,
    Staged,
    Upload,
)
from bot.services.questions.ports import QuestionsUnitOfWork


class UploadRepo(Protocol):
    """Documents sent in the chat that wait for the coordinator's choice of department."""

    async def add(self, upload: Upload) -> Upload:
        """Store a waiting upload (its id is ignored) and return it with its id."""
        ...

    async def get(self, upload_id: int) -> Upload | None:
        """Return a waiting upload."""
        ...

    async def take(self, upload_id: int) -> bool:
        """Remove a waiting upload; False when it is gone already (a double tap)."""
        ...

    async def forget_before(self, moment: datetime) -> int:
        """Remove the uploads nobody answered since before a moment; return how many."""
        ...


class FaqRepo(Protocol):
    """FAQ entries of departments."""

    async def add(self, entry: FaqEntry) -> FaqEntry:
        """Store an entry (its id is ignored) and return it with its id."""
        ...

    async def set_source(self, faq_id: int, source: str) -> None:
        """Record the document the entry is indexed as."""
        ...

    async def by_source(self, source: str) -> FaqEntry | None:
        """Return the entry indexed as this document."""
        ...

    async def delete(self, faq_id: int) -> None:
        """Delete an entry (the questions it covered become gaps again)."""
        ...

    async def for_department(self, department_id: int) -> Sequence[FaqEntry]:
        """Return a department's entries, oldest first."""
        ...


class DocumentLibrary(Protocol):
    """Where documents coordinators add are kept (a managed folder) and indexed. Each method
    does its blocking work (reading files, embedding) off the event loop."""

    async def read(self, document: NewDocument) -> Staged:
        """Read and check a document without indexing it; raise NoText when it holds none."""
        ...

    async def store(self, staged: Staged) -> Indexed:
        """Keep a read document in the managed folder and index it: answerable at once."""
        ...

    async def discard(self, staged: Staged) -> None:
        """Forget a read document that will not be stored."""
        ...

    async def documents(self, scopes: Sequence[str]) -> Sequence[DocumentInfo]:
        """Return the indexed documents within the scopes."""
        ...

    async def remove(self, source: str) -> bool:
        """Remove a managed document from the folder and the index at once."""
        ...

    async def sync(self) -> bool:
        """Catch up with changes other processes made to the index; return whether any."""
        ...


class KnowledgeUnitOfWork(QuestionsUnitOfWork, Protocol):
    """People, their questions (the gaps FAQ entries answer), uploads and FAQ entries."""

    @property
    def uploads(self) -> UploadRepo:
        """Waiting uploads."""
        ...

    @property
    def faqs(self) -> FaqRepo:
        """FAQ entries."""
        ...
