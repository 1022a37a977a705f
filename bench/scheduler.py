"""Prompt tick benchmark (issue #5 point 7): selecting who is due among 12,000 students.

One database per --database-url (a SQLite file in a temporary folder by default; a scratch
PostgreSQL database, created and dropped, for a server URL) is seeded with bulk inserts: ~40 cohorts over the
year, students with a realistic spread of shifts, fixed times, working days, pauses, opt-outs
and time zones. Each `next_at` is computed with the real rule (`default_schedule`,
QUIET_FOR_SHIFT, `next_slot`) from 05:59 Copenhagen time on Tuesday 9 March 2027, as the
service would have saved it. Then, on that day:

* indexed: `SqlScheduleRepo.due(now, 500)` in a unit of work, every --tick-every minutes from
  06:00 to 23:55, read-only (nothing advances, so each call selects the whole backlog, at most
  500: an upper bound on a real tick). "due" is how many a one-minute tick really finds.
* baseline (same run): no precomputed `next_at`: load every schedule with its person and
  cohort and run `next_slot` in Python for each, on --baseline-ticks of those ticks.
* all due at 15:15 (day shifts end; the busiest minute): the schedules are moved on to where
  the ticks up to 15:14 would have left them, then one read-only pass with no limit (x5).
* full tick at 15:15: a real PromptScheduler creates the entries and outbox messages (its
  due() batches timed); a second tick at the same moment must queue nothing.

PostgreSQL gets ANALYZE after the bulk load (autovacuum would soon run it; before it, the
planner hash-joins all of `person` and sorts, ~11 ms instead of ~1.4 ms per batch).

"cpu" is this process's CPU time (time.process_time); the database server's is not in it.

    .venv/bin/python -m bench.scheduler [--students 12000] [--database-url sqlite|URL ...]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import dataclasses
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import harness
from bench.harness import Timing
from bot.services.identity.domain import Cohort, Profession
from bot.services.reflection.prompt_library import PromptLibrary, default_prompts_dir
from bot.services.reflection.prompting import PromptScheduler, ReflectionConfig, TickReport
from bot.services.reflection.schedule_rules import next_slot
from bot.services.reflection.schedules import QUIET_FOR_SHIFT, default_schedule
from bot.services.reflection.types import MONDAY_TO_FRIDAY, PromptMode, Schedule, Shift
from bot.storage.db import create_engine, session_factory
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.identity import convert
from bot.storage.identity.models import (
    CohortRow,
    DepartmentRow,
    MembershipRow,
    OrganisationRow,
    PersonRow,
)
from bot.storage.reflection.models import ReflectionRow, ScheduleRow
from bot.storage.reflection.schedules import schedule as to_schedule
from bot.storage.uow import SqlUnitOfWorkFactory

ZONE = ZoneInfo("Europe/Copenhagen")
DAY = date(2027, 3, 9)  # a Tuesday, before the switch to summer time
TICK = timedelta(minutes=1)
BATCH = 500
TARGET_MS = 200.0
PASSES = 5
COHORTS, DEPARTMENTS = 40, 8
PROFESSIONS = [Profession.NURSING] * 4 + [
    Profession.SOSU_ASSISTANT,
    Profession.MEDICINE,
    Profession.PHYSIOTHERAPY,
    Profession.OCCUPATIONAL_THERAPY,
    Profession.MIDWIFERY,
    Profession.RADIOGRAPHY,
]
TIMEZONES = {"Europe/Copenhagen": 94, "Atlantic/Faroe": 4, "America/Nuuk": 2}
DAY_PATTERNS = {  # working-day masks (Monday = bit 0) and how common they are
    MONDAY_TO_FRIDAY: 72,
    0b1110001: 6,  # Friday to Monday: weekends
    0b1111100: 6,  # Wednesday to Sunday
    0b1111111: 4,  # every day
    -1: 12,  # four random days: rotating
}


def local(hour: int, minute: int) -> datetime:
    """Return a Copenhagen wall-clock time on the benchmark day as a UTC moment."""
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=ZONE).astimezone(UTC)


SEEDED_AT, BUSIEST = local(5, 59), local(15, 15)


@dataclass(slots=True)
class Seeded:
    """What was inserted, as the service sees it."""

    cohorts: dict[int, Cohort]
    timezones: list[str]
    schedules: list[Schedule]
    seconds: float = 0.0

    def slot_times(self) -> list[datetime]:
        """Return every seeded next_at, sorted."""
        return sorted(s.next_at for s in self.schedules if s.next_at is not None)

    def recompute(self, item: Schedule, after: datetime) -> tuple[datetime, date] | None:
        """Return the next slot of a schedule after a moment, with the real rule."""
        cohort = self.cohorts.get(item.cohort_id or 0)
        period = (cohort.starts_on, cohort.ends_on) if cohort else None
        return next_slot(item, self.timezones[item.person_id - 1], period, after)


def make_cohorts(rng: random.Random) -> list[Cohort]:
    """Return cohorts over the year: most running on the day, some to come, a few ended."""
    cohorts = []
    for n in range(1, COHORTS + 1):
        if n <= 34:
            starts = DAY - timedelta(days=rng.randint(0, 100))
            ends = DAY + timedelta(days=rng.randint(7, 120))
        elif n <= 38:
            starts = DAY + timedelta(days=rng.randint(20, 220))
            ends = starts + timedelta(weeks=rng.randint(8, 20))
        else:
            ends = DAY - timedelta(days=rng.randint(1, 40))
            starts = ends - timedelta(weeks=rng.randint(8, 20))
        shift = rng.choices(list(Shift), weights=(60, 25, 15))[0]
        cohorts.append(
            Cohort(
                id=n,
                department_id=n % DEPARTMENTS + 1,
                name=f"Hold {n:02d}",
                profession=PROFESSIONS[n % len(PROFESSIONS)],
                starts_on=starts,
                ends_on=ends,
                prompt_shift=shift.value,
                prompt_minutes=rng.choice([None, None, None, 14 * 60]),
            )
        )
    return cohorts


def make_schedule(rng: random.Random, person_id: int, cohort: Cohort) -> Schedule:
    """Return a student's schedule: the cohort's defaults, then the student's own choices."""
    shift = rng.choices(list(Shift), weights=(60, 25, 15))[0]
    quiet_start, quiet_end = QUIET_FOR_SHIFT[shift]
    days = rng.choices(list(DAY_PATTERNS), weights=list(DAY_PATTERNS.values()))[0]
    if days < 0:
        days = sum(1 << d for d in rng.sample(range(7), 4))
    fixed, roll, base = rng.random() < 0.30, rng.random(), default_schedule(person_id, cohort)
    return dataclasses.replace(
        base,
        mode=PromptMode.TIME if fixed else PromptMode.SHIFT,
        at_minutes=12 * 60 + 30 * rng.randint(0, 20) if fixed else base.at_minutes,
        shift=shift,
        days=days,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        paused_until=DAY + timedelta(days=rng.randint(1, 28)) if roll < 0.08 else None,
        enabled=not 0.08 <= roll < 0.11,
    )


