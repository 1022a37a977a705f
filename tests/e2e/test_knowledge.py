"""Issue #13, point 7: a knowledge base coordinators keep alive without a restart, over real
HTTP with real Chroma and e5: a document sent in the chat answers at once, /dokumenter
removes one at once, an answer from /huller becomes a FAQ that answers next time, and an
ingestion by another process reaches the running bot through its refresh job.

Each test runs on its own copy of the session's index (documents are added to it) and its
own managed folder (DATA_DIR/knowledge)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings
from bot.retrieval.setup import KnowledgeBase, KnowledgeConfig, open_knowledge
from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Role
from tests.documents import pdf_bytes
from tests.e2e.conftest import World, make_world
from tests.e2e.flows import draft_broadcast, enrol, press_forged
from tests.e2e.processes import clean_env, run_praktikbot
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser
from tests.support import ManualClock, eventually

BIKES = "Hvor parkeres cykler?"
PARKING = """---
title: "Parkering på M2"
source_url: "https://example.org/m2/parkering"
scope: all
---

# Parkering på M2

## Cykler

Cykler parkeres i kælderen under bygning 9, hvor der er ladestandere.
"""
COFFEE = "Hvad koster en kop kaffe i kantinen?"
NOT_VALID = "gyldig"  # "not for you, or no longer valid" and the stale-button reply


@pytest.fixture
def corpus(knowledge_corpus: Path, tmp_path: Path) -> Path:
    """A copy of the session's knowledge folder (a test may add to it)."""
    return Path(shutil.copytree(knowledge_corpus, tmp_path / "corpus"))


@pytest.fixture
def live_settings(bot_settings: Settings, corpus: Path, tmp_path: Path) -> Settings:
    """The e2e settings on a copy of the session's index, syncing every second."""
    chroma = tmp_path / "chroma"
    shutil.copytree(bot_settings.resolved_chroma_dir, chroma)
    return bot_settings.model_copy(
        update={"knowledge_dir": corpus, "chroma_dir": chroma, "knowledge_sync_seconds": 1.0}
    )


@pytest.fixture
def live_knowledge(live_settings: Settings) -> KnowledgeBase:
    """The knowledge base the bot would open from the settings, with a managed folder."""
    return open_knowledge(
        KnowledgeConfig(
            knowledge_dir=live_settings.knowledge_dir,
            chroma_dir=live_settings.resolved_chroma_dir,
            managed_dir=live_settings.managed_knowledge_dir,
        )
    )


@pytest.fixture
async def live(
    live_settings: Settings, clock: ManualClock, live_knowledge: KnowledgeBase
) -> AsyncIterator[Runtime]:
    """Run the bot on the live knowledge base."""
    runtime = await start_bot(live_settings, clock=clock, poll_timeout=1, knowledge=live_knowledge)
    yield runtime
    await stop_bot(runtime)


@pytest.fixture
async def ward(live: Runtime) -> World:
    """Medicinsk Afdeling M2 with a running cohort."""
    return await make_world(live)


async def _member(fake_api: FakeBotApi, world: World, user_id: int, role: Role) -> SimUser:
    user = fake_api.user(user_id)
    await enrol(user, world.codes[role])
    return user


async def _other_ward(fake_api: FakeBotApi, world: World, user_id: int, role: Role) -> SimUser:
    """Someone in Testafsnit T1, another department."""
    cli, coordination = Actor.cli(), world.runtime.services.coordination
    if not any(d.key == "testafsnit-t1" for d in await coordination.list_departments()):
        await coordination.create_department(cli, "Testafsnit T1", "Testhospitalet")
        await coordination.create_cohort(
            cli,
            name="Hold T1",
            department_ref="testafsnit-t1",
            profession=Profession.NURSING,
            starts_on=date(2027, 2, 1),
            ends_on=date(2027, 6, 30),
        )
    cohort = await coordination.find_cohort("Hold T1")
    invite = await coordination.create_invite(cli, cohort.id, role)
    user = fake_api.user(user_id)
    await enrol(user, invite.code)
    return user


async def _upload(
    coordinator: SimUser, content: bytes, name: str, expect: str = "Klar"
) -> BotMessage:
    """Send a document as a coordinator, say yes, and wait for the progress to end."""
    await coordinator.send_document(content, file_name=name)
    offer = await coordinator.next_message()
    assert offer.text == f"Tilføj {name} til vidensbasen for Medicinsk Afdeling M2?"
    assert offer.button_texts() == ["Ja, tilføj", "Nej"]
    await coordinator.press(offer, "Ja, tilføj")

    async def finished() -> bool:
        return expect in offer.text

    await eventually(finished, timeout=20)
    return offer


