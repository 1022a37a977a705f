"""Telegram away for ten simulated minutes during a broadcast and a prompt tick (issue #14).

Two scenarios in one run, each on a fresh database and a fresh fake Bot API server with
Telegram's limits enforced (429 above 30 sends/s or ~1/s per chat):

* baseline: a broadcast to --n private chats is queued, the real prompt tick queues one
  reflection prompt for each of --students enrolled students, and the outbox dispatcher
  (bot.outbox_runner.start_dispatcher, as `praktikbot dispatch` composes it, at the default
  OUTBOX_RATE=29) sends everything;
* outage: the same, but --outage-after seconds into sending the fake refuses connections
  (the port closes, open connections are cut) for --outage-minutes simulated minutes
  (default 10), then comes back.

Time: the dispatcher's clock (what its circuit breaker, retry backoff and useful-until
deadlines read) is a manual clock that a driver moves --speed simulated seconds per real
second (default 30: ten minutes in 20 s); Telegram's pacing runs in real time (the fake's
limits are real-time constants). "drain s" is real seconds from the end of the outage until
every row is settled; "total s" the real seconds from the first send to the last outcome.

Printed per scenario: messages delivered, recipients who got nothing (lost), extra copies
(dup), rows skipped and failed, the most attempts any row spent, sends tried while Telegram
was away, how often the breaker opened, 429s. The prompts are useful until their entry
expires (REFLECTION_EXPIRY_HOURS, 12 h) so an outage of minutes skips none;
--prompt-expiry-minutes 5 shows prompts whose entry closed during the outage skipped (the
prompts go first, in about 7 s real or 3.5 simulated minutes, so the baseline skips none).

    .venv/bin/python -m bench.outage [--n 1200] [--students 200] [--outage-minutes 10]
        [--outage-after 5] [--speed 30] [--prompt-expiry-minutes 720]
        [--database-url sqlite|postgresql+asyncpg://user@host/db]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench import harness
from bot.config import load_settings
from bot.outbox_runner import start_dispatcher
from bot.services.delivery.outbox import OutboxStatus
from bot.services.reflection.prompt_library import PromptLibrary, default_prompts_dir
from bot.services.reflection.prompting import PromptScheduler, ReflectionConfig
from bot.storage.db import create_engine, session_factory
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.fakebotapi import FakeBotApi
from tests.integration.seed import enrol_student
from tests.outbox_support import delivery, fill_outbox, private_chats
from tests.support import ManualClock

TOKEN = "123456:BENCH"
ENROLLED = datetime(2027, 2, 8, 12, 0, tzinfo=UTC)  # Monday 13:00 in Copenhagen
TICK = datetime(2027, 2, 8, 14, 16, tzinfo=UTC)  # after the day shift: prompts are due
FIRST_STUDENT = 8_000_001


async def _drive(clock: ManualClock, speed: float, stop: asyncio.Event) -> None:
    """Move the manual clock `speed` simulated seconds per real second until stopped."""
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.02)
        now = time.perf_counter()
        clock.advance(seconds=(now - last) * speed)
        last = now


async def _statuses(engine: AsyncEngine) -> Counter[str]:
    query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
    async with engine.connect() as conn:
        return Counter({status: n for status, n in (await conn.execute(query)).all()})


async def _max_attempts(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.max(OutboxRow.attempts)))).scalar_one() or 0)


async def _queue_prompts(
    engine: AsyncEngine, clock: ManualClock, students: int, expiry: timedelta
) -> list[int]:
    """Enrol the students, then run the real prompt tick; return their chat ids."""
    uow = SqlUnitOfWorkFactory(session_factory(engine))
    clock.set(ENROLLED)
    chats = [FIRST_STUDENT + i for i in range(students)]
    for chat in chats:
        await enrol_student(uow, clock, chat)
    clock.set(TICK)
    library = PromptLibrary.load(default_prompts_dir())
    config = ReflectionConfig(expiry=expiry)
    report = await PromptScheduler(uow, SqlOutboxStore(engine), clock, library, config).tick()
    assert report.prompted == students, report
    return chats


async def run_scenario(
    name: str, args: argparse.Namespace, database_url: str, data_dir: Path
) -> dict[str, Any]:
    """Queue the broadcast and the prompts, send them (with or without the outage), and
    return what the recipients got."""
    outage = name == "outage"
    clock = ManualClock()
    fake = FakeBotApi(enforce_limits=True)
    await fake.start()
    engine = create_engine(database_url)
    stop_driving = asyncio.Event()
    try:
        students = await _queue_prompts(
            engine, clock, args.students, timedelta(minutes=args.prompt_expiry_minutes)
        )
        recipients = private_chats(args.n)
        await fill_outbox(engine, recipients, "broadcast")
        async with engine.begin() as conn:  # due with the prompts, queued after them
            await conn.execute(update(OutboxRow).values(not_before=clock.now()))
        everyone = [*recipients, *students]
        for chat in everyone:
            fake.add_chat(chat, chat_type="private")
        settings = load_settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            telegram_api_base_url=fake.base_url,
            database_url=database_url,
            data_dir=data_dir,
        )
        driver = asyncio.create_task(_drive(clock, args.speed, stop_driving))
        started = time.perf_counter()
        runner = await start_dispatcher(settings, engine, clock)
        stats = runner.dispatcher.stats
        tried_down, down_for = 0, 0.0
        drain_from = started
        if outage:
            await asyncio.sleep(args.outage_after)
            before = sum(stats.outcomes.values())
            await fake.go_down()
            went_down = clock.now()
            await asyncio.sleep(args.outage_minutes * 60 / args.speed)  # the driver's pace
            await fake.come_up()
            down_for = (clock.now() - went_down).total_seconds() / 60
            tried_down = sum(stats.outcomes.values()) - before
            drain_from = time.perf_counter()
        while True:
            counts = await _statuses(engine)
            if not counts[OutboxStatus.PENDING] and not counts[OutboxStatus.SENDING]:
                break
            await asyncio.sleep(0.1)
        finished = time.perf_counter()
        opened = runner.dispatcher.breaker.opened
        await runner.stop()
        stop_driving.set()
        await driver
        attempts = await _max_attempts(engine)
    finally:
        stop_driving.set()
        await engine.dispose()
        with contextlib.suppress(Exception):
            await fake.stop()
    per_chat = {chat: len(fake.messages(chat)) for chat in everyone}
    broadcast = delivery(per_chat, recipients)
    prompts = delivery(per_chat, students)
    return {
        "scenario": name,
        "messages": len(everyone),
        "delivered": broadcast.received + prompts.received,
        "lost": broadcast.lost + prompts.lost - counts[OutboxStatus.SKIPPED],
        "dup": broadcast.duplicates + prompts.duplicates,
        "skipped": counts[OutboxStatus.SKIPPED],
        "failed": counts[OutboxStatus.FAILED],
        "attempts": attempts,
        "tried down": tried_down,
        "opened": opened,
        "429": fake.count_429,
        "total s": finished - started,
        "drain s": finished - drain_from if outage else float("nan"),
        "down min": down_for,
    }


# fmt: off
COLUMNS = {
    "scenario": "<9", "messages": ">8", "delivered": ">9", "lost": ">4", "dup": ">4",
    "skipped": ">7", "failed": ">6", "attempts": ">8", "tried down": ">10", "opened": ">6",
    "429": ">4", "total s": ">8.1f", "drain s": ">7.1f",
}
# fmt: on


def print_table(rows: list[dict[str, Any]], backend: str, args: argparse.Namespace) -> None:
    """Print both scenarios and the outage's cost against the baseline."""
    print(f"\nbackend: {backend}")
    harness.print_table(COLUMNS, [[r[c] for c in COLUMNS] for r in rows])
    print(
        "lost = recipients who got nothing and were not skipped; attempts = the most any row "
        "spent; tried down = sends tried while Telegram was away; opened = times the "
        "circuit breaker opened"
    )
    base, hit = rows
    extra = hit["total s"] - base["total s"]
    sim = args.outage_minutes * 60 / args.speed
    print(
        f"outage of {hit['down min']:.1f} simulated min ({sim:.0f} s real): "
        f"{hit['lost']} lost, {hit['dup']} duplicates, {hit['failed']} failed, "
        f"{hit['skipped']} skipped; done {extra:.1f} s later than the baseline "
        f"(the outage itself {sim:.0f} s), drained {hit['drain s']:.1f} s after it ended"
    )


async def main(args: argparse.Namespace) -> None:
    """Run the baseline and the outage on each database and print the table."""
    for target in args.database_url:
        rows = []
        for name in ("baseline", "outage"):
            async with harness.scratch_database(target) as db:
                print(f"running {name} on {db.backend}...", flush=True)
                rows.append(await run_scenario(name, args, db.url, db.folder))
        print_table(rows, db.backend, args)


if __name__ == "__main__":
    parser = harness.parser(__doc__, databases=True)
    parser.add_argument("--n", type=int, default=1_200, help="broadcast recipients")
    parser.add_argument("--students", type=int, default=200, help="students prompted")
    parser.add_argument("--outage-minutes", type=float, default=10.0, help="simulated")
    parser.add_argument("--outage-after", type=float, default=5.0, help="real seconds")
    parser.add_argument("--speed", type=float, default=30.0, help="simulated s per real s")
    parser.add_argument("--prompt-expiry-minutes", type=float, default=720.0)
    asyncio.run(main(harness.parse(parser)))