def people_rows(rng: random.Random, students: int) -> tuple[list[dict], list[str]]:
    """Return person rows (about 1 % inactive: the bot was blocked) and their time zones."""
    zones = rng.choices(list(TIMEZONES), weights=list(TIMEZONES.values()), k=students)
    consent = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [
        {
            "id": n,
            "telegram_id": 7_000_000_000 + n,
            "display_name": f"Studerende {n}",
            "language": "da" if rng.random() < 0.9 else "en",
            "timezone": zones[n - 1],
            "consent_at": consent,
            "active": rng.random() >= 0.01,
        }
        for n in range(1, students + 1)
    ]
    return rows, zones


def schedule_row(item: Schedule) -> dict[str, Any]:
    """Return the column values of a schedule."""
    values = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
    return {**values, "mode": item.mode.value, "shift": item.shift.value}


async def seed(engine: AsyncEngine, students: int) -> Seeded:
    """Insert organisations, departments, cohorts, students and their schedules in bulk."""
    started, rng = time.perf_counter(), random.Random(2027)
    cohorts = make_cohorts(rng)
    people, zones = people_rows(rng, students)
    seeded = Seeded({c.id: c for c in cohorts}, zones, [])
    for n in range(1, students + 1):
        item = make_schedule(rng, n, rng.choice(cohorts))
        found = seeded.recompute(item, SEEDED_AT)
        at, day = found if found else (None, None)
        seeded.schedules.append(dataclasses.replace(item, next_at=at, next_slot=day))
    tables: list[tuple[Any, list[dict]]] = [
        (OrganisationRow, [{"id": n, "name": f"Region {n}"} for n in (1, 2, 3)]),
        (DepartmentRow, [_department(n) for n in range(1, DEPARTMENTS + 1)]),
        (CohortRow, [_cohort_row(c) for c in cohorts]),
        (PersonRow, people),
        (MembershipRow, [_membership(s) for s in seeded.schedules]),
        (ScheduleRow, [schedule_row(s) for s in seeded.schedules]),
    ]
    async with engine.begin() as conn:
        for table, rows in tables:
            await conn.execute(insert(table), rows)
    if engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
    seeded.seconds = time.perf_counter() - started
    return seeded


