"""Enrolment throughput and latency through the fake Bot API server.

Many newcomers enrol at once (the first morning of a placement: a QR code on a poster).
Each runs the full flow (/start <code>, language, consent, name) as a simulated user over
real HTTP. Bot, fake server and simulated users share one process and one event loop, so
the figures are for the whole loop on one core, an upper bound on the bot's own cost. The
same run compares update processing one-at-a-time (the baseline, PTB's
default) with per-chat ordered concurrency (the bot's setting), both with Telegram's
client-side pacing on (what production sees) and off (the bot's own overhead).

    .venv/bin/python bench/enrolment.py [--users 100] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import start_bot, stop_bot
from bot.config import load_settings
from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Role
from tests.fakebotapi import FakeBotApi, SimUser


async def _timed(latencies: list[float], step) -> None:
    start = time.perf_counter()
    await step
    latencies.append(time.perf_counter() - start)


async def _enrol(user: SimUser, code: str, latencies: list[float]) -> None:
    await _timed(latencies, _send_and_wait(user, f"/start {code}"))
    invitation = user.messages[-1]
    await _timed(latencies, _press_and_edit(user, invitation, "Dansk"))
    await _timed(latencies, _press_and_edit(user, invitation, "Ja, det accepterer jeg"))
    question = await user.next_message(timeout=120)
    await _timed(latencies, _press_and_edit(user, question, "nm:ok"))


async def _send_and_wait(user: SimUser, text: str) -> None:
    await user.send(text)
    await user.next_message(timeout=120)


async def _press_and_edit(user: SimUser, message, label: str) -> None:
    await user.press(message, label)
    await user.wait_edit(message, timeout=120)


async def run_once(users: int, concurrency: int, paced: bool, database_url: str | None) -> dict:
    """Enrol `users` people at once; return timing figures."""
    fake = FakeBotApi()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            _env_file=None,
            telegram_bot_token="123456:BENCH",
            telegram_api_base_url=fake.base_url,
            database_url=database_url,
            data_dir=Path(tmp),
            web_port=0,
            update_concurrency=concurrency,
        )
        runtime = await start_bot(settings, poll_timeout=1, rate_limit=paced)
        try:
            cli, coordination = Actor.cli(), runtime.services.coordination
            await coordination.create_department(cli, f"Bench {time.time_ns()}", "Region H")
            departments = await coordination.list_departments()
            cohort = await coordination.create_cohort(
                cli,
                name=f"Bench {time.time_ns()}",
                department_ref=str(departments[-1].id),
                profession=Profession.NURSING,
                starts_on=date(2026, 1, 1),
                ends_on=date(2099, 1, 1),
            )
            code = (await coordination.create_invite(cli, cohort.id, Role.STUDENT)).code
            latencies: list[float] = []
            first_id = 10_000 + time.time_ns() % 10**9 * 1000  # fresh people on a reused database
            start = time.perf_counter()
            await asyncio.gather(
                *(_enrol(fake.user(first_id + i), code, latencies) for i in range(users))
            )
            elapsed = time.perf_counter() - start
        finally:
            await stop_bot(runtime)
            await fake.stop()
    latencies.sort()
    return {
        "elapsed": elapsed,
        "rate": users / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "requests": len(fake.calls),
    }


async def main() -> None:
    """Run the four configurations and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    backend = (args.database_url or "sqlite").split(":")[0]
    print(f"enrolment benchmark: {args.users} simultaneous newcomers, {backend}")
    print(
        f"{'pacing':<8} {'updates':<22} {'total s':>8} {'enrol/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'API calls':>10}"
    )
    for paced in (True, False):
        for label, concurrency in (("one at a time (base)", 1), ("per-chat, 16 at once", 16)):
            r = await run_once(args.users, concurrency, paced, args.database_url)
            print(
                f"{'on' if paced else 'off':<8} {label:<22} {r['elapsed']:>8.2f} {r['rate']:>8.1f} "
                f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['requests']:>10}"
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB (bot, fake server and simulated users in one process)")


if __name__ == "__main__":
    asyncio.run(main())
