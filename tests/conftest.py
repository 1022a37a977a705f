"""Shared fixtures: one database per test on SQLite and, when configured, PostgreSQL; and the
tier markers, given to every test by the folder it lives in."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import migrate
from bot.storage.db import create_engine, session_factory
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]

TESTS = Path(__file__).resolve().parent
TIERS = ("unit", "integration", "e2e")
# A unit test runs on fakes; these fixtures mean a real database or the real e5 model.
NOT_UNIT = frozenset(
    {"database_url", "empty_database_url", "engine", "uow_factory", "knowledge_index_dir"}
)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by these markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its tier (unit, integration or e2e), taken from its folder."""
    for item in items:
        tier = item.path.resolve().relative_to(TESTS).parts[0]
        if tier not in TIERS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in tests/{{{','.join(TIERS)}}}/")
        other = {mark.name for mark in item.iter_markers() if mark.name in TIERS} - {tier}
        if other:
            raise pytest.UsageError(f"{item.nodeid}: in tests/{tier}/ but marked {sorted(other)}")
        if tier == "unit" and NOT_UNIT.intersection(item.fixturenames):  # type: ignore[attr-defined]
            raise pytest.UsageError(
                f"{item.nodeid}: a unit test uses a real database or model; "
                "move it to tests/integration/"
            )
        item.add_marker(getattr(pytest.mark, tier))


async def _pg_admin(sql: str) -> None:
    url = make_url(PG_URL).set(drivername="postgresql")
    try:
        conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    except (OSError, asyncpg.PostgresError) as exc:  # configured but down: fail, never skip
        pytest.fail(f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def _outside_the_loop(step: Coroutine[Any, Any, None]) -> None:
    """Run a coroutine to the end on its own loop, in a thread (the tests' loop stays free)."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, step).result()


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Migrate one database per backend once per session; tests get copies of these.

    Copying is much faster than migrating again (PostgreSQL: CREATE DATABASE ... TEMPLATE),
    and the migrations themselves are tested from empty in test_migrations.py."""
    sqlite_file = tmp_path_factory.mktemp("template") / "template.db"
    _outside_the_loop(_migrate(f"sqlite+aiosqlite:///{sqlite_file}"))
    templates = {"sqlite": str(sqlite_file)}
    if PG_URL:
        name = f"pbtpl_{uuid.uuid4().hex[:16]}"
        _outside_the_loop(_pg_admin(f'CREATE DATABASE "{name}"'))
        templates["postgresql"] = name
    try:
        if PG_URL:
            _outside_the_loop(_migrate(_pg_url(templates["postgresql"])))
        yield templates
    finally:
        if PG_URL:
            _outside_the_loop(
                _pg_admin(f'DROP DATABASE IF EXISTS "{templates["postgresql"]}" WITH (FORCE)')
            )


@pytest.fixture(params=BACKENDS)
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Yield the URL of a fresh, empty database of each backend (no tables at all)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    name = f"pbtest_{uuid.uuid4().hex[:16]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: dict[str, str]
) -> AsyncIterator[str]:
    """Yield the URL of a fresh database of each backend, migrated to the newest revision
    and holding no rows: a copy of the session's migrated template, never shared."""
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        template = sqlite3.connect(migrated_templates["sqlite"])
        with closing(template) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)  # a consistent copy, whatever the WAL holds
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = f"pbtest_{uuid.uuid4().hex[:16]}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_templates["postgresql"]}"')
    try:
        yield _pg_url(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Yield an engine on a migrated database."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    """Return the SQL unit-of-work factory."""
    return SqlUnitOfWorkFactory(session_factory(engine))


@pytest.fixture
def clock() -> ManualClock:
    """Return a controllable clock (3 Feb 2027, 08:00 UTC)."""
    return ManualClock()


DEPARTMENT_GUIDE = """---
title: "Velkommen til Testafsnit T1"
publisher: "Testhospitalet"
date: "2026-11-01"
language: da
scope: "dept:testafsnit-t1"
---

# Velkommen til Testafsnit T1

## Første dag
<!-- page: 1 -->

Du møder første dag klokken 07.30 i mødelokale 3 på Testafsnit T1, hvor afdelingssygeplejerske Birte tager imod dig.

## Sygemelding

Ved sygdom ringer du til afsnittets vagttelefon på lokal 55123 senest klokken 06.00.
"""


@pytest.fixture(scope="session")
def knowledge_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small knowledge folder: two real strategy documents and a department guide."""
    root = tmp_path_factory.mktemp("knowledge")
    source = Path(__file__).resolve().parents[1] / "knowledge" / "strategies"
    (root / "strategies").mkdir()
    for name in ("grunduddannelse-kerneopgave.md", "rm-speciallaeger-efteruddannelse.md"):
        (root / "strategies" / name).write_text((source / name).read_text(encoding="utf-8"))
    (root / "onboarding").mkdir()
    (root / "onboarding" / "testafsnit.md").write_text(DEPARTMENT_GUIDE, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def knowledge_index_dir(knowledge_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Chroma index of the small corpus, built once per test session (real e5 model)."""
    from bot.retrieval.setup import KnowledgeConfig, open_knowledge

    folder = tmp_path_factory.mktemp("chroma")
    open_knowledge(KnowledgeConfig(knowledge_dir=knowledge_corpus, chroma_dir=folder)).ingest()
    return folder
