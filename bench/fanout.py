"""Fan-out of one broadcast through the outbox dispatcher to the fake Bot API server (issue #4).

Two scenarios in one run, each on a fresh outbox, one message per distinct private chat:

* paced: Telegram's real limits, enforced by the fake (FakeBotApi(enforce_limits=True):
  429 for more than 30 sends/s overall or more than ~1/s per chat) and the dispatcher at
  its production settings (OUTBOX_RATE=30, OUTBOX_CHAT_INTERVAL=1). Nothing is scaled: the
  fake's limits are fixed constants, so rather than speed time up this run uses fewer
  recipients (--paced-n, default 1,200, about 40 s) at the true 30 msg/s; 12,000 would take
  the same per-message pace for 400 s. Reported against the theoretical minimum N / 30.
* unlimited: --n recipients (default 12,000), limits recorded but not enforced
  (enforce_limits=False), OUTBOX_RATE=10000 (the setting's maximum; the dispatcher's own
  cost is what is measured) and OUTBOX_CHAT_INTERVAL=0.

The dispatcher runs in this process through bot.outbox_runner.start_dispatcher, exactly as
`praktikbot dispatch` composes it. The fake server runs in its own process by default
(multiprocessing, spawn) so its CPU does not compete with the dispatcher; --fake inline runs
it on the dispatcher's event loop instead, --fake both runs the unlimited scenario both ways.
The database is a SQLite file in a temporary folder, or with --database-url a scratch
database created (and dropped) on that PostgreSQL server. "cpu" columns are CPU seconds of
the dispatcher process and of the fake's process during the scenario.

    .venv/bin/python bench/fanout.py [--n 12000] [--paced-n 1200] [--paced-rates 30,25]
        [--fake process|inline|both] [--database-url postgresql+asyncpg://user@host/db]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy.engine import make_url

from bot.config import load_settings
from bot.outbox_runner import start_dispatcher
from bot.services.outbox_types import OutboxStatus
from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.outbox import SqlOutboxStore
from tests.fakebotapi import FakeBotApi
from tests.outbox_support import delivery, fill_outbox, private_chats, wait_settled

TOKEN = "123456:BENCH"
MAX_RATE = 10_000.0  # Settings.outbox_rate allows at most this


@dataclass(frozen=True, slots=True)
class Scenario:
    """One fan-out: how many recipients, the dispatcher's pace, the fake's strictness."""

    name: str
    recipients: int
    rate: float
    chat_interval: float
    enforce_limits: bool
    fake_process: bool

    @property
    def origin(self) -> str:
        """Return the outbox origin of this scenario's messages (unique within a run)."""
        return f"bench-{self.name}-{self.rate:g}-{'process' if self.fake_process else 'inline'}"


def _summary(fake: FakeBotApi, chats: list[int], cpu: float) -> dict[str, Any]:
    """Return what the fake saw, in plain picklable values."""
    flood = sum(1 for v in fake.violations if "flood limit" in v)
    return {
        "per_chat": {chat: len(fake.messages(chat)) for chat in chats},
        "flood": flood,
        "other_violations": len(fake.violations) - flood,
        "count_429": fake.count_429,
        "cpu": cpu,
    }


async def _serve_fake(conn: Any, chats: list[int], enforce_limits: bool) -> None:
    """Serve the fake until told to stop, then send back its summary."""
    fake = FakeBotApi(enforce_limits=enforce_limits)
    await fake.start()
    for chat in chats:
        fake.add_chat(chat, chat_type="private")
    conn.send(fake.base_url)
    cpu = time.process_time()
    await asyncio.to_thread(conn.recv)
    summary = _summary(fake, chats, time.process_time() - cpu)
    await fake.stop()
    conn.send(summary)


def fake_process_main(conn: Any, chats: list[int], enforce_limits: bool) -> None:
    """Entry point of the fake server's own process."""
    asyncio.run(_serve_fake(conn, chats, enforce_limits))


class FakeHost:
    """The fake server, in its own process or on this event loop."""

    def __init__(self, chats: list[int], enforce_limits: bool, own_process: bool) -> None:
        self._chats, self._enforce, self.own_process = chats, enforce_limits, own_process
        self._fake: FakeBotApi | None = None
        self._cpu = 0.0

    async def start(self) -> str:
        """Start the server; return its base URL."""
        if self.own_process:
            ctx = multiprocessing.get_context("spawn")
            self._conn, child = ctx.Pipe()
            self._proc = ctx.Process(
                target=fake_process_main, args=(child, self._chats, self._enforce)
            )
            self._proc.start()
            return await asyncio.to_thread(self._conn.recv)
        self._fake = FakeBotApi(enforce_limits=self._enforce)
        await self._fake.start()
        for chat in self._chats:
            self._fake.add_chat(chat, chat_type="private")
        self._cpu = time.process_time()
        return self._fake.base_url

    async def finish(self) -> dict[str, Any]:
        """Stop the server and return what it saw."""
        if self.own_process:
            self._conn.send("stop")
            summary = await asyncio.to_thread(self._conn.recv)
            await asyncio.to_thread(self._proc.join, 30)
            return summary
        assert self._fake is not None
        summary = _summary(self._fake, self._chats, float("nan"))  # shares our CPU
        await self._fake.stop()
        return summary


