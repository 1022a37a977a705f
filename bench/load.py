"""Reply latency for ordinary people while one chat floods and a 12,000-recipient broadcast runs.

Four scenarios in one run, each on a fresh database and a fresh fake Bot API server that
enforces Telegram's limits (FakeBotApi(enforce_limits=True): 429 for more than 30 sends/s
overall or more than about one a second to a chat after a burst of three), the bot at its
production settings (TELEGRAM_RATE=29 shared by replies and the outbox, 16 update slots,
UPDATE_QUEUE_PER_CHAT=10):

* quiet: only the --people (default 200) simulated people;
* flood: the same, and one chat sending --flood-rate (default 20) messages a second;
* broadcast: the same people, and a --recipients (default 12,000) broadcast in the outbox
  (at 29 msg/s it takes about seven minutes, so it is in progress for the whole scenario);
* both: the flood and the broadcast together.

Each person, for --seconds (default 60), waits 10-30 s (uniform, seeded), then asks a question
(/spoerg, half of the actions: a real search over the knowledge folder's index), or writes
/help or /start (their text and buttons), and times until the bot's reply arrives. The
people have not enrolled (enrolling 200 people first would spend the budget before anything
is measured), so every question is an anonymous one. The "others" latencies are these
people's; the flooding chat's own replies are not among them.

Bot, fake server and simulated people share one process and one event loop, so the figures
include the fake's and the people's CPU. Columns: p50/p95/max reply latency of the others in
ms, how many replies were timed, outbox messages delivered per second during the scenario,
the fake's 429 answers, the flooding chat's updates dropped by the per-chat cap, and the
process's resident memory at the end of the scenario. The target (issue #14): the flood and
the broadcast together add at most 300 ms to the quiet p95, with 0 429s.

    .venv/bin/python -m bench.load [--people 200] [--seconds 60] [--recipients 12000]
        [--flood-rate 20] [--database-url sqlite|postgresql+asyncpg://user@host/db]
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import harness
from bot.bootstrap import load_knowledge, start_bot, stop_bot
from bot.config import load_settings
from bot.retrieval.setup import KnowledgeBase
from bot.services.delivery.outbox import OutboxStatus
from bot.storage.delivery.outbox import SqlOutboxStore
from tests.fakebotapi import FakeBotApi, SimUser
from tests.outbox_support import fill_outbox, private_chats

TOKEN = "123456:BENCH"
KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
ORIGIN = "bench-load"
FLOODER = 7_700_001
QUESTIONS = (
    "Hvornår møder jeg første dag?",
    "Hvem er min vejleder?",
    "Hvor kan jeg parkere?",
    "Må jeg gå til stuegang?",
    "Hvad gør jeg ved sygdom?",
)


@dataclass(frozen=True, slots=True)
class Scenario:
    """What runs beside the people: the flood, the broadcast, both or neither."""

    name: str
    flood: bool
    broadcast: bool


SCENARIOS = (
    Scenario("quiet", False, False),
    Scenario("flood", True, False),
    Scenario("broadcast", False, True),
    Scenario("both", True, True),
)
COLUMNS = {
    "scenario": "<10",
    "p50 ms": ">8.0f",
    "p95 ms": ">8.0f",
    "max ms": ">8.0f",
    "+p95 ms": ">8.0f",
    "timed": ">6",
    "lost": ">5",
    "outbox/s": ">9.1f",
    "429": ">5",
    "dropped": ">8",
    "rss MB": ">7.0f",
}


async def person(
    user: SimUser, rng: random.Random, until: float, latencies: list[float], lost: list[int]
) -> None:
    """Act now and then until `until`; time each action to the bot's reply."""
    while True:
        await asyncio.sleep(rng.uniform(10.0, 30.0))
        if time.perf_counter() >= until:
            return
        roll = rng.random()
        if roll < 0.5:
            text = f"/spoerg {rng.choice(QUESTIONS)}"
        elif roll < 0.8:
            text = "/help"
        else:
            text = "/start"
        user.read_all()
        start = time.perf_counter()
        await user.send(text)
        try:
            await user.next_message(timeout=30)
        except AssertionError:
            lost.append(1)
            continue
        latencies.append(time.perf_counter() - start)


async def flood(user: SimUser, rate: float, until: float) -> None:
    """Send `rate` messages a second from one chat, never waiting for a reply."""
    number = 0
    while time.perf_counter() < until:
        number += 1
        await user.send(f"hej {number}" if number % 2 else "/help")
        await asyncio.sleep(1.0 / rate)


