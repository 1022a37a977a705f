"""In-memory waiting uploads, FAQ entries and a document library, for the knowledge service."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.services.knowledge.types import (
    DocumentInfo,
    DocumentKind,
    FaqEntry,
    Indexed,
    NewDocument,
    NoText,
    Staged,
    Upload,
    department_scope,
)

if TYPE_CHECKING:
    from tests.unit.fakes import FakeStore


class FakeUploads:
    """Waiting uploads in memory."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def add(self, upload: Upload) -> Upload:
        """Store with a new id."""
        stored = dataclasses.replace(upload, id=self.s.next_id(self.s.uploads))
        self.s.uploads[stored.id] = stored
        return stored

    async def get(self, upload_id: int) -> Upload | None:
        """Return by id."""
        return self.s.uploads.get(upload_id)

    async def take(self, upload_id: int) -> bool:
        """Remove once."""
        return self.s.uploads.pop(upload_id, None) is not None

    async def forget_before(self, moment: datetime) -> int:
        """Remove the old ones."""
        old = [i for i, u in self.s.uploads.items() if u.created_at < moment]
        for upload_id in old:
            del self.s.uploads[upload_id]
        return len(old)


class FakeFaqs:
    """FAQ entries in memory; deleting one uncovers its questions (as the SQL foreign key)."""

    def __init__(self, store: FakeStore) -> None:
        self.s = store

    async def add(self, entry: FaqEntry) -> FaqEntry:
        """Store with a new id."""
        stored = dataclasses.replace(entry, id=self.s.next_id(self.s.faqs))
        self.s.faqs[stored.id] = stored
        return stored

    async def set_source(self, faq_id: int, source: str) -> None:
        """Record the document."""
        self.s.faqs[faq_id] = dataclasses.replace(self.s.faqs[faq_id], source=source)

    async def by_source(self, source: str) -> FaqEntry | None:
        """Find by document."""
        return next((f for f in self.s.faqs.values() if f.source == source), None)

    async def delete(self, faq_id: int) -> None:
        """Delete; its questions are gaps again."""
        self.s.faqs.pop(faq_id, None)
        for question_id, question in list(self.s.questions.items()):
            if question.faq_id == faq_id:
                self.s.questions[question_id] = dataclasses.replace(question, faq_id=None)

    async def for_department(self, department_id: int) -> Sequence[FaqEntry]:
        """A department's entries, oldest first."""
        return [f for f in self.s.faqs.values() if f.department_id == department_id]


class FakeLibrary:
    """A document library in memory: what was stored, under which source and scope."""

    def __init__(self, shared: Sequence[str] = ("Uddannelsesstrategi",)) -> None:
        self.documents_by_source: dict[str, DocumentInfo] = {
            f"strategies/{n}.md": DocumentInfo(
                f"strategies/{n}.md", title, "all", DocumentKind.FOLDER, "2024", 10
            )
            for n, title in enumerate(shared)
        }
        self.contents: dict[str, bytes] = {}
        self.syncs = 0

    async def read(self, document: NewDocument) -> Staged:
        """Refuse empty documents."""
        if not document.content.strip():
            raise NoText("empty")
        title = document.title or document.file_name.rsplit(".", 1)[0]
        return Staged(document, document.file_name, 1, title)

    async def store(self, staged: Staged) -> Indexed:
        """Keep it under a managed source."""
        document = staged.document
        folder = "faq/" if document.kind is DocumentKind.FAQ else ""
        source = f"managed:dept/{document.department.key}/{folder}{document.file_name}"
        replaced = source in self.documents_by_source
        self.documents_by_source[source] = DocumentInfo(
            source,
            staged.title,
            department_scope(document.department.key),
            document.kind,
            document.added_on.isoformat(),
            2,
            staged.title if document.kind is DocumentKind.FAQ else "",
        )
        self.contents[source] = document.content
        return Indexed(source, staged.title, 2, replaced)

    async def discard(self, staged: Staged) -> None:
        """Nothing to clean."""

    async def documents(self, scopes: Sequence[str]) -> Sequence[DocumentInfo]:
        """Those within the scopes."""
        return [d for d in self.documents_by_source.values() if d.scope in scopes]

    async def remove(self, source: str) -> bool:
        """Forget a managed one."""
        self.contents.pop(source, None)
        return self.documents_by_source.pop(source, None) is not None

    async def sync(self) -> bool:
        """Count the calls."""
        self.syncs += 1
        return False