def _department(n: int) -> dict[str, Any]:
    return {"id": n, "organisation_id": n % 3 + 1, "name": f"Afsnit {n}", "key": f"afs{n}"}


def _cohort_row(cohort: Cohort) -> dict[str, Any]:
    values = {f.name: getattr(cohort, f.name) for f in dataclasses.fields(cohort)}
    values["welcome_text"] = values.pop("welcome")
    return {**values, "profession": cohort.profession.value}


def _membership(item: Schedule) -> dict[str, Any]:
    return {"person_id": item.person_id, "cohort_id": item.cohort_id, "role": "student"}


async def select_due(uow: SqlUnitOfWorkFactory, now: datetime, limit: int) -> int:
    """Select due students as the tick does, in its own unit of work; return how many."""
    async with uow() as work:
        return len(await work.schedules.due(now, limit))


async def naive_due(engine: AsyncEngine, now: datetime) -> tuple[int, set[int]]:
    """Load every schedule with its person and cohort, find the due ones in Python."""
    stmt = (
        select(ScheduleRow, PersonRow, CohortRow)
        .join(PersonRow, PersonRow.id == ScheduleRow.person_id)
        .outerjoin(CohortRow, CohortRow.id == ScheduleRow.cohort_id)
    )
    async with session_factory(engine)() as session:
        rows = (await session.execute(stmt)).all()
    due = set()
    for s, p, c in rows:
        item, person = to_schedule(s), convert.person(p)
        cohort = convert.cohort(c) if c else None
        period = (cohort.starts_on, cohort.ends_on) if cohort else None
        found = next_slot(item, person.timezone, period, now - TICK)
        if found and found[0] <= now:
            due.add(person.id)
    return len(rows), due


def new_due(slots: list[datetime], now: datetime) -> int:
    """Return how many slots fall in the minute up to now (what a one-minute tick finds)."""
    return bisect.bisect_right(slots, now) - bisect.bisect_right(slots, now - TICK)


async def day_ticks(engine: AsyncEngine, seeded: Seeded, every: int) -> Timing:
    """Time due(now, 500) on ticks across the day, read-only."""
    uow, slots, timing = _uow(engine), seeded.slot_times(), Timing()
    await select_due(uow, local(6, 0), BATCH)  # warm the pool and the statement cache
    for minute in range(6 * 60, 24 * 60, every):
        now = local(minute // 60, minute % 60)
        timing.rows.append(await timing.measure(select_due(uow, now, BATCH)))
        timing.new.append(new_due(slots, now))
    return timing


async def baseline_ticks(engine: AsyncEngine, seeded: Seeded, count: int) -> tuple[Timing, bool]:
    """Time the naive design on a few ticks; check it finds the same students due."""
    timing, agree = Timing(), True
    moments = [local(6, 0) + (local(23, 55) - local(6, 0)) * i / (count - 1) for i in range(count)]
    moments = sorted({m.replace(second=0, microsecond=0) for m in moments} | {BUSIEST})
    for now in moments:
        loaded, due = await timing.measure(naive_due(engine, now))
        expected = {
            s.person_id for s in seeded.schedules if s.next_at and now - TICK < s.next_at <= now
        }
        agree = agree and due == expected
        timing.rows.append(loaded)
        timing.new.append(len(due))
    return timing, agree


async def fast_forward(engine: AsyncEngine, seeded: Seeded, after: datetime) -> int:
    """Move every slot up to `after` on, where the ticks until then would have left it."""
    rows = []
    for item in seeded.schedules:
        if item.next_at is not None and item.next_at <= after:
            at, day = seeded.recompute(item, after) or (None, None)
            rows.append({"pid": item.person_id, "at": at, "day": day})
    stmt = (
        update(ScheduleRow)
        .where(ScheduleRow.person_id == bindparam("pid"))
        .values(next_at=bindparam("at"), next_slot=bindparam("day"))
    )
    async with engine.begin() as conn:
        await conn.execute(stmt, rows)
    return len(rows)


class TimedDue:
    """A schedule repository whose due() calls are timed; everything else passes through."""

    def __init__(self, repo: Any, timing: Timing) -> None:
        self._repo, self._timing = repo, timing

    async def due(self, now: datetime, limit: int) -> Any:
        """Select due students, timed."""
        found = await self._timing.measure(self._repo.due(now, limit))
        self._timing.rows.append(len(found))
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repo, name)


