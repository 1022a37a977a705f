"""The knowledge base coordinators keep, on in-memory fakes: who may add and remove which
documents, the upload's steps, FAQ answers to gaps and who gets them, and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from bot.services.identity.access import Actor
from bot.services.identity.awaiting import AwaitKind, awaiting
from bot.services.identity.domain import Role
from bot.services.kernel.errors import ContainsCpr, NotAllowed, NotFound
from bot.services.knowledge.faq import faq_document
from bot.services.knowledge.service import KnowledgeService, KnowledgeUnavailable
from bot.services.knowledge.types import (
    MAX_UPLOAD_BYTES,
    DocumentKind,
    NoText,
    Stage,
    TooLarge,
    UnsupportedFile,
    check_file,
    short_ref,
)
from bot.services.questions.knowledge import Answer
from bot.services.questions.service import QuestionService
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox
from tests.unit.fakes_knowledge import FakeLibrary
from tests.unit.wards import two_wards

CLI = Actor.cli()
STUDENT, OTHER_STUDENT, COORDINATOR, OTHER_COORDINATOR, SUPERVISOR, ADMIN = 1, 2, 3, 4, 5, 9
COFFEE = "Hvad koster kaffen?"


class Abstaining:
    """An answerer that knows nothing (every question becomes a gap)."""

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Abstain."""
        return Answer("", (), abstained=True, confidence=0.1)


@dataclass
class World:
    """Two departments with a cohort each, their people, and the services."""

    uow: FakeUowFactory
    outbox: FakeOutbox
    library: FakeLibrary
    knowledge: KnowledgeService
    questions: QuestionService
    cohorts: list[int]


@pytest.fixture
async def world(clock: ManualClock) -> World:
    """Medicinsk M2 (a student, another student, a coordinator, a supervisor) and Kirurgisk
    K1 (its coordinator); an operator."""
    uow = FakeUowFactory()
    outbox = FakeOutbox(uow.store)
    cast = [
        (STUDENT, 0, Role.STUDENT),
        (OTHER_STUDENT, 0, Role.STUDENT),
        (COORDINATOR, 0, Role.COORDINATOR),
        (SUPERVISOR, 0, Role.SUPERVISOR),
        (OTHER_COORDINATOR, 1, Role.COORDINATOR),
    ]
    cohorts, _people = await two_wards(uow, outbox, clock, cast, english=[OTHER_STUDENT])
    library = FakeLibrary()
    knowledge = KnowledgeService(uow, outbox, clock, library, [ADMIN])
    questions = QuestionService(uow, outbox, clock, Abstaining(), [ADMIN])
    return World(uow, outbox, library, knowledge, questions, cohorts)


async def _add(world: World, telegram_id: int, content: bytes = b"# Guide\n\nTekst.\n") -> list:
    """Send and add a document as a coordinator; return the progress stages seen."""
    offer = await world.knowledge.offer(telegram_id, "file-1", "Velkomst M2.md", len(content))
    assert offer is not None
    stages: list[Stage] = []

    async def download(file_id: str) -> bytes:
        assert file_id == "file-1"
        return content

    async def progress(stage: Stage) -> None:
        stages.append(stage)

    department = offer.departments[0]
    await world.knowledge.add_upload(
        telegram_id, offer.upload.id, department.id, download, progress
    )
    return stages


def test_only_pdf_word_and_markdown_files_up_to_20_mb_go_in() -> None:
    assert [check_file(name, 10) for name in ("a.PDF", "b.docx", "c.md", "d.markdown")] == [
        ".pdf",
        ".docx",
        ".md",
        ".markdown",
    ]
    for name in ("plan.xlsx", "billede.png", "README", "doc.txt"):
        with pytest.raises(UnsupportedFile):
            check_file(name, 10)
    with pytest.raises(TooLarge):
        check_file("stor.pdf", MAX_UPLOAD_BYTES + 1)


async def test_only_coordinators_are_offered_to_add_a_document(world: World) -> None:
    for telegram_id in (STUDENT, SUPERVISOR, 777):
        assert await world.knowledge.offer(telegram_id, "f", "guide.pdf", 100) is None
    offer = await world.knowledge.offer(COORDINATOR, "f", "guide.pdf", 100)
    assert offer is not None
    assert [d.key for d in offer.departments] == ["medicinsk-m2"]
    admin = KnowledgeService(world.uow, world.outbox, ManualClock(), world.library, [COORDINATOR])
    everything = await admin.offer(COORDINATOR, "f", "guide.pdf", 100)
    assert everything is not None
    assert [d.key for d in everything.departments] == ["medicinsk-m2", "kirurgisk-k1"]
    with pytest.raises(UnsupportedFile):
        await world.knowledge.offer(COORDINATOR, "f", "plan.xlsx", 100)
    with pytest.raises(TooLarge):
        await world.knowledge.offer(COORDINATOR, "f", "plan.pdf", MAX_UPLOAD_BYTES + 1)
    nowhere = KnowledgeService(world.uow, world.outbox, ManualClock(), None, [])
    assert await nowhere.offer(COORDINATOR, "f", "guide.pdf", 100) is None
    assert not nowhere.writable


