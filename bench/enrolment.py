"""Enrolment throughput and latency through the fake Bot API server.

Many newcomers enrol at once (the first morning of a placement: a QR code on a poster).
Each runs the full flow (/start <code>, language, consent, name) as a simulated user over
real HTTP. Bot, fake server and simulated users share one process and one event loop, so
the figures are for the whole loop on one core, an upper bound on the bot's own cost. The
same run compares update processing one-at-a-time (the baseline, PTB's
default) with per-chat ordered concurrency (the bot's setting), both with Telegram's
client-side pacing on (what production sees) and off (the bot's own overhead). Each
configuration gets a fresh database; the knowledge base is not ingested (enrolment does not
use it, and embedding it into each fresh data folder took minutes before anything was timed).

    .venv/bin/python -m bench.enrolment [--users 100] [--database-url sqlite|URL ...]
"""

from __future__ import annotations

import asyncio
import time
from datetime import date

from bench import harness
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


async def run_once(users: int, concurrency: int, paced: bool, db: harness.Scratch) -> list:
    """Enrol `users` people at once on a fresh database; return the row of figures."""
    fake = FakeBotApi()
    await fake.start()
    settings = load_settings(
        _env_file=None,
        telegram_bot_token="123456:BENCH",
        telegram_api_base_url=fake.base_url,
        database_url=db.url,
        data_dir=db.folder,
        web_port=0,
        update_concurrency=concurrency,
        ingest_on_start=False,
    )
    runtime = await start_bot(settings, poll_timeout=1, rate_limit=paced)
    try:
        cli, coordination = Actor.cli(), runtime.services.coordination
        await coordination.create_department(cli, "Bench", "Region H")
        departments = await coordination.list_departments()
        cohort = await coordination.create_cohort(
            cli,
            name="Bench",
            department_ref=str(departments[-1].id),
            profession=Profession.NURSING,
            starts_on=date(2026, 1, 1),
            ends_on=date(2099, 1, 1),
        )
        code = (await coordination.create_invite(cli, cohort.id, Role.STUDENT)).code
        latencies: list[float] = []
        with harness.stopwatch() as lap:
            await asyncio.gather(
                *(_enrol(fake.user(10_000 + i), code, latencies) for i in range(users))
            )
    finally:
        await stop_bot(runtime)
        await fake.stop()
    spread = harness.Spread.of(latencies)
    return [lap.wall, users / lap.wall, spread.p50 * 1000, spread.p95 * 1000, len(fake.calls)]


COLUMNS = {  # title: format spec
    "pacing": "<8",
    "updates": "<22",
    "total s": ">8.2f",
    "enrol/s": ">8.1f",
    "p50 ms": ">8.1f",
    "p95 ms": ">8.1f",
    "API calls": ">10",
}


async def main() -> None:
    """Run the four configurations on each database and print a table for each."""
    parser = harness.parser(__doc__, databases=True)
    parser.add_argument("--users", type=int, default=100)
    args = harness.parse(parser)
    for target in args.database_url:
        print(
            f"enrolment benchmark: {args.users} simultaneous newcomers, {harness.backend(target)}"
        )
        harness.print_head(COLUMNS)
        for paced in (True, False):
            for label, concurrency in (("one at a time (base)", 1), ("per-chat, 16 at once", 16)):
                async with harness.scratch_database(target) as db:
                    figures = await run_once(args.users, concurrency, paced, db)
                harness.print_row(COLUMNS, ["on" if paced else "off", label, *figures])
    print(
        f"peak RSS {harness.peak_rss_mb():.0f} MB "
        "(bot, fake server and simulated users in one process)"
    )


if __name__ == "__main__":
    asyncio.run(main())
