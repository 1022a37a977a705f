"""The live knowledge base with real Chroma and the real e5 model: documents added to the
managed folder answer at once within their department, removal takes them out at once, a
full ingest keeps them, `source_url` reaches the citation, and another writer's change is
picked up by `sync()`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.retrieval.library import ManagedLibrary, safe_name
from bot.retrieval.setup import KnowledgeBase, KnowledgeConfig, open_knowledge
from bot.services.identity.domain import Department
from bot.services.knowledge.types import DocumentKind, NewDocument, NoText
from tests.documents import docx_bytes, pdf_bytes

GUIDE = """---
title: "Velkommen til Afsnit A"
scope: "dept:afsnit-a"
---

# Velkommen til Afsnit A

## Sygemelding

Ved sygdom ringer du til vagttelefonen på lokal 41999 senest klokken 06.15.
"""
STRATEGY = """---
title: "Strategi for læring"
scope: all
---

# Strategi for læring

## Simulation

Studerende kan træne kateteranlæggelse i simulationsrummet, før de møder patienten.
"""
WARD = Department(1, 1, "Afsnit A", "afsnit-a")
OTHER = Department(2, 1, "Afsnit B", "afsnit-b")
UPLOAD = """---
title: "Parkering på Afsnit A"
scope: all
source_url: "https://example.org/parkering"
---

# Parkering på Afsnit A

## Cykler

