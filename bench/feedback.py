"""Feedback tick benchmark (issue #6): nudges, reminders and expiry among 12,000 students.

One database per --database-url (a SQLite file in a temporary folder by default; a scratch
PostgreSQL database, created and dropped, for a server URL) is seeded by bench.scheduler's `seed` (cohorts,
students, schedules with their shifts, working days, pauses, opt-outs and time zones). The
real `FeedbackTicker` (default FeedbackConfig: two nudges a week, an hour into the shift, on
the spread working days) runs on a fixed clock on Tuesday 9 March 2027, Copenhagen time:

* first tick at 07:59: no nudge rows yet, so `ensure_nudges` inserts one per student and the
  tick computes every student's next nudge in batches of 500 (`due_nudges`, then
  `advance_nudges`); rows/s = nudge rows computed per second.
* busiest tick at 08:00 (day shifts on Tuesday); then the same moment again, which must
  queue nothing; the outbox must hold no repeated dedupe key.
* day ticks every --tick-every minutes from 08:15 to 23:45: "idle" are those where no nudge
  was due (the cost paid every FEEDBACK_TICK_SECONDS), the others (09:00 Faroe, 11:00
  Nuuk, 16:00 evening shifts, ...) are shown apart; the idle p50 is split by query.
* reminders/expiry at 23:55: --requests open requests to 300 supervisors (seeded students)
  with `remind_at` over the past 24 h, and a fifth as many already reminded whose
  `expires_at` passed in the same 24 h; one timed tick, then ticks at the same moment until
  one queues nothing.
* baseline (same run): no stored next moments: load every schedule with its person and
  cohort and run `next_nudge` in Python for each (what is due in the minute up to now), on
  --baseline-ticks moments including 08:00, whose due students must be those the tick queued.

PostgreSQL gets ANALYZE after the seed (in `seed`) and after the first tick (12,000 new
nudge rows; autovacuum would soon do the same). "cpu" is this process's CPU time
(time.process_time); the database server's is not in it. Figures only, no assertion on time.

    .venv/bin/python -m bench.feedback [--students 12000] [--database-url sqlite|URL ...]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import harness
from bench.harness import Timing
from bench.scheduler import DAY, FixedClock, Seeded, local
from bench.scheduler import seed as seed_students
from bot.services.feedback.config import FeedbackConfig
from bot.services.feedback.rules import next_nudge
from bot.services.feedback.tick import BATCH, FeedbackTicker
from bot.storage.db import create_engine, session_factory
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.feedback.models import FeedbackNudgeRow, FeedbackRequestRow
from bot.storage.identity import convert
from bot.storage.identity.models import CohortRow, PersonRow
from bot.storage.reflection.models import ScheduleRow
from bot.storage.reflection.schedules import schedule as to_schedule
from bot.storage.uow import SqlUnitOfWorkFactory

CONFIG = FeedbackConfig()
FIRST, BUSIEST, REMIND = local(7, 59), local(8, 0), local(23, 55)
TICK = timedelta(minutes=1)
SUPERVISORS, DRAIN_MAX = 300, 20
TIMED = ("ensure_nudges", "due_nudges", "advance_nudges", "due_reminders", "due_expiry")
Parts = dict[str, Timing]
ASK = {"status": "open", "verbal": False, "step": 3, "situation": "Stuegang med ny patient"}
ASK |= {"went_well": "Jeg forberedte mig", "improve": "Min overlevering"}


class TimedRepo:
    """The feedback repository with its tick queries timed; everything else passes through."""

    def __init__(self, repo: Any, parts: Parts) -> None:
        self._repo, self._parts = repo, parts

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._repo, name)
        if name not in TIMED:
            return call

        async def timed(*args: Any) -> Any:
            timing = self._parts[name]
            result = await timing.measure(call(*args))
            sized = len(args[0]) if result is None else result
            timing.rows.append(sized if isinstance(sized, int) else len(sized))
            return result

        return timed


class TimedWork:
    """The SQL unit of work with its feedback repository timed."""

    def __init__(self, inner: Any, parts: Parts) -> None:
        self._inner, self._parts = inner, parts

    async def __aenter__(self) -> Any:
        """Open the unit of work and wrap its feedback repository."""
        self._opened = time.perf_counter()
        work = await self._inner.__aenter__()
        work.feedback = TimedRepo(work.feedback, self._parts)
        return work

    async def __aexit__(self, *exc: object) -> None:
        """Close the unit of work; record how long it was open."""
        await self._inner.__aexit__(*exc)
        self._parts["uow"].wall.append((time.perf_counter() - self._opened) * 1000)


async def tick(engine: AsyncEngine, now: datetime, timing: Timing) -> Parts:
    """Run one real feedback tick at `now`; record its time and queued count; return its
    queries' timings (`due_nudges` rows: how many nudges were due)."""
    sql, parts = SqlUnitOfWorkFactory(session_factory(engine)), defaultdict(Timing)
    ticker = FeedbackTicker(
        lambda: TimedWork(sql(), parts),  # type: ignore[arg-type]
        SqlOutboxStore(engine),
        FixedClock(now),
        CONFIG,
    )
    timing.rows.append(await timing.measure(ticker.tick()))
    timing.new.append(sum(parts["due_nudges"].rows))
    return parts