async def test_an_upload_is_read_indexed_audited_and_taken_once(world: World) -> None:
    assert await _add(world, COORDINATOR) == [Stage.READING, Stage.INDEXING]
    (document,) = [d for d in world.library.documents_by_source.values() if d.scope != "all"]
    assert document.source == "managed:dept/medicinsk-m2/Velkomst M2.md"
    assert (document.scope, document.kind, document.date) == (
        "dept:medicinsk-m2",
        DocumentKind.UPLOAD,
        "2027-02-03",
    )
    (entry,) = [e for e in world.uow.store.audit if e.action == "knowledge.add"]
    assert entry.details["department"] == "medicinsk-m2"
    assert entry.details["source"] == document.source
    assert world.uow.store.uploads == {}  # the waiting upload is gone: a second press fails

    async def never(_file_id: str) -> bytes:
        raise AssertionError("a taken upload is never downloaded again")

    async def quiet(_stage: Stage) -> None:
        return None

    with pytest.raises(NotFound):
        await world.knowledge.add_upload(COORDINATOR, 1, 1, never, quiet)


async def test_forged_department_or_someone_elses_upload_is_refused(world: World) -> None:
    offer = await world.knowledge.offer(COORDINATOR, "f", "guide.md", 10)
    assert offer is not None

    async def download(_file_id: str) -> bytes:
        return b"# Tekst\n"

    async def progress(_stage: Stage) -> None:
        return None

    other_department = world.cohorts[1]  # the fakes number departments like cohorts
    with pytest.raises(NotAllowed):
        await world.knowledge.add_upload(
            COORDINATOR, offer.upload.id, other_department, download, progress
        )
    with pytest.raises(NotFound):
        await world.knowledge.add_upload(
            OTHER_COORDINATOR, offer.upload.id, other_department, download, progress
        )
    with pytest.raises(NotFound):
        await world.knowledge.cancel_upload(STUDENT, offer.upload.id)
    await world.knowledge.cancel_upload(COORDINATOR, offer.upload.id)
    assert world.uow.store.uploads == {}
    assert len(world.library.documents_by_source) == 1  # only the shared strategy


async def test_a_file_without_text_adds_nothing(world: World) -> None:
    with pytest.raises(NoText):
        await _add(world, COORDINATOR, content=b"   ")
    assert [e for e in world.uow.store.audit if e.action == "knowledge.add"] == []


async def test_shelves_show_own_documents_and_shared_ones_and_removal_is_checked(
    world: World,
) -> None:
    await _add(world, COORDINATOR)
    (shelf,) = await world.knowledge.shelves(COORDINATOR)
    assert shelf.department.key == "medicinsk-m2"
    assert [d.kind for d in shelf.documents] == [DocumentKind.UPLOAD]
    assert [(d.title, d.removable) for d in shelf.shared] == [("Uddannelsesstrategi", False)]
    (other,) = await world.knowledge.shelves(OTHER_COORDINATOR)
    assert other.documents == ()
    with pytest.raises(NotAllowed):
        await world.knowledge.shelves(STUDENT)
    mine = shelf.documents[0]
    for who, ref in (
        (OTHER_COORDINATOR, mine.ref),  # another department's document
        (COORDINATOR, shelf.shared[0].ref),  # shared: not removable
        (COORDINATOR, short_ref("forged")),
    ):
        with pytest.raises(NotFound):
            await world.knowledge.remove(who, ref)
    removed = await world.knowledge.remove(COORDINATOR, mine.ref)
    assert removed.source == mine.source
    assert mine.source not in world.library.documents_by_source
    assert [e.action for e in world.uow.store.audit][-1] == "knowledge.remove"


async def _gap(world: World, *askers: int) -> int:
    """Let each asker ask the coffee question (the documents know nothing); return the id
    of the newest."""
    asked = [await world.questions.ask(asker, COFFEE) for asker in askers]
    question_id = asked[-1].question_id
    assert question_id is not None
    return question_id


