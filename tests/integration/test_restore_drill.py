"""The restore drill of the README ("Backups and restore"), performed on PostgreSQL: data made
through the services, `pg_dump -Fc` into a file, `pg_restore` into a fresh database, and the
bot's services reading it there (and writing on, so the sequences came back too)."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import Profession, Role
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from bot.services.privacy.service import PrivacyService
from bot.services.reflection.logbook import LogbookService
from bot.storage import migrate
from bot.storage.base import Base
from bot.storage.db import create_engine, session_factory
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
pytestmark = pytest.mark.skipif(
    not PG_URL.startswith("postgresql"),
    reason="the restore drill runs on PostgreSQL: set TEST_DATABASE_URL=postgresql+asyncpg://...",
)
CLI = Actor.cli()
STUDENT, SUPERVISOR, LATECOMER = 7001, 7002, 7003
ENTRY = "Jeg lærte at tage imod en patient i akutmodtagelsen."


def _url(database: str) -> URL:
    return make_url(PG_URL).set(database=database)


def _libpq(database: str) -> tuple[list[str], dict[str, str]]:
    """Connection options and environment for the PostgreSQL client programs."""
    url = _url(database)
    options = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432)]
    options += ["-U", url.username or "postgres"]
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return options, environment


def _run(program: str, *arguments: str, database: str) -> None:
    """Run a PostgreSQL client program; it must be on the machine and succeed."""
    executable = shutil.which(program)
    assert executable, f"{program} is not installed (Debian: postgresql-client)"
    options, environment = _libpq(database)
    done = subprocess.run(
        [executable, *options, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{program} failed: {done.stderr}"


async def _admin(sql: str) -> None:
    url = make_url(PG_URL).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture
async def databases() -> AsyncIterator[tuple[str, str]]:
    """A production database (migrated, empty) and the name the restore goes to."""
    suffix = uuid.uuid4().hex[:12]
    source, restored = f"pbdrill_{suffix}", f"test_restore_{suffix}"
    await _admin(f'CREATE DATABASE "{source}"')
    try:
        yield source, restored
    finally:
        for name in (source, restored):
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _engine(database: str) -> AsyncEngine:
    return create_engine(_url(database).render_as_string(hide_password=False))


async def _seed(engine: AsyncEngine, clock: ManualClock) -> tuple[int, int]:
    """A department, a cohort, a linked student and supervisor, a logbook entry and the
    outbox's notices, all through the services; returns (cohort id, student person id)."""
    uow = SqlUnitOfWorkFactory(session_factory(engine))
    coordination = CoordinationService(uow, SqlOutboxStore(engine), clock)
    enrolment = EnrolmentService(uow, clock, default_timezone="Europe/Copenhagen")
    await coordination.create_department(CLI, "Akutmodtagelsen", "Region H", key="akut")
    cohort = await coordination.create_cohort(
        CLI,
        name="Sygepleje F27",
        department_ref="akut",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 6, 30),
    )
    people = []
    for telegram_id, role, name in (
        (STUDENT, Role.STUDENT, "Anna"),
        (SUPERVISOR, Role.SUPERVISOR, "Birte"),
    ):
        code = (await coordination.create_invite(CLI, cohort.id, role)).code
        enrolled = await enrolment.enrol(telegram_id, code, language="da", display_name=name)
        assert isinstance(enrolled, Enrolled)
        people.append(enrolled.person.id)
    await coordination.link(CLI, cohort.id, people[0], people[1])
    await LogbookService(uow, SqlOutboxStore(engine), clock).write(STUDENT, ENTRY, message_id=41)
    return cohort.id, people[0]


async def _counts(engine: AsyncEngine) -> dict[str, int | str]:
    """Rows in every table of the schema, and the migration the database is at."""
    counts: dict[str, int | str] = {}
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(
                await conn.scalar(text(f'SELECT COUNT(*) FROM "{table.name}"')) or 0
            )
        counts["alembic_version"] = str(
            await conn.scalar(text("SELECT version_num FROM alembic_version"))
        )
    return counts


async def test_a_dump_restored_into_a_fresh_database_is_read_by_the_bot(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    source, restored = databases
    clock = ManualClock()
    production = _engine(source)
    try:
        await migrate.upgrade(production)
        cohort_id, student_id = await _seed(production, clock)
        before = await _counts(production)
    finally:
        await production.dispose()
    assert before["person"] == 2
    assert before["outbox"] >= 2  # the link notices, not yet sent

    # The drill, as in the README: dump, a fresh database, restore into it.
    dump = tmp_path / "praktikbot.dump"
    _run("pg_dump", "-Fc", "--no-owner", "-d", source, "-f", str(dump), database=source)
    assert dump.stat().st_size > 0
    _run("createdb", restored, database=source)
    _run("pg_restore", "--no-owner", "--exit-on-error", "-d", restored, str(dump), database=source)

    engine = _engine(restored)
    try:
        await migrate.upgrade(engine)  # at head already: the bot starts on it unchanged
        assert await _counts(engine) == before
        uow = SqlUnitOfWorkFactory(session_factory(engine))
        data = await PrivacyService(uow, clock).export(STUDENT)
        assert data.person.id == student_id
        assert data.person.display_name == "Anna"
        assert [m.cohort.name for m in data.memberships] == ["Sygepleje F27"]
        assert data.supervisors == ["Birte"]
        assert [[a.text for a in r.answers] for r in data.reflections] == [[ENTRY]]
        page = await LogbookService(uow, SqlOutboxStore(engine), clock).page(STUDENT, 0)
        assert page.total == 1
        coordination = CoordinationService(uow, SqlOutboxStore(engine), clock)
        people = await coordination.cohort_people(CLI, cohort_id)
        assert [p.display_name for p in people.students] == ["Anna"]
        assert [p.display_name for p in people.supervisors] == ["Birte"]
        # Writing goes on where it stopped: new rows get new ids (the sequences were restored).
        code = (await coordination.create_invite(CLI, cohort_id, Role.STUDENT)).code
        enrolment = EnrolmentService(uow, clock, default_timezone="Europe/Copenhagen")
        latecomer = await enrolment.enrol(LATECOMER, code, language="da", display_name="Carl")
        assert isinstance(latecomer, Enrolled)
        assert latecomer.person.id > student_id
        assert (await _counts(engine))["person"] == 3
    finally:
        await engine.dispose()