async def outbox_check(engine: AsyncEngine) -> dict[str, Any]:
    """Count the outbox rows, their distinct dedupe keys and the nudges to be rechecked."""
    count, nudges = select(func.count()), OutboxRow.origin == "feedback:nudge"
    async with engine.connect() as conn:
        return {
            "rows": await conn.scalar(count.select_from(OutboxRow)),
            "keys": await conn.scalar(select(func.count(OutboxRow.dedupe_key.distinct()))),
            "recheck": await conn.scalar(count.where(FeedbackNudgeRow.next_date.is_(None))),
            "nudged": set(await conn.scalars(select(OutboxRow.person_id).where(nudges))),
        }


async def naive_due(engine: AsyncEngine, now: datetime) -> tuple[int, set[int]]:
    """Load every schedule with its person and cohort, find the due nudges in Python."""
    stmt = (
        select(ScheduleRow, PersonRow, CohortRow)
        .join(PersonRow, PersonRow.id == ScheduleRow.person_id)
        .outerjoin(CohortRow, CohortRow.id == ScheduleRow.cohort_id)
    )
    async with session_factory(engine)() as session:
        rows = (await session.execute(stmt)).all()
    due = set()
    for s, p, c in rows:
        person, cohort = convert.person(p), convert.cohort(c) if c else None
        if not person.active or cohort is None:
            continue
        period = (cohort.starts_on, cohort.ends_on)
        found = next_nudge(
            to_schedule(s), person.timezone, period, now - TICK, CONFIG.nudges_per_week
        )
        if found and found[0] <= now:
            due.add(person.id)
    return len(rows), due


