"""End-to-end fixtures: the real Application talks HTTP to the fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings, load_settings
from bot.retrieval.setup import KnowledgeBase, KnowledgeConfig, open_knowledge
from bot.services.identity.access import Actor
from bot.services.identity.domain import Cohort, Profession, Role
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock

ADMIN_ID = 900_001
TOKEN = "123456:TEST-token"


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """Start the fake Bot API server on loopback."""
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture(scope="session")
def shared_knowledge(knowledge_corpus: Path, knowledge_index_dir: Path) -> KnowledgeBase:
    """The session's knowledge base, opened once (Chroma, BM25 and the word vectors): what
    `start_bot` would open from `bot_settings`, which no e2e test changes."""
    return open_knowledge(
        KnowledgeConfig(knowledge_dir=knowledge_corpus, chroma_dir=knowledge_index_dir)
    )


@pytest.fixture
def bot_settings(
    database_url: str,
    fake_api: FakeBotApi,
    tmp_path: Path,
    knowledge_corpus: Path,
    knowledge_index_dir: Path,
) -> Settings:
    """Settings that point the bot at the fake server, the test database and the
    session's knowledge index (real Chroma and e5, ingested once)."""
    return load_settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake_api.base_url,
        database_url=database_url,
        data_dir=tmp_path,
        web_port=0,
        admin_telegram_ids=[ADMIN_ID],
        bot_mode="polling",
        default_language="da",
        timezone="Europe/Copenhagen",
        knowledge_dir=knowledge_corpus,
        chroma_dir=knowledge_index_dir,
        ingest_on_start=False,
        prompts_dir=Path(__file__).resolve().parents[2] / "knowledge" / "prompts",
        broadcast_report_seconds=1.0,
    )


@pytest.fixture
async def bot(
    bot_settings: Settings, clock: ManualClock, shared_knowledge: KnowledgeBase
) -> AsyncIterator[Runtime]:
    """Run the bot (polling) for the duration of a test, on the session's knowledge base."""
    runtime = await start_bot(
        bot_settings, clock=clock, poll_timeout=1, knowledge=shared_knowledge
    )
    yield runtime
    await stop_bot(runtime)


@dataclass
class World:
    """A department with one running cohort and an invite per role."""

    runtime: Runtime
    cohort: Cohort
    codes: dict[Role, str]


async def make_world(runtime: Runtime, name: str = "Sygeplejersker F27") -> World:
    """Create a department, a cohort running on the test clock's date, and invites."""
    cli = Actor.cli()
    coordination = runtime.services.coordination
    departments = await coordination.list_departments()
    if not departments:
        await coordination.create_department(cli, "Medicinsk Afdeling M2", "Region Hovedstaden")
    cohort = await coordination.create_cohort(
        cli,
        name=name,
        department_ref="medicinsk-afdeling-m2",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 6, 30),
    )
    codes = {role: (await coordination.create_invite(cli, cohort.id, role)).code for role in Role}
    return World(runtime, cohort, codes)


@pytest.fixture
async def world(bot: Runtime) -> World:
    """Return the seeded world of the running bot."""
    return await make_world(bot)