async def test_a_document_sent_in_the_chat_answers_at_once_within_its_department(
    fake_api: FakeBotApi, ward: World
) -> None:
    coordinator = await _member(fake_api, ward, 8101, Role.COORDINATOR)
    student = await _member(fake_api, ward, 8102, Role.STUDENT)
    outsider = await _other_ward(fake_api, ward, 8103, Role.STUDENT)
    await student.send(BIKES)
    assert "Det ved jeg desværre ikke" in (await student.next_message()).text
    progress = await _upload(coordinator, PARKING.encode(), "parkering.md")
    steps = [edit["text"] for edit in progress.edits]
    assert steps[0] == "Læser dokumentet …"
    assert "Indekserer …" in steps
    assert steps[-1].startswith("Klar: ")
    assert "afsnit fra Parkering på M2 er i vidensbasen for Medicinsk Afdeling M2" in steps[-1]
    assert progress.buttons() == []
    await student.send(BIKES)
    answer = await student.next_message()
    assert "kælderen under bygning 9" in answer.text
    today = "2027-02-03"
    assert f"📄 Parkering på M2 — Cykler ({today})" in answer.text
    assert '<a href="https://example.org/m2/parkering">Parkering på M2</a>' in answer.source
    await outsider.send(BIKES)  # the upload's own "scope: all" never widens it
    assert "kælderen" not in (await outsider.next_message()).text
    pdf = pdf_bytes("Omklaedning sker i rum 12 ved elevatoren paa M2.")
    await _upload(coordinator, pdf, "omklaedning.pdf")
    await student.send("Hvor sker omklaedning?")
    assert "rum 12" in (await student.next_message()).text
    entries = await ward.runtime.services.coordination.audit_log(Actor.cli(), 10)
    added = [e for e in entries if e.action == "knowledge.add"]
    assert [e.details["source"] for e in added] == [
        "managed:dept/medicinsk-afdeling-m2/omklaedning.pdf",
        "managed:dept/medicinsk-afdeling-m2/parkering.md",
    ]
    folder = ward.runtime.settings.managed_knowledge_dir / "dept" / "medicinsk-afdeling-m2"
    assert sorted(p.name for p in folder.iterdir()) == [
        "omklaedning.pdf",
        "omklaedning.pdf.meta.yaml",
        "parkering.md",
    ]


async def test_documents_from_others_and_files_that_cannot_go_in_are_refused_kindly(
    fake_api: FakeBotApi, ward: World
) -> None:
    coordinator = await _member(fake_api, ward, 8201, Role.COORDINATOR)
    student = await _member(fake_api, ward, 8202, Role.STUDENT)
    other = await _other_ward(fake_api, ward, 8203, Role.COORDINATOR)
    await student.send_document(PARKING.encode(), file_name="parkering.md")
    assert "kun læse tekstbeskeder" in (await student.next_message()).text
    await coordinator.send_document(b"a;b\n", file_name="vagtplan.xlsx")
    assert "PDF-, Word- (.docx) og Markdown-filer" in (await coordinator.next_message()).text
    await coordinator.send_document(b"%PDF-1.4 scan", file_name="scan.pdf")
    offer = await coordinator.next_message()
    upload_id = offer.buttons()[0]["callback_data"].split(":")[2]
    for forged in (f"kb:add:{upload_id}:99", f"kb:add:{upload_id}:x", "kb:add:1", "kb:zz:1"):
        assert NOT_VALID in await press_forged(coordinator, offer.message_id, forged)
    departments = await ward.runtime.services.coordination.list_departments()
    t1_id = next(d.id for d in departments if d.key == "testafsnit-t1")
    m2_id = next(d.id for d in departments if d.key == "medicinsk-afdeling-m2")
    assert NOT_VALID in await press_forged(
        coordinator, offer.message_id, f"kb:add:{upload_id}:{t1_id}"
    )
    assert NOT_VALID in await press_forged(other, offer.message_id, f"kb:add:{upload_id}:{m2_id}")
    await coordinator.press(offer, "Ja, tilføj")

    async def refused() -> bool:
        return "kunne ikke læse nogen tekst" in offer.text

    await eventually(refused, timeout=10)
    assert NOT_VALID in await press_forged(
        coordinator, offer.message_id, f"kb:add:{upload_id}:{m2_id}"
    )
    await coordinator.send_document(PARKING.encode(), file_name="parkering.md")
    second = await coordinator.next_message()
    await coordinator.press(second, "Nej")
    await coordinator.wait_edit(second)
    assert "ikke tilføjet" in second.text
    await student.send(BIKES)
    assert "kælderen" not in (await student.next_message()).text
    # a document a broadcast waits for is its attachment, not a knowledge-base document
    await draft_broadcast(coordinator, ["Sygeplejersker F27"], "Studerende", "Se planen")
    await coordinator.send_document(b"%PDF-1.4\n", file_name="plan.pdf")
    preview = await coordinator.next_message()
    assert preview.kind == "document"
    assert preview.file_name == "plan.pdf"