async def run_scenario(scenario: Scenario, database_url: str, data_dir: Path) -> dict[str, Any]:
    """Enqueue the broadcast, dispatch it until every row is settled, return the figures."""
    chats = private_chats(scenario.recipients)
    host = FakeHost(chats, scenario.enforce_limits, scenario.fake_process)
    base_url = await host.start()
    engine = create_engine(database_url)
    try:
        await fill_outbox(engine, chats, scenario.origin)
        settings = load_settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            telegram_api_base_url=base_url,
            database_url=database_url,
            data_dir=data_dir,
            outbox_rate=scenario.rate,
            outbox_chat_interval=scenario.chat_interval,
        )
        cpu, started = time.process_time(), time.perf_counter()
        runner = await start_dispatcher(settings, engine)
        await _wait_done(runner.dispatcher.stats, engine, scenario)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        await runner.stop()
        report = await SqlOutboxStore(engine).report(scenario.origin)
    finally:
        await engine.dispose()
    seen = await host.finish()
    result = delivery(seen["per_chat"], chats)
    return {
        "scenario": scenario.name,
        "fake": "own process" if scenario.fake_process else "same loop",
        "n": scenario.recipients,
        "rate": scenario.rate,
        "elapsed": elapsed,
        "minimum": scenario.recipients / scenario.rate,
        "msg_s": result.received / elapsed,
        "sent": report.count(OutboxStatus.SENT),
        "dup": result.duplicates,
        "lost": result.lost,
        "flood": seen["flood"],
        "other": seen["other_violations"],
        "429": seen["count_429"],
        "cpu": cpu,
        "cpu_fake": seen["cpu"],
    }


async def _wait_done(stats: Any, engine: Any, scenario: Scenario) -> None:
    """Wait (cheaply, on the dispatcher's counters) for the last outcome, then for the
    database to have every row settled."""
    deadline = time.perf_counter() + 3 * scenario.recipients / scenario.rate + 120
    while stats.sent + stats.failed + stats.blocked < scenario.recipients:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{scenario.name}: {stats} after the deadline")
        await asyncio.sleep(0.01)
    await wait_settled(engine, timeout=60, poll=0.01)


async def scratch_postgres(url: str, drop: str | None = None) -> str:
    """Create a scratch database on the server of `url` (or drop `drop`); return its URL."""
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    try:
        if drop:
            await conn.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
            return url
        name = f"pbbench_{uuid.uuid4().hex[:12]}"
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def print_table(rows: list[dict[str, Any]], backend: str) -> None:
    """Print the figures as a small table."""
    head = (
        f"{'scenario':<10} {'fake':<11} {'N':>6} {'rate':>6} {'elapsed s':>9} {'min s':>6} "
        f"{'msg/s':>7} {'sent':>6} {'dup':>4} {'lost':>4} {'flood':>6} {'429':>4} "
        f"{'cpu s':>6} {'cpu fake':>8}"
    )
    print(f"\nbackend: {backend}\n{head}\n{'-' * len(head)}")
    for r in rows:
        print(
            f"{r['scenario']:<10} {r['fake']:<11} {r['n']:>6} {r['rate']:>6.0f} "
            f"{r['elapsed']:>9.1f} {r['minimum']:>6.1f} {r['msg_s']:>7.0f} {r['sent']:>6} "
            f"{r['dup']:>4} {r['lost']:>4} {r['flood']:>6} {r['429']:>4} {r['cpu']:>6.1f} "
            + (f"{r['cpu_fake']:>8.1f}" if r["fake"] == "own process" else f"{'(above)':>8}")
        )
        if r["other"]:
            print(f"  {r['other']} other (non-flood) violations at the fake")
    print(
        "flood = sends the fake counted as breaking a flood limit (answered 429 when "
        "enforced); min s = N / rate; msg/s = messages received / elapsed"
    )


async def main(args: argparse.Namespace) -> None:
    """Run the scenarios and print the table."""
    modes = {"process": [True], "inline": [False], "both": [True, False]}[args.fake]
    rates = [float(rate) for rate in args.paced_rates.split(",")]
    scenarios = [Scenario("paced", args.paced_n, rate, 1.0, True, modes[0]) for rate in rates]
    scenarios += [Scenario("unlimited", args.n, MAX_RATE, 0.0, False, own) for own in modes]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'fanout.db'}"
        if args.database_url:
            url = await scratch_postgres(args.database_url)
        backend = make_url(url).get_backend_name()
        try:
            engine = create_engine(url)
            await migrate.upgrade(engine)
            await engine.dispose()
            rows = []
            for scenario in scenarios:
                print(f"running {scenario.name} ({scenario.recipients} recipients)...", flush=True)
                rows.append(await run_scenario(scenario, url, Path(tmp)))
        finally:
            if args.database_url:
                await scratch_postgres(args.database_url, drop=make_url(url).database)
    print_table(rows, backend)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12_000, help="recipients, unlimited run")
    parser.add_argument("--paced-n", type=int, default=1_200, help="recipients, paced run")
    parser.add_argument("--paced-rates", default="30", help="OUTBOX_RATE(s), e.g. 30,28")
    parser.add_argument("--fake", choices=("process", "inline", "both"), default="both")
    parser.add_argument("--database-url", help="a PostgreSQL server (a scratch DB is made)")
    asyncio.run(main(parser.parse_args()))
