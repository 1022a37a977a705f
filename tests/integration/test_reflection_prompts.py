"""Issue #5: the prompt tick and the reflection conversation on real SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.kernel.errors import ContainsCpr
from bot.services.reflection.answering import Finished, ReflectionService, Step
from bot.services.reflection.prompt_library import PromptLibrary, default_prompts_dir
from bot.services.reflection.prompting import PromptScheduler, ReflectionConfig
from bot.services.reflection.types import EntryStatus
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.reflection.models import ReflectionRow
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.integration.seed import enrol_student
from tests.support import ManualClock

LIBRARY = PromptLibrary.load(default_prompts_dir())


async def _count(engine: AsyncEngine, table: type) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_one_prompt_per_slot_across_repeated_and_overlapping_ticks(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    clock = ManualClock(datetime(2027, 2, 8, 12, 0, tzinfo=UTC))  # Monday 13:00 local
    await enrol_student(uow_factory, clock, 501)
    outbox = SqlOutboxStore(engine)
    ticks = [
        PromptScheduler(uow_factory, outbox, clock, LIBRARY, ReflectionConfig()) for _ in range(2)
    ]
    assert (await ticks[0].tick()).prompted == 0
    clock.set(datetime(2027, 2, 8, 14, 16, tzinfo=UTC))  # 15:16 local, after the day shift
    reports = await asyncio.gather(ticks[0].tick(), ticks[1].tick())
    assert sum(r.prompted for r in reports) >= 1
    assert (await ticks[0].tick()).prompted == 0
    assert await _count(engine, OutboxRow) == 1
    assert await _count(engine, ReflectionRow) == 1
    async with engine.connect() as conn:
        useful_until = (await conn.execute(select(OutboxRow.useful_until))).scalar_one()
        expires_at = (await conn.execute(select(ReflectionRow.expires_at))).scalar_one()
    assert useful_until == expires_at  # the prompt is skipped, not sent, once the entry closes
    clock.set(datetime(2027, 2, 9, 14, 16, tzinfo=UTC))
    await asyncio.gather(ticks[0].tick(), ticks[1].tick(), ticks[0].tick())
    assert await _count(engine, OutboxRow) == 2
    async with engine.connect() as conn:
        keys = (await conn.execute(select(OutboxRow.dedupe_key))).scalars().all()
    assert sorted(keys)[0].endswith(":2027-02-08")


async def test_a_slot_missed_beyond_the_grace_window_is_skipped(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    clock = ManualClock(datetime(2027, 2, 8, 12, 0, tzinfo=UTC))
    person_id = await enrol_student(uow_factory, clock, 502)
    scheduler = PromptScheduler(
        uow_factory, SqlOutboxStore(engine), clock, LIBRARY, ReflectionConfig()
    )
    clock.set(datetime(2027, 2, 8, 17, 0, tzinfo=UTC))  # 18:00 local: 2 h 45 min late
    report = await scheduler.tick()
    assert (report.prompted, report.skipped) == (0, 1)
    async with uow_factory() as uow:
        schedule = await uow.schedules.get(person_id)
    assert schedule is not None
    assert schedule.next_slot == date(2027, 2, 9)
    clock.set(datetime(2027, 2, 9, 15, 30, tzinfo=UTC))  # 16:30 local: within the grace
    assert (await scheduler.tick()).prompted == 1


async def test_the_conversation_steps_through_the_questions_into_the_logbook(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    clock = ManualClock(datetime(2027, 2, 8, 12, 0, tzinfo=UTC))
    await enrol_student(uow_factory, clock, 503)
    clock.set(datetime(2027, 2, 8, 14, 16, tzinfo=UTC))
    outbox = SqlOutboxStore(engine)
    config = ReflectionConfig()
    await PromptScheduler(uow_factory, outbox, clock, LIBRARY, config).tick()
    reflections = ReflectionService(uow_factory, outbox, clock, LIBRARY, config)
    entry = await reflections.open_entry(503)
    assert entry is not None
    assert entry.status is EntryStatus.PROMPTED
    step = await reflections.begin(503, entry.id)
    assert (step.number, step.total) == (1, 3)
    try:
        await reflections.answer(503, "Patienten 010203-1234 faldt")
    except ContainsCpr:
        pass
    else:
        raise AssertionError("a CPR number was accepted")
    first = await reflections.answer(503, "Jeg gav medicin med min vejleder.")
    assert isinstance(first, Step)
    assert first.number == 2
    await reflections.answer(503, "Jeg lærte at dobbelttjekke.")
    done = await reflections.answer(503, "Næste vagt spørger jeg om feedback.")
    assert isinstance(done, Finished)
    assert done.entry.status is EntryStatus.DONE
    assert [a.key for a in done.entry.answers] == ["what", "so_what", "now_what"]
    assert all("010203" not in a.text for a in done.entry.answers)
    assert await reflections.open_entry(503) is None
    # The next day's prompt follows up on the plan, as its first question.
    clock.set(datetime(2027, 2, 9, 14, 16, tzinfo=UTC))
    await PromptScheduler(uow_factory, outbox, clock, LIBRARY, config).tick()
    nxt = await reflections.open_entry(503)
    assert nxt is not None
    assert nxt.followup_of == done.entry.id
    step = await reflections.begin(503, nxt.id)
    assert "Næste vagt spørger jeg om feedback." in step.question
    assert step.total == 4