class TimedUnitOfWork:
    """The SQL unit of work with its due() selections timed."""

    def __init__(self, inner: Any, timing: Timing) -> None:
        self._inner, self._timing = inner, timing

    async def __aenter__(self) -> Any:
        """Open the unit of work and wrap its schedule repository."""
        work = await self._inner.__aenter__()
        work.schedules = TimedDue(work.schedules, self._timing)
        return work

    async def __aexit__(self, *exc: object) -> None:
        """Close the unit of work."""
        await self._inner.__aexit__(*exc)


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock stopped at one moment."""

    moment: datetime

    def now(self) -> datetime:
        """Return the moment."""
        return self.moment


def make_scheduler(engine: AsyncEngine, library: PromptLibrary, timing: Timing) -> PromptScheduler:
    """Return the real prompt tick, stopped at the busiest moment, its selections timed."""
    sql = _uow(engine)
    return PromptScheduler(
        lambda: TimedUnitOfWork(sql(), timing),  # type: ignore[arg-type]
        SqlOutboxStore(engine),
        FixedClock(BUSIEST),
        library,
        ReflectionConfig(),
    )


async def full_tick(engine: AsyncEngine) -> dict[str, Any]:
    """Run a real tick at the busiest moment, then again; count what reached the outbox."""
    library, selected = PromptLibrary.load(default_prompts_dir()), Timing()
    with harness.stopwatch() as lap:
        first: TickReport = await make_scheduler(engine, library, selected).tick()
    second = await make_scheduler(engine, library, Timing()).tick()
    async with engine.connect() as conn:
        outbox, keys, entries = (
            await conn.execute(
                select(
                    select(func.count()).select_from(OutboxRow).scalar_subquery(),
                    select(func.count(OutboxRow.dedupe_key.distinct())).scalar_subquery(),
                    select(func.count()).select_from(ReflectionRow).scalar_subquery(),
                )
            )
        ).one()
    return {
        "first": first,
        "second": second,
        "selected": selected,
        "elapsed": lap.wall,
        "cpu": lap.cpu,
        "outbox": outbox,
        "keys": keys,
        "entries": entries,
    }


async def run_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Seed one migrated database and take every measurement on it."""
    engine = create_engine(url)
    try:
        return await measure(engine, args) | {"backend": harness.backend(url)}
    finally:
        await engine.dispose()


async def measure(engine: AsyncEngine, args: argparse.Namespace) -> dict[str, Any]:
    """Seed, time the day's ticks and the baseline, then the busiest tick for real."""
    seeded = await seed(engine, args.students)
    indexed = await day_ticks(engine, seeded, args.tick_every)
    backlog = await one_pass(engine, local(23, 55), [])
    baseline, agree = await baseline_ticks(engine, seeded, args.baseline_ticks)
    moved = await fast_forward(engine, seeded, BUSIEST - TICK)
    busiest = await one_pass(engine, BUSIEST, [new_due(seeded.slot_times(), BUSIEST)])
    return {
        "seeded": seeded,
        "indexed": indexed,
        "backlog": backlog,
        "baseline": baseline,
        "agree": agree,
        "moved": moved,
        "busiest": busiest,
        "tick": await full_tick(engine),
    }


async def one_pass(engine: AsyncEngine, now: datetime, new: list[int]) -> Timing:
    """Time selecting everyone due at a moment in one call (no limit), a few times."""
    timing = Timing(new=new * PASSES)
    for _ in range(PASSES):
        timing.rows.append(await timing.measure(select_due(_uow(engine), now, 10**6)))
    return timing


