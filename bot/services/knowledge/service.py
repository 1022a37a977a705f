"""A knowledge base coordinators keep alive: documents they send in the chat (or give with
the CLI) go into their department's part of the index at once, /dokumenter lists and
removes them, and an answer to a knowledge gap becomes a FAQ entry of the department,
indexed like a document and sent to the students who asked.

Only coordinators act here, each within the departments of the cohorts they coordinate
(operators: every department); every change is audited (never a message text).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.services.delivery.outbox import OutboxStore
from bot.services.identity.access import Actor, coordinated_cohorts, require_coordinator
from bot.services.identity.awaiting import AwaitKind, awaited, awaiting
from bot.services.identity.domain import AuditEntry, Department, Person, Question
from bot.services.kernel.errors import Invalid, NotAllowed, NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.knowledge.faq import faq_document, faq_title
from bot.services.knowledge.ports import DocumentLibrary, KnowledgeUnitOfWork
from bot.services.knowledge.types import (
    DocumentInfo,
    DocumentKind,
    FaqDraft,
    FaqEntry,
    Indexed,
    NewDocument,
    Offer,
    SavedFaq,
    Shelf,
    Stage,
    Upload,
    check_file,
    department_scope,
)
from bot.services.questions.gaps import clean_text, normalise
from bot.services.questions.knowledge import SCOPE_ALL
from bot.services.questions.service import answer_askers

log = logging.getLogger(__name__)
MAX_FAQ_LENGTH = 3000
UPLOAD_TTL = timedelta(days=1)  # a waiting upload nobody answered is forgotten after this
Download = Callable[[str], Awaitable[bytes]]
Progress = Callable[[Stage], Awaitable[None]]


class KnowledgeUnavailable(Invalid):
    """This process has no managed folder: documents cannot be added or removed here."""


class KnowledgeService:
    """Adds, lists and removes department documents and FAQ entries."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[KnowledgeUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        library: DocumentLibrary | None,
        admin_telegram_ids: Sequence[int],
        timezone: str = "Europe/Copenhagen",
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._library = library
        self._admins = frozenset(admin_telegram_ids)
        self._zone = ZoneInfo(timezone)

    @property
    def writable(self) -> bool:
        """Whether documents can be added and removed (a managed folder is configured)."""
        return self._library is not None

    async def offer(
        self, telegram_id: int, file_id: str, file_name: str, file_size: int | None
    ) -> Offer | None:
        """Keep a document a coordinator sent, and return the departments it may go to;
        None when the sender coordinates none (or nothing can be added here). Raises
        UnsupportedFile or TooLarge for a coordinator's file that cannot go in."""
        if self._library is None:
            return None
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None:
                return None
            departments = await self._departments(uow, self._actor(person))
            if not departments:
                return None
            check_file(file_name, file_size)
            now = self._clock.now()
            await uow.uploads.forget_before(now - UPLOAD_TTL)
            upload = await uow.uploads.add(
                Upload(0, person.id, file_id, file_name[:255], file_size or 0, now)
            )
            await uow.commit()
        return Offer(upload, tuple(departments))

    async def cancel_upload(self, telegram_id: int, upload_id: int) -> None:
        """Forget a waiting upload of one's own."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            await _own_upload(uow, person, upload_id)
            await uow.uploads.take(upload_id)
            await uow.commit()

    async def add_upload(
        self,
        telegram_id: int,
        upload_id: int,
        department_id: int,
        download: Download,
        progress: Progress,
    ) -> tuple[Department, Indexed]:
        """Add a waiting upload to a department the sender coordinates: download it, read it,
        index it (answerable at once) and audit it. A second press finds nothing waiting."""
        library = self._require_library()
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            upload = await _own_upload(uow, person, upload_id)
            actor = self._actor(person)
            department = await self._department(uow, actor, department_id)
            if not await uow.uploads.take(upload.id):
                raise NotFound("upload")
            await uow.commit()
        await progress(Stage.READING)
        content = await download(upload.file_id)
        check_file(upload.file_name, len(content))
        document = NewDocument(
            DocumentKind.UPLOAD, department, upload.file_name, content, self._today()
        )
        indexed = await self._add(library, document, progress)
        await self._audit(actor, "knowledge.add", department, indexed)
        log.info("knowledge: document added to %s (%s chunks)", department.key, indexed.chunks)
        return department, indexed

    async def add_guide(
        self, actor: Actor, department_ref: str, file_name: str, content: bytes
    ) -> tuple[Department, Indexed]:
        """Give a department its onboarding guide (operators, from the command line)."""
        if not actor.is_admin:
            raise NotAllowed("operators only")
        library = self._require_library()
        check_file(file_name, len(content))
        async with self._uow() as uow:
            department = await uow.organisations.department_by_ref(department_ref)
        if department is None:
            raise NotFound(f"department {department_ref!r}")
        document = NewDocument(DocumentKind.GUIDE, department, file_name, content, self._today())
        indexed = await self._add(library, document, None)
        await self._audit(actor, "knowledge.guide", department, indexed)
        return department, indexed

    async def shelves(self, telegram_id: int) -> list[Shelf]:
        """Return the documents of each department the person coordinates, with the shared
        ones (which every department sees and no coordinator removes)."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            departments = await self._departments(uow, self._actor(person))
        if not departments:
            raise NotAllowed("not a coordinator")
        library = self._require_library()
        scopes = [SCOPE_ALL, *(department_scope(d.key) for d in departments)]
        documents = await library.documents(scopes)
        shared = tuple(d for d in documents if d.scope == SCOPE_ALL)
        return [
            Shelf(
                department,
                tuple(d for d in documents if d.scope == department_scope(department.key)),
                shared,
            )
            for department in departments
        ]

    async def document(self, telegram_id: int, ref: str) -> DocumentInfo:
        """Return a removable document of one of the person's departments by its reference;
        NotFound for anything else (a stale or forged button)."""
        for shelf in await self.shelves(telegram_id):
            for document in shelf.documents:
                if document.ref == ref and document.removable:
                    return document
        raise NotFound("document")

    async def remove(self, telegram_id: int, ref: str) -> DocumentInfo:
        """Remove a department document from the managed folder and the index at once (a
        FAQ entry goes with its document: the questions it answered are gaps again)."""
        document = await self.document(telegram_id, ref)
        library = self._require_library()
        if not await library.remove(document.source):
            raise NotFound("document")
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            entry = await uow.faqs.by_source(document.source)
            if entry is not None:
                await uow.faqs.delete(entry.id)
            department = await self._scope_department(uow, document.scope)
            await uow.commit()
        details: dict[str, str | int | None] = {"source": document.source}
        await self._record(self._actor(person), "knowledge.remove", department, details)
        return document

    async def start_faq(self, telegram_id: int, question_id: int) -> FaqDraft:
        """Let a coordinator of the question's cohort answer a knowledge gap with their next
        text, kept as a FAQ of the cohort's department."""
        self._require_library()
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            question = await uow.questions.get(question_id)
            if question is None:
                raise NotFound("question")
            department = await self._question_department(uow, self._actor(person), question)
            await uow.people.update(person.id, awaiting=awaiting(AwaitKind.FAQ, question.id))
            await uow.commit()
        return FaqDraft(question.id, question.text, department)

    async def save_faq(self, telegram_id: int, raw: str) -> SavedFaq:
        """Store the awaited FAQ answer, index it as a document of the department (it answers
        the same and similar questions from now on), take the gap off the list and send the
        answer to the students who asked. A CPR number stops everything (still waiting)."""
        text = clean_text(raw, MAX_FAQ_LENGTH)
        library = self._require_library()
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            question_id = awaited(person.awaiting, AwaitKind.FAQ)
            if question_id is None:
                raise Invalid("not waiting for a FAQ answer")
            await uow.people.update(person.id, awaiting=None)
            await uow.commit()  # a stale or forbidden target must not keep them waiting
            question = await uow.questions.get(question_id)
            if question is None:
                raise NotFound("question")
            actor = self._actor(person)
            department = await self._question_department(uow, actor, question)
            now = self._clock.now()
            entry = await uow.faqs.add(
                FaqEntry(0, department.id, question.text, text, now, person.id)
            )
            await uow.commit()
        document = NewDocument(
            DocumentKind.FAQ,
            department,
            f"faq-{entry.id}.md",
            faq_document(department, question.text, text).encode(),
            self._today(),
            title=faq_title(department),
        )
        try:
            indexed = await self._add(library, document, None)
        except Exception:
            async with self._uow() as uow:
                await uow.faqs.delete(entry.id)
                await uow.commit()
            raise
        async with self._uow() as uow:
            await uow.faqs.set_source(entry.id, indexed.source)
            asked = await self._same_questions(uow, department, question)
            await uow.questions.cover([q.id for q in asked], entry.id)
            messages = await answer_askers(uow, asked, person.id, text, now)
            details: dict[str, str | int | None] = {
                "source": indexed.source,
                "questions": len(asked),
            }
            await uow.audit.record(self._entry(actor, "knowledge.faq", department, details))
            await uow.commit()
        await self._outbox.enqueue(messages)
        saved = dataclasses.replace(entry, source=indexed.source)
        return SavedFaq(saved, department, indexed, len(messages))

    async def faqs(self, actor: Actor, department_ref: str) -> Sequence[FaqEntry]:
        """Return a department's FAQ entries (operators, from the command line)."""
        if not actor.is_admin:
            raise NotAllowed("operators only")
        async with self._uow() as uow:
            department = await uow.organisations.department_by_ref(department_ref)
            if department is None:
                raise NotFound(f"department {department_ref!r}")
            return await uow.faqs.for_department(department.id)

    async def sync(self) -> bool:
        """Catch up with changes other processes (`praktikbot ingest`) made to the index."""
        if self._library is None:
            return False
        return await self._library.sync()

    async def _add(
        self, library: DocumentLibrary, document: NewDocument, progress: Progress | None
    ) -> Indexed:
        """Read a document, then index it (telling `progress` in between)."""
        staged = await library.read(document)
        if progress is not None:
            try:
                await progress(Stage.INDEXING)
            except Exception:
                await library.discard(staged)
                raise
        return await library.store(staged)

    async def _same_questions(
        self, uow: KnowledgeUnitOfWork, department: Department, question: Question
    ) -> list[Question]:
        """Return the gap questions of the department's cohorts that read like this one."""
        cohorts = [c.id for c in await uow.cohorts.list() if c.department_id == department.id]
        wanted = normalise(question.text)
        gaps = await uow.questions.gaps(cohorts, include_anonymous=False) if cohorts else []
        same = [q for q in gaps if normalise(q.text) == wanted]
        if question.id not in {q.id for q in same}:
            same.append(question)
        return same

    async def _departments(self, uow: KnowledgeUnitOfWork, actor: Actor) -> list[Department]:
        """Return the departments the actor coordinates (every one for operators)."""
        if actor.is_admin:
            return list(await uow.organisations.list_departments())
        found: dict[int, Department] = {}
        for cohort in await coordinated_cohorts(uow, actor):
            if cohort.department_id not in found:
                department = await uow.organisations.department(cohort.department_id)
                if department is not None:
                    found[department.id] = department
        return list(found.values())

    async def _department(
        self, uow: KnowledgeUnitOfWork, actor: Actor, department_id: int
    ) -> Department:
        """Return a department the actor coordinates; raise NotAllowed otherwise."""
        for department in await self._departments(uow, actor):
            if department.id == department_id:
                return department
        raise NotAllowed("not a coordinator of this department")

    async def _question_department(
        self, uow: KnowledgeUnitOfWork, actor: Actor, question: Question
    ) -> Department:
        """Return the department of the question's cohort, which the actor coordinates."""
        if question.cohort_id is None:
            raise NotAllowed("a question without a cohort has no department")
        await require_coordinator(uow, actor, question.cohort_id)
        cohort = await uow.cohorts.get(question.cohort_id)
        department = await uow.organisations.department(cohort.department_id) if cohort else None
        if department is None:
            raise NotFound("department")
        return department

    async def _scope_department(self, uow: KnowledgeUnitOfWork, scope: str) -> Department | None:
        """Return the department a "dept:<key>" scope names."""
        key = scope.removeprefix("dept:")
        return await uow.organisations.department_by_ref(key) if key != scope else None

    async def _audit(
        self, actor: Actor, action: str, department: Department, indexed: Indexed
    ) -> None:
        details: dict[str, str | int | None] = {
            "source": indexed.source,
            "chunks": indexed.chunks,
            "replaced": int(indexed.replaced),
        }
        await self._record(actor, action, department, details)

    async def _record(
        self,
        actor: Actor,
        action: str,
        department: Department | None,
        details: dict[str, str | int | None],
    ) -> None:
        async with self._uow() as uow:
            await uow.audit.record(self._entry(actor, action, department, details))
            await uow.commit()

    def _entry(
        self,
        actor: Actor,
        action: str,
        department: Department | None,
        details: dict[str, str | int | None],
    ) -> AuditEntry:
        key = department.key if department else None
        return AuditEntry(
            self._clock.now(), actor.label, action, details={"department": key, **details}
        )

    def _actor(self, person: Person) -> Actor:
        return Actor(f"person:{person.id}", person.id, person.telegram_id in self._admins)

    def _today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    def _require_library(self) -> DocumentLibrary:
        if self._library is None:
            raise KnowledgeUnavailable("no managed knowledge folder")
        return self._library


async def _person(uow: KnowledgeUnitOfWork, telegram_id: int) -> Person:
    """Return the enrolled person with this Telegram id; raise NotAllowed otherwise."""
    person = await uow.people.by_telegram_id(telegram_id)
    if person is None:
        raise NotAllowed("not enrolled")
    return person


async def _own_upload(uow: KnowledgeUnitOfWork, person: Person, upload_id: int) -> Upload:
    """Return the person's own waiting upload; NotFound for anything else."""
    upload = await uow.uploads.get(upload_id)
    if upload is None or upload.person_id != person.id:
        raise NotFound("upload")
    return upload