Cykler parkeres i kælderen under bygning 9, hvor der er ladestandere.
"""
QUESTION = "Hvor parkeres cykler?"


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """A tiny knowledge folder and an empty managed folder."""
    root = tmp_path / "knowledge"
    root.mkdir()
    (root / "guide.md").write_text(GUIDE, encoding="utf-8")
    (root / "strategi.md").write_text(STRATEGY, encoding="utf-8")
    return root, tmp_path / "data" / "knowledge"


def _open(folders: tuple[Path, Path], tmp_path: Path) -> KnowledgeBase:
    root, managed = folders
    config = KnowledgeConfig(
        knowledge_dir=root, chroma_dir=tmp_path / "chroma", managed_dir=managed
    )
    return open_knowledge(config)


@pytest.fixture
def knowledge(folders: tuple[Path, Path], tmp_path: Path) -> KnowledgeBase:
    """The tiny corpus, indexed."""
    knowledge = _open(folders, tmp_path)
    knowledge.ingest()
    return knowledge


def _document(name: str, content: bytes, department: Department = WARD) -> NewDocument:
    return NewDocument(DocumentKind.UPLOAD, department, name, content, date(2027, 2, 3))


async def _add(library: ManagedLibrary, document: NewDocument):
    return await library.store(await library.read(document))


async def test_an_upload_answers_at_once_only_in_its_department(
    knowledge: KnowledgeBase, folders: tuple[Path, Path]
) -> None:
    library = ManagedLibrary(knowledge)
    answerer = knowledge.answerer  # what the running bot holds: it must see the new document
    before = await answerer.answer(QUESTION, ["all", "dept:afsnit-a"])
    assert before.abstained
    indexed = await _add(library, _document("Parkering A.md", UPLOAD.encode()))
    assert indexed.source == "managed:dept/afsnit-a/parkering-a.md"
    assert indexed.chunks >= 1
    answer = await answerer.answer(QUESTION, ["all", "dept:afsnit-a"])
    assert not answer.abstained
    assert "kælderen under bygning 9" in answer.text
    (citation,) = answer.citations
    assert citation.title == "Parkering på Afsnit A"
    assert citation.url == "https://example.org/parkering"
    assert (citation.scope, citation.date) == ("dept:afsnit-a", "2027-02-03")
    elsewhere = await answerer.answer(QUESTION, ["all", "dept:afsnit-b"])
    assert elsewhere.abstained  # the upload's own "scope: all" never widens it
    stored = (folders[1] / "dept" / "afsnit-a" / "parkering-a.md").read_text(encoding="utf-8")
    assert "scope: dept:afsnit-a" in stored
    assert "publisher: Afsnit A" in stored
    (listed,) = [
        d for d in await library.documents(["dept:afsnit-a"]) if d.source == indexed.source
    ]
    assert (listed.kind, listed.removable, listed.date) == (
        DocumentKind.UPLOAD,
        True,
        "2027-02-03",
    )
    shared = await library.documents(["all"])
    assert {(d.kind, d.removable) for d in shared} == {(DocumentKind.FOLDER, False)}


async def test_removal_takes_a_document_out_at_once_and_a_full_ingest_keeps_the_rest(
    knowledge: KnowledgeBase, folders: tuple[Path, Path]
) -> None:
    library = ManagedLibrary(knowledge)
    kept = await _add(library, _document("parkering.md", UPLOAD.encode()))
    pdf = await _add(
        library, _document("omklaedning.pdf", pdf_bytes("Omklaedning sker i rum 12 paa Afsnit A."))
    )
    assert pdf.title == "Omklaedning"
    sidecar = yaml.safe_load(
        (folders[1] / "dept" / "afsnit-a" / "omklaedning.pdf.meta.yaml").read_text()
    )
    assert sidecar["scope"] == "dept:afsnit-a"
    assert sidecar["language"] in ("da", "en")
    report = knowledge.ingest()  # a full ingest walks KNOWLEDGE_DIR and the managed folder
    assert (report.files, report.deleted) == (4, 0)
    scopes = ["all", "dept:afsnit-a"]
    found = await knowledge.retriever.search("Hvor sker omklædning?", 3, scopes)
    assert found[0].citation.source == pdf.source
    assert await library.remove(pdf.source)
    assert not (folders[1] / "dept" / "afsnit-a" / "omklaedning.pdf").exists()
    assert not (folders[1] / "dept" / "afsnit-a" / "omklaedning.pdf.meta.yaml").exists()
    found = await knowledge.retriever.search("Hvor sker omklædning?", 5, scopes)
    assert all(p.citation.source != pdf.source for p in found)
    assert "omklaedning" not in knowledge.index.word_vectors()[0]
    assert not await library.remove(pdf.source)
    assert not await library.remove("guide.md")  # KNOWLEDGE_DIR's files are the operator's
    assert not await library.remove("managed:../../etc/passwd")
    assert {s.source for s in knowledge.index.sources(scopes)} == {
        "guide.md",
        "strategi.md",
        kept.source,
    }


async def test_same_path_in_both_folders_never_collides(
    knowledge: KnowledgeBase, folders: tuple[Path, Path]
) -> None:
    root = folders[0]
    (root / "dept" / "afsnit-a").mkdir(parents=True)
    (root / "dept" / "afsnit-a" / "parkering.md").write_text(
        UPLOAD.replace("Cykler parkeres i kælderen", "Biler parkeres på P-plads 4"),
        encoding="utf-8",
    )
    await _add(ManagedLibrary(knowledge), _document("parkering.md", UPLOAD.encode()))
    knowledge.ingest()
    sources = {s.source for s in knowledge.index.sources(["all", "dept:afsnit-a"])}
    assert {"dept/afsnit-a/parkering.md", "managed:dept/afsnit-a/parkering.md"} <= sources


async def test_files_without_text_are_refused_and_nothing_is_kept(
    knowledge: KnowledgeBase, folders: tuple[Path, Path]
) -> None:
    library = ManagedLibrary(knowledge)
    for name, content in (
        ("tom.md", b"---\ntitle: Tom\n---\n\n   \n"),
        ("skadet.pdf", b"%PDF-1.4 this is not a pdf"),
        ("skadet.docx", b"PK not a zip"),
    ):
        with pytest.raises(NoText):
            await library.read(_document(name, content))
    assert not any(path.is_file() for path in folders[1].rglob("*"))
    word = await _add(
        library, _document("Omklædning.docx", docx_bytes("Omklædning sker i rum 12."))
    )
    assert word.source == "managed:dept/afsnit-a/omklaedning.docx"


def test_safe_names() -> None:
    assert safe_name("../../Velkomst på Æblegården.PDF") == "velkomst-paa-aeblegaarden.pdf"
    assert safe_name("noter") == "noter"
    assert safe_name(".md") == "dokument.md"


async def test_another_writer_is_picked_up_by_sync(
    knowledge: KnowledgeBase, folders: tuple[Path, Path], tmp_path: Path
) -> None:
    answerer = knowledge.answerer
    assert knowledge.sync() is False  # nothing changed since it was built
    other = _open(folders, tmp_path)  # e.g. `praktikbot ingest` with the same settings
    (folders[0] / "parkering.md").write_text(UPLOAD.replace("scope: all", "scope: all"))
    other.ingest()
    assert other.version != ""
    assert knowledge.version != other.version
    assert knowledge.sync() is True
    assert knowledge.version == other.version
    answer = await answerer.answer(QUESTION, ["all"])
    assert "kælderen under bygning 9" in answer.text
    assert answer.citations[0].url == "https://example.org/parkering"
    assert knowledge.sync() is False
    # and the other way round: a write here first catches up with the other's change
    (folders[0] / "parkering.md").unlink()
    other.ingest()
    await _add(ManagedLibrary(knowledge), _document("x.md", b"# X\n\nRum 12 er lukket.\n"))
    assert (await answerer.answer(QUESTION, ["all"])).abstained
    assert knowledge.version == knowledge.index.version()