async def add_requests(engine: AsyncEngine, seeded: Seeded, reminders: int) -> None:
    """Insert open requests: reminders due over the 24 h before REMIND, and a fifth as many
    already reminded that expire in the same 24 h."""
    rng, rows = random.Random(6), []
    students = len(seeded.schedules)
    for n in range(reminders + reminders // 5):
        student = rng.randint(SUPERVISORS + 1, students)
        moment = REMIND - timedelta(minutes=rng.randint(1, 24 * 60))
        reminded = n >= reminders
        sent = moment - (CONFIG.expiry if reminded else CONFIG.reminder)
        rows.append(
            ASK
            | {
                "student_id": student,
                "cohort_id": seeded.schedules[student - 1].cohort_id,
                "supervisor_id": rng.randint(1, SUPERVISORS),
                "created_at": sent,
                "sent_at": sent,
                "remind_at": None if reminded else moment,
                "expires_at": sent + CONFIG.expiry,
            }
        )
    async with engine.begin() as conn:
        await conn.execute(insert(FeedbackRequestRow), rows)


async def measure(engine: AsyncEngine, args: argparse.Namespace) -> dict[str, Any]:
    """Seed, then the first tick, the busiest one twice, a day of ticks, reminders, baseline."""
    seeded = await seed_students(engine, args.students)
    r: dict[str, Any] = {"seeded": seeded, "first": Timing(), "busiest": Timing()}
    r["first_parts"] = await tick(engine, FIRST, r["first"])
    if engine.dialect.name == "postgresql":  # new nudge rows: what autovacuum would do
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    r["busiest_parts"] = await tick(engine, BUSIEST, r["busiest"])
    r["again"] = Timing()
    await tick(engine, BUSIEST, r["again"])
    r["check"] = await outbox_check(engine)
    r["idle"], r["busy"], r["idle_parts"] = Timing(), Timing(), defaultdict(Timing)
    for minute in range(8 * 60 + args.tick_every, 24 * 60, args.tick_every):
        one = Timing()
        parts = await tick(engine, local(minute // 60, minute % 60), one)
        into = r["busy"] if one.new[0] else r["idle"]
        for name in ("wall", "cpu", "rows", "new"):
            getattr(into, name).extend(getattr(one, name))
        for name, part in parts.items():
            if not one.new[0]:
                r["idle_parts"][name].wall.append(sum(part.wall))
    await add_requests(engine, seeded, args.requests)
    r["remind"], r["drain"] = Timing(), Timing()
    r["remind_parts"] = await tick(engine, REMIND, r["remind"])
    while len(r["drain"].rows) < DRAIN_MAX and (not r["drain"].rows or r["drain"].rows[-1]):
        await tick(engine, REMIND, r["drain"])
    r["baseline"], step = Timing(), (15 * 60 + 30) // max(1, args.baseline_ticks - 1)
    for minute in [8 * 60, *range(8 * 60 + 15, 24 * 60, step)][: args.baseline_ticks]:
        now = local(minute // 60, minute % 60)
        loaded, due = await r["baseline"].measure(naive_due(engine, now))
        r["baseline"].rows.append(loaded)
        r["baseline"].new.append(len(due))
        r.setdefault("naive_busiest", due)
    return r


async def run_backend(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Take every measurement on one migrated database."""
    engine = create_engine(url)
    try:
        return await measure(engine, args) | {"backend": harness.backend(url)}
    finally:
        await engine.dispose()


COLUMNS = {  # title: format spec
    "feedback tick": "<40",
    "ticks": ">5",
    "p50 ms": ">8.1f",
    "p95 ms": ">8.1f",
    "max ms": ">8.1f",
    "cpu p50": ">8.1f",
    "queued": ">12",
    "nudges due": ">12",
}


def _row(label: str, t: Timing, queued: bool = True) -> list[object]:
    """Return a table row: how many ticks, their wall-time spread, what they queued and found."""
    rows = f"{statistics.mean(t.rows):,.0f}/{max(t.rows):,}" if queued else "-"
    due = f"{statistics.mean(t.new):,.0f}/{max(t.new):,}" if t.new else "-"
    wall = t.spread()
    return [label, len(t.wall), wall.p50, wall.p95, wall.max, statistics.median(t.cpu), rows, due]


def print_backend(r: dict[str, Any]) -> None:
    """Print one backend's table."""
    seeded, students = r["seeded"], len(r["seeded"].schedules)
    print(
        f"\nbackend: {r['backend']}  ({students:,} students, {len(seeded.cohorts)} cohorts, "
        f"seeded in {seeded.seconds:.1f} s; Tuesday {DAY} Copenhagen time)"
    )
    rows = [
        _row("first tick 07:59 (no nudge rows yet)", r["first"]),
        _row("busiest tick 08:00", r["busiest"]),
        _row("same moment again 08:00", r["again"]),
        _row("idle ticks 08:15-23:45 (nothing due)", r["idle"]),
    ]
    if r["busy"].wall:
        rows.append(_row("other day ticks with nudges due", r["busy"]))
    rows.append(_row("reminders/expiry tick 23:55", r["remind"]))
    rows.append(_row("baseline: load all + next_nudge()", r["baseline"], queued=False))
    harness.print_table(COLUMNS, rows)
    print("queued = messages into the outbox (mean/max); nudges due = rows due_nudges returned")
    first, parts = r["first"], r["first_parts"]
    computed, batches = sum(parts["advance_nudges"].rows), len(parts["due_nudges"].wall)
    print(
        f"first tick: ensure_nudges added {sum(parts['ensure_nudges'].rows):,} rows in "
        f"{sum(parts['ensure_nudges'].wall):.0f} ms; {computed:,} next nudges computed in "
        f"{batches} batches of <= {BATCH}: {first.wall[0] / 1000:.2f} s "
        f"(cpu {first.cpu[0] / 1000:.2f} s), {computed / first.wall[0] * 1000:,.0f} rows/s"
    )
    check, busiest = r["check"], r["busiest"]
    print(
        f"busiest tick: {busiest.rows[0]:,} nudges queued in {busiest.wall[0]:.0f} ms "
        f"({len(r['busiest_parts']['due_nudges'].wall)} due_nudges batches); again: "
        f"{r['again'].rows[0]} queued; outbox rows {check['rows']:,}, distinct dedupe keys "
        f"{check['keys']:,} ({'no duplicates' if check['rows'] == check['keys'] else 'DUPES'});"
        f" due, not queued: inactive; {check['recheck']:,} without a nudge (rechecked daily)"
    )
    idle = r["idle_parts"]
    split = ", ".join(f"{n} {statistics.median(idle[n].wall):.1f}" for n in TIMED if n in idle)
    print(f"idle tick p50 by query (ms): {split}")
    remind, drain, queued, took = (
        r["remind_parts"],
        r["drain"],
        *r["remind"].rows,
        *r["remind"].wall,
    )
    print(
        f"reminders/expiry at 23:55: {sum(remind['due_reminders'].rows):,} reminders and "
        f"{sum(remind['due_expiry'].rows):,} expiries selected, {queued:,} queued in "
        f"{took:.0f} ms ({queued / took * 1000:,.0f} msg/s); longest unit of work "
        f"{max(remind['uow'].wall):.0f} ms (SQLite's write lock is held from its first write)"
    )
    print(
        f"then {len(drain.wall)} more ticks at 23:55 queued {sum(drain.rows):,} "
        f"({', '.join(f'{n:,}' for n in drain.rows)}) in {sum(drain.wall):.0f} ms"
    )
    ratio = harness.factor(r["baseline"].spread().p50, r["idle"].spread().p50)
    same = r["naive_busiest"] == check["nudged"]
    print(
        f"baseline p50 / idle tick p50: {ratio}; baseline's due at 08:00 "
        f"({len(r['naive_busiest']):,}) are the students the tick nudged: "
        f"{'yes' if same else 'NO'}; peak RSS so far {harness.peak_rss_mb():.0f} MB"
    )


def print_summary(r: dict[str, Any]) -> None:
    """Print one backend's headline figures."""
    first, idle, base = r["first"], r["idle"].spread(), r["baseline"].spread()
    print(
        f"summary {r['backend']}: first tick {first.wall[0] / 1000:.1f} s; busiest "
        f"{r['busiest'].rows[0]:,} nudges in {r['busiest'].wall[0]:.0f} ms; idle tick p50 "
        f"{idle.p50:.1f} ms p95 {idle.p95:.1f} ms vs baseline p50 "
        f"{base.p50:.0f} ms; reminders tick {r['remind'].wall[0]:.0f} ms"
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
    parser.add_argument("--tick-every", type=int, default=15, help="minutes between day ticks")
    parser.add_argument("--requests", type=int, default=1_500, help="reminders due at 23:55")
    parser.add_argument("--baseline-ticks", type=int, default=5)
    asyncio.run(main(harness.parse(parser)))