async def test_dokumenter_lists_and_removes_at_once(fake_api: FakeBotApi, ward: World) -> None:
    coordinator = await _member(fake_api, ward, 8301, Role.COORDINATOR)
    student = await _member(fake_api, ward, 8302, Role.STUDENT)
    other = await _other_ward(fake_api, ward, 8303, Role.COORDINATOR)
    await _upload(coordinator, PARKING.encode(), "parkering.md")
    await coordinator.send("/dokumenter")
    listing = await coordinator.next_message()
    assert "<b>Medicinsk Afdeling M2</b>" in listing.source
    assert "1. Parkering på M2 (tilføjet i chatten, 2027-02-03)" in listing.text
    assert "Fælles for alle afdelinger (kan ikke fjernes her)" in listing.text
    assert "• Grunduddannelse er en kerneopgave" in listing.text
    assert listing.button_texts() == ["🗑 1. Parkering på M2"]
    await other.send("/documents")
    other_listing = await other.next_message()
    assert "Parkering" not in other_listing.text
    assert "Velkommen til Testafsnit T1" in other_listing.text  # its guide in KNOWLEDGE_DIR
    assert other_listing.buttons() == []  # the operator's file is not removable here
    ref = listing.buttons()[0]["callback_data"].split(":")[2]
    assert NOT_VALID in await press_forged(other, listing.message_id, f"kb:rmok:{ref}")
    assert NOT_VALID in await press_forged(coordinator, listing.message_id, "kb:rmok:0123456789ab")
    await student.send("/dokumenter")
    assert "Kun koordinatorer" in (await student.next_message()).text
    await coordinator.press(listing, "🗑 1. Parkering på M2")
    await coordinator.wait_edit(listing)
    assert "Fjern Parkering på M2" in listing.text
    await coordinator.press(listing, "Behold det")
    await coordinator.wait_edit(listing)
    assert "1. Parkering på M2" in listing.text
    await coordinator.press(listing, "🗑 1. Parkering på M2")
    await coordinator.wait_edit(listing)
    await coordinator.press(listing, "Ja, fjern det")
    await coordinator.wait_edit(listing)
    assert "Fjernet fra vidensbasen: Parkering på M2" in listing.text
    await student.send(BIKES)
    assert "kælderen" not in (await student.next_message()).text
    folder = ward.runtime.settings.managed_knowledge_dir / "dept" / "medicinsk-afdeling-m2"
    assert list(folder.iterdir()) == []
    entries = await ward.runtime.services.coordination.audit_log(Actor.cli(), 5)
    assert entries[0].action == "knowledge.remove"


async def test_an_answer_from_huller_becomes_a_faq_that_answers_next_time(
    fake_api: FakeBotApi, ward: World
) -> None:
    coordinator = await _member(fake_api, ward, 8401, Role.COORDINATOR)
    asker = await _member(fake_api, ward, 8402, Role.STUDENT)
    later = await _member(fake_api, ward, 8403, Role.STUDENT)
    await asker.send(COFFEE)
    assert "Det ved jeg desværre ikke" in (await asker.next_message()).text
    await coordinator.send("/huller")
    gaps = await coordinator.next_message()
    assert f"1. 1× {COFFEE} — intet svar i dokumenterne" in gaps.text
    assert gaps.button_texts() == ["1. Svar og gem som FAQ"]
    faq_data = gaps.buttons()[0]["callback_data"]
    assert NOT_VALID in await press_forged(asker, asker.messages[-1].message_id, faq_data)
    await coordinator.press(gaps, "1. Svar og gem som FAQ")
    prompt = await coordinator.next_message()
    assert f"Skriv svaret på: {COFFEE}" in prompt.text
    assert "FAQ for Medicinsk Afdeling M2" in prompt.text
    await coordinator.send("Spørg patient 010190-1234 om prisen.")
    assert "ligner et CPR-nummer" in (await coordinator.next_message()).text
    await coordinator.send("En kop kaffe koster 10 kroner for studerende i kantinen.")
    saved = await coordinator.next_message(timeout=20)
    assert "Gemt som FAQ for Medicinsk Afdeling M2" in saved.text
    assert "de studerende, der spurgte: 1" in saved.text
    delivered = await asker.expect_text("koordinator har svaret")
    assert "10 kroner" in delivered.text
    await later.send(COFFEE)
    answer = await later.next_message()
    assert "10 kroner" in answer.text
    assert f"📄 FAQ — Medicinsk Afdeling M2 — {COFFEE} (2027-02-03)" in answer.text
    await later.send("Hvad koster kaffe i kantinen?")
    assert "10 kroner" in (await later.next_message()).text
    await coordinator.send("/huller")
    assert "Ingen videnshuller" in (await coordinator.next_message()).text
    await coordinator.send("/dokumenter")
    listing = await coordinator.next_message()
    assert f"1. FAQ — Medicinsk Afdeling M2: {COFFEE} (FAQ, 2027-02-03)" in listing.text