async def test_a_faq_answers_the_gap_for_its_askers_and_leaves_the_list(world: World) -> None:
    question_id = await _gap(world, STUDENT, OTHER_STUDENT, STUDENT)
    (gap,) = await world.questions.gaps(CLI)
    assert (gap.count, gap.question_id) == (3, question_id)
    with pytest.raises(NotAllowed):
        await world.knowledge.start_faq(OTHER_COORDINATOR, question_id)
    with pytest.raises(NotAllowed):
        await world.knowledge.start_faq(STUDENT, question_id)
    draft = await world.knowledge.start_faq(COORDINATOR, question_id)
    assert draft.department.key == "medicinsk-m2"
    with pytest.raises(ContainsCpr):
        await world.knowledge.save_faq(COORDINATOR, "Spørg 010190-1234 om det.")
    person = await _person(world, COORDINATOR)
    assert person.awaiting == awaiting(AwaitKind.FAQ, question_id)  # still waiting
    assert world.uow.store.faqs == {}
    saved = await world.knowledge.save_faq(COORDINATOR, "Kaffen er gratis for studerende.")
    assert saved.delivered == 2  # one message per asker, however often they asked
    assert (await _person(world, COORDINATOR)).awaiting is None
    (entry,) = world.uow.store.faqs.values()
    assert (entry.question, entry.answer, entry.source) == (
        COFFEE,
        "Kaffen er gratis for studerende.",
        saved.indexed.source,
    )
    document = world.library.documents_by_source[saved.indexed.source]
    assert (document.kind, document.scope) == (DocumentKind.FAQ, "dept:medicinsk-m2")
    assert document.title == "FAQ — Medicinsk M2"
    assert "## Hvad koster kaffen?" in world.library.contents[saved.indexed.source].decode()
    assert await world.questions.gaps(CLI) == []
    texts = {row.message.chat_id: row.message.payload["text"] for row in world.outbox.rows}
    assert set(texts) == {STUDENT, OTHER_STUDENT}
    assert "Kaffen er gratis" in texts[STUDENT]
    assert "Your coordinator has answered" in texts[OTHER_STUDENT]
    (audit,) = [e for e in world.uow.store.audit if e.action == "knowledge.faq"]
    assert audit.details == {
        "department": "medicinsk-m2",
        "source": saved.indexed.source,
        "questions": 3,
    }
    (shelf,) = await world.knowledge.shelves(COORDINATOR)
    await world.knowledge.remove(COORDINATOR, shelf.documents[0].ref)
    assert world.uow.store.faqs == {}
    assert [g.count for g in await world.questions.gaps(CLI)] == [3]  # a gap again


async def test_a_faq_goes_only_to_askers_in_its_department(world: World) -> None:
    await _gap(world, STUDENT)
    elsewhere = await world.questions.ask(OTHER_COORDINATOR, COFFEE)  # K1 has the gap too
    question_id = await _gap(world, STUDENT)
    await world.knowledge.start_faq(COORDINATOR, question_id)
    saved = await world.knowledge.save_faq(COORDINATOR, "10 kroner.")
    assert saved.delivered == 1
    (left,) = await world.questions.gaps(CLI)
    assert left.question_id == elsewhere.question_id


async def test_a_stale_faq_target_stops_waiting_and_stores_nothing(world: World) -> None:
    question_id = await _gap(world, STUDENT)
    await world.knowledge.start_faq(COORDINATOR, question_id)
    coordinator = await _person(world, COORDINATOR)
    async with world.uow() as uow:  # their cohort membership is gone meanwhile
        world.uow.store.memberships = [
            m for m in world.uow.store.memberships if m.person_id != coordinator.id
        ]
        await uow.commit()
    with pytest.raises(NotAllowed):
        await world.knowledge.save_faq(COORDINATOR, "Svar")
    assert (await _person(world, COORDINATOR)).awaiting is None
    assert world.uow.store.faqs == {}


async def test_guides_from_the_command_line_are_for_operators(world: World) -> None:
    person = Actor("person:1", 1)
    with pytest.raises(NotAllowed):
        await world.knowledge.add_guide(person, "medicinsk-m2", "guide.md", b"# G\n")
    with pytest.raises(NotFound):
        await world.knowledge.add_guide(CLI, "nowhere", "guide.md", b"# G\n")
    department, indexed = await world.knowledge.add_guide(
        CLI, "medicinsk-m2", "guide.md", b"# G\n"
    )
    assert department.key == "medicinsk-m2"
    assert world.library.documents_by_source[indexed.source].kind is DocumentKind.GUIDE
    assert [e.action for e in world.uow.store.audit][-1] == "knowledge.guide"
    nowhere = KnowledgeService(world.uow, world.outbox, ManualClock(), None, [])
    with pytest.raises(KnowledgeUnavailable):
        await nowhere.add_guide(CLI, "medicinsk-m2", "guide.md", b"# G\n")
    assert await nowhere.sync() is False
    assert await world.knowledge.sync() is False
    assert world.library.syncs == 1


def test_a_faq_document_keeps_the_coordinators_text_plain() -> None:
    department = type("D", (), {"name": "M2"})()
    text = faq_document(department, "Hvor er\nkantinen?", "# Stue\n---\nI kælderen <!-- x -->")
    assert text.startswith("# FAQ — M2\n\n## Hvor er kantinen?\n\n")
    assert "# Stue" not in text
    assert "---" not in text
    assert "<!--" not in text
    assert "I kælderen" in text


async def _person(world: World, telegram_id: int):
    async with world.uow() as uow:
        person = await uow.people.by_telegram_id(telegram_id)
    assert person is not None
    return person