async def run_scenario(
    scenario: Scenario,
    args: Any,
    db: harness.Scratch,
    rng: random.Random,
    knowledge: KnowledgeBase,
) -> dict[str, Any]:
    """Run one scenario on a fresh database and fake; return its figures."""
    fake = FakeBotApi(enforce_limits=True)
    await fake.start()
    recipients = private_chats(args.recipients) if scenario.broadcast else []
    for chat in recipients:
        fake.add_chat(chat, chat_type="private")
    settings = load_settings(
        _env_file=None,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=fake.base_url,
        database_url=db.url,
        data_dir=db.folder,
        web_port=0,
        knowledge_dir=KNOWLEDGE,
        chroma_dir=args.chroma_dir,
        ingest_on_start=False,
    )
    phase = time.perf_counter()
    runtime = await start_bot(settings, poll_timeout=1, knowledge=knowledge)
    _progress(f"{scenario.name}: bot started in {time.perf_counter() - phase:.1f} s")
    latencies: list[float] = []
    lost: list[int] = []
    try:
        if recipients:
            await fill_outbox(runtime.engine, recipients, ORIGIN)
        store = SqlOutboxStore(runtime.engine)
        before = await _delivered(store) if recipients else 0
        start = time.perf_counter()
        until = start + args.seconds
        people = [fake.user(8_000_000 + n) for n in range(args.people)]
        tasks = [person(u, random.Random(rng.random()), until, latencies, lost) for u in people]
        if scenario.flood:
            tasks.append(flood(fake.user(FLOODER), args.flood_rate, until))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
        _progress(f"{scenario.name}: {len(latencies)} replies timed in {elapsed:.0f} s")
        outbox_rate = ((await _delivered(store)) - before) / elapsed if recipients else 0.0
        dropped = runtime.application.update_processor.dropped  # type: ignore[attr-defined]
    finally:
        await stop_bot(runtime)
        await fake.stop()
    spread = harness.Spread.of(latencies)
    return {
        "spread": spread,
        "timed": len(latencies),
        "lost": len(lost),
        "outbox/s": outbox_rate,
        "429": fake.count_429,
        "dropped": dropped,
        "rss MB": _rss_mb(),
    }


async def _delivered(store: SqlOutboxStore) -> int:
    """Return how many of the broadcast's messages were sent so far."""
    return (await store.report(ORIGIN)).count(OutboxStatus.SENT)


def _progress(line: str) -> None:
    """Tell the person running the benchmark where it is (stderr, outside the table)."""
    print(f"  [{line}]", file=sys.stderr, flush=True)


def _rss_mb() -> float:
    """Return the process's resident memory now, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main() -> None:
    """Run the four scenarios on each database and print one table each."""
    parser = harness.parser(__doc__, databases=True)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--recipients", type=int, default=12_000)
    parser.add_argument("--flood-rate", type=float, default=20.0)
    parser.add_argument("--scenarios", default="quiet,flood,broadcast,both")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--chroma-dir",
        type=Path,
        default=Path("data/bench-load/chroma"),
        help="the index of the knowledge folder, built once and kept (only changes re-embed)",
    )
    args = harness.parse(parser)
    phase = time.perf_counter()
    index_settings = load_settings(
        _env_file=None, knowledge_dir=KNOWLEDGE, chroma_dir=args.chroma_dir
    )
    knowledge = await load_knowledge(index_settings, ingest=True)
    _progress(f"knowledge index ready in {time.perf_counter() - phase:.0f} s")
    wanted = [s for s in SCENARIOS if s.name in args.scenarios.split(",")]
    for target in args.database_url:
        print(
            f"load benchmark: {args.people} people for {args.seconds:.0f} s, flood "
            f"{args.flood_rate:g} msg/s, broadcast {args.recipients:,}, {harness.backend(target)}"
        )
        harness.print_head(COLUMNS)
        base: float | None = None
        for scenario in wanted:
            async with harness.scratch_database(target) as db:
                figures = await run_scenario(
                    scenario, args, db, random.Random(args.seed), knowledge
                )
            spread = figures["spread"]
            base = spread.p95 if base is None else base
            harness.print_row(
                COLUMNS,
                [
                    scenario.name,
                    spread.p50 * 1000,
                    spread.p95 * 1000,
                    spread.max * 1000,
                    (spread.p95 - base) * 1000,
                    figures["timed"],
                    figures["lost"],
                    figures["outbox/s"],
                    figures["429"],
                    figures["dropped"],
                    figures["rss MB"],
                ],
            )


if __name__ == "__main__":
    asyncio.run(main())