async def test_an_ingest_by_another_process_reaches_the_running_bot(
    fake_api: FakeBotApi, ward: World, corpus: Path, live_settings: Settings, tmp_path: Path
) -> None:
    student = await _member(fake_api, ward, 8501, Role.STUDENT)
    knowledge = ward.runtime.knowledge.current()
    before = knowledge.version
    (corpus / "parkering.md").write_text(PARKING, encoding="utf-8")
    env = clean_env(
        DATA_DIR=str(live_settings.data_dir),
        KNOWLEDGE_DIR=str(corpus),
        CHROMA_DIR=str(live_settings.resolved_chroma_dir),
        DATABASE_URL=live_settings.resolved_database_url,
    )
    code, out, err = await run_praktikbot(["ingest", "--quiet"], env, tmp_path)
    assert code == 0, err
    assert "0 removed" in out

    async def refreshed() -> bool:
        return knowledge.version != before

    await eventually(refreshed, timeout=10)  # the refresh job, once a second here
    vector = knowledge.index.embeddings.embed_query(BIKES)
    nearest = knowledge.index.dense(vector, 3, ["all"])
    sources = {c.id: c.metadata["source"] for c in knowledge.index.stored()}
    assert sources[nearest[0][0]] == "parkering.md"  # the vector index was opened again
    await student.send(BIKES)  # (the feedback tick may have sent a notice meanwhile)
    answer = await student.expect_text("kælderen under bygning 9")
    assert "📄 Parkering på M2" in answer.text


GUIDE = """---
title: "Velkommen til Akut A1"
---

# Velkommen til Akut A1

## Omklædning

Uniformer hentes i depotet ved indgang C, og omklædning sker i rum 14.
"""


async def test_a_department_created_with_its_guide_is_answered_by_the_running_bot(
    fake_api: FakeBotApi, ward: World, live_settings: Settings, tmp_path: Path
) -> None:
    guide = tmp_path / "akut-a1.md"
    guide.write_text(GUIDE, encoding="utf-8")
    env = clean_env(
        DATA_DIR=str(live_settings.data_dir),
        KNOWLEDGE_DIR=str(live_settings.knowledge_dir),
        CHROMA_DIR=str(live_settings.resolved_chroma_dir),
        DATABASE_URL=live_settings.resolved_database_url,
    )
    create = ["department", "create", "Akut A1", "--organisation", "Testhospitalet"]
    code, out, err = await run_praktikbot([*create, "--guide", str(guide)], env, tmp_path)
    assert code == 0, err
    assert "(key: akut-a1)" in out
    assert "guide added for Akut A1 (scope dept:akut-a1): Velkommen til Akut A1" in out
    coordination, cli = ward.runtime.services.coordination, Actor.cli()
    cohort = await coordination.create_cohort(
        cli,
        name="Hold A1",
        department_ref="akut-a1",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 6, 30),
    )
    student = fake_api.user(8601)
    await enrol(student, (await coordination.create_invite(cli, cohort.id, Role.STUDENT)).code)
    knowledge = ward.runtime.knowledge.current()

    async def picked_up() -> bool:
        return knowledge.version == knowledge.index.version()

    await eventually(picked_up, timeout=10)
    await student.send("Hvor henter jeg uniform?")
    answer = await student.expect_text("depotet ved indgang C")
    assert "📄 Velkommen til Akut A1" in answer.text
    outsider = await _member(fake_api, ward, 8602, Role.STUDENT)
    await outsider.send("Hvor henter jeg uniform?")
    assert "depotet" not in (await outsider.expect_text("Det ved jeg desværre ikke")).text
    guide.write_text(GUIDE.replace("rum 14", "rum 15"), encoding="utf-8")
    code, out, err = await run_praktikbot(
        ["department", "guide", "akut-a1", str(guide)], env, tmp_path
    )
    assert code == 0, err
    assert "guide replaced for Akut A1" in out