def _uow(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(session_factory(engine))


def print_backend(r: dict[str, Any]) -> None:
    """Print one backend's table."""
    seeded, students = r["seeded"], len(r["seeded"].schedules)
    print(
        f"\nbackend: {r['backend']}  ({students:,} students, {len(seeded.cohorts)} cohorts, "
        f"seeded in {seeded.seconds:.1f} s; day {DAY} Copenhagen time)"
    )
    harness.print_table(
        COLUMNS,
        [
            _row("indexed: due(now, 500), read-only", r["indexed"]),
            _row("baseline: load all + next_slot()", r["baseline"]),
            _row("indexed: all due at 15:15, one pass", r["busiest"]),
            _row("indexed: backlog 06:00-23:55, one pass", r["backlog"]),
            _row("real tick at 15:15: its due() batches", r["tick"]["selected"]),
        ],
    )
    speedup = harness.factor(r["baseline"].spread().p50, r["indexed"].spread().p50)
    print(
        "rows = rows returned (read-only, so the backlog, at most 500 per call); "
        "due = slots in that minute (what a real tick finds)"
    )
    print(
        f"speed-up of indexed over baseline (p50): {speedup}; baseline finds the same "
        f"students due: {'yes' if r['agree'] else 'NO'}"
    )
    _print_tick(r["tick"], r["moved"])


COLUMNS = {  # title: format spec
    "selection per tick": "<40",
    "ticks": ">5",
    "p50 ms": ">8.1f",
    "p95 ms": ">8.1f",
    "max ms": ">8.1f",
    "cpu p50": ">8.1f",
    "rows mean/max": ">14",
    "due mean/max": ">13",
}


def _row(label: str, t: Timing) -> list[object]:
    """Return a table row: how many calls, their wall-time spread, and the counts they saw."""
    rows = f"{statistics.mean(t.rows):,.0f}/{max(t.rows):,}"
    due = f"{statistics.mean(t.new):,.0f}/{max(t.new):,}" if t.new else "-"
    wall = t.spread()
    return [label, len(t.wall), wall.p50, wall.p95, wall.max, statistics.median(t.cpu), rows, due]


def _print_tick(tick: dict[str, Any], moved: int) -> None:
    first, second = tick["first"], tick["second"]
    print(
        f"full tick at 15:15 ({moved:,} schedules first moved on to 15:14): "
        f"{first.prompted:,} queued, {first.skipped} skipped, batches {first.batches}, "
        f"{tick['elapsed']:.2f} s (cpu {tick['cpu']:.2f} s), "
        f"{first.prompted / tick['elapsed']:,.0f} prompts/s"
    )
    print(
        f"second tick at 15:15: {second.prompted} queued; outbox rows {tick['outbox']:,}, "
        f"distinct dedupe keys {tick['keys']:,}, entries {tick['entries']:,}"
    )
    print(f"peak RSS so far {harness.peak_rss_mb():.0f} MB")


def print_summary(r: dict[str, Any]) -> None:
    """Print one backend's figures against the target: a day's ticks, and the busiest one."""
    day, busiest = r["indexed"].spread(), r["tick"]["selected"]
    peak, peak_cpu = sum(busiest.wall), sum(busiest.cpu)
    verdict = "met" if max(day.p95, peak) <= TARGET_MS else "NOT met"
    print(
        f"summary {r['backend']}: selection per tick p95 {day.p95:.0f} ms "
        f"(max {day.max:.0f}); busiest tick selects all {sum(busiest.rows):,} due in "
        f"{len(busiest.wall)} batches, {peak:.0f} ms (cpu {peak_cpu:.0f} ms); "
        f"target <= {TARGET_MS:.0f} ms per tick: {verdict}"
    )


async def main(args: argparse.Namespace) -> None:
    """Run the benchmark on each database, print its table, then every summary."""
    results = []
    for target in args.database_url:
        async with harness.scratch_database(target) as db:
            results.append(await run_backend(db.url, args))
        print_backend(results[-1])
    print()
    for r in results:
        print_summary(r)


if __name__ == "__main__":
    parser = harness.parser(__doc__, databases=True)
    parser.add_argument("--students", type=int, default=12_000)
    parser.add_argument("--tick-every", type=int, default=5, help="minutes between timed ticks")
    parser.add_argument("--baseline-ticks", type=int, default=10)
    asyncio.run(main(harness.parse(parser)))
