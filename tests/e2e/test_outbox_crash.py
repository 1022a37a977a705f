"""Issue #4: real `praktikbot dispatch` processes, killed with SIGKILL mid-broadcast or run
side by side, against the fake Bot API server. Nothing is lost; only messages that were in
flight when a process died may arrive twice; a message whose send kills every dispatcher
stops being tried at the attempt limit."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage import migrate
from bot.storage.db import create_engine
from bot.storage.delivery.models import OutboxRow
from tests.e2e.conftest import TOKEN
from tests.e2e.processes import PRAKTIKBOT, clean_env
from tests.fakebotapi import FakeBotApi, Fault
from tests.outbox_support import (
    delivery,
    fill_outbox,
    lease_holders,
    private_chats,
    sending_chats,
    status_counts,
    wait_settled,
)

RECIPIENTS = private_chats(500)
SEED = 4  # the kill points are random but repeatable
KILL_WINDOWS = ((30, 130), (150, 260), (280, 420))  # messages arrived at the fake server


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    """Start the fake server (limits recorded, not enforced) with every recipient known."""
    fake = FakeBotApi()
    await fake.start()
    for chat in RECIPIENTS:
        fake.add_chat(chat, chat_type="private")
    yield fake
    await fake.stop()


@pytest.fixture
async def outbox_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Yield an engine on the migrated test database (the processes share it)."""
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def processes() -> Iterator[list[asyncio.subprocess.Process]]:
    """Collect spawned dispatchers and kill whatever still runs when the test ends."""
    spawned: list[asyncio.subprocess.Process] = []
    yield spawned
    for proc in spawned:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)


def _env(fake: FakeBotApi, database_url: str, tmp_path: Path, lease: float) -> dict[str, str]:
    return clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        DATABASE_URL=database_url,
        DATA_DIR=str(tmp_path / "data"),
        OUTBOX_RATE="200",
        OUTBOX_CHAT_INTERVAL="0",
        OUTBOX_LEASE_SECONDS=str(lease),
    )


async def _spawn(
    env: dict[str, str], tmp_path: Path, spawned: list[asyncio.subprocess.Process]
) -> asyncio.subprocess.Process:
    """Start one `praktikbot dispatch`; its log goes to a file in tmp_path."""
    with (tmp_path / f"dispatch-{len(spawned)}.log").open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            PRAKTIKBOT, "dispatch", env=env, cwd=tmp_path, stdout=log, stderr=log
        )
    spawned.append(proc)
    return proc


async def _stop(proc: asyncio.subprocess.Process) -> int:
    """Stop a dispatcher with SIGTERM (a clean shutdown) and return its exit code."""
    proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(proc.wait(), 30)


def _logs(tmp_path: Path) -> str:
    return "\n".join(p.read_text()[-1500:] for p in sorted(tmp_path.glob("dispatch-*.log")))


def _started(fake: FakeBotApi) -> int:
    """Count dispatchers that reached the server (each calls getMe once on start)."""
    return sum(1 for method, _params, _at in fake.calls if method == "getMe")


def _per_chat(fake: FakeBotApi) -> dict[int, int]:
    return {chat: len(fake.messages(chat)) for chat in RECIPIENTS}


async def test_killed_dispatchers_lose_nothing_and_repeat_only_in_flight(
    fake: FakeBotApi,
    outbox_engine: AsyncEngine,
    database_url: str,
    tmp_path: Path,
    processes: list[asyncio.subprocess.Process],
) -> None:
    env = _env(fake, database_url, tmp_path, lease=2)
    assert await fill_outbox(outbox_engine, RECIPIENTS, "crash") == len(RECIPIENTS)
    rng = random.Random(SEED)
    kill_points = [rng.randint(low, high) for low, high in KILL_WINDOWS]
    in_flight: list[int] = []
    sent_unrecorded: list[int] = []  # in flight and already at the fake: the repeats to come
    for point in kill_points:
        proc = await _spawn(env, tmp_path, processes)
        await fake.wait_for(lambda point=point: len(fake.messages()) >= point, timeout=45)
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()
        await asyncio.sleep(0.3)  # let the server finish what the dead process had sent
        leased = await sending_chats(outbox_engine)
        in_flight.append(len(leased))
        sent_unrecorded.append(sum(1 for chat in leased if fake.messages(chat)))
    final = await _spawn(env, tmp_path, processes)
    await wait_settled(outbox_engine, timeout=45)
    assert await _stop(final) == 0, _logs(tmp_path)
    result = delivery(_per_chat(fake), RECIPIENTS)
    figures = (
        f"[{outbox_engine.dialect.name}] kills after {kill_points} messages: "
        f"in flight {in_flight} (sum {sum(in_flight)}), of which already delivered "
        f"{sent_unrecorded}; duplicates {result.duplicates}, lost {result.lost}, "
        f"received {result.received}"
    )
    print(figures)
    assert result.lost == 0, figures
    assert await status_counts(outbox_engine) == {"sent": len(RECIPIENTS)}, figures
    assert result.duplicates <= sum(in_flight), figures
    assert not [v for v in fake.violations if "flood limit" not in v]


async def test_two_dispatchers_side_by_side_send_each_message_once(
    fake: FakeBotApi,
    outbox_engine: AsyncEngine,
    database_url: str,
    tmp_path: Path,
    processes: list[asyncio.subprocess.Process],
) -> None:
    # A long lease: this test is about claims, not about a live batch outlasting its lease.
    env = _env(fake, database_url, tmp_path, lease=30)
    first, second = [await _spawn(env, tmp_path, processes) for _ in range(2)]
    await fake.wait_for(lambda: _started(fake) >= 2, timeout=30)  # both run before work exists
    assert await fill_outbox(outbox_engine, RECIPIENTS, "pair") == len(RECIPIENTS)
    holders: set[str] = set()
    deadline = asyncio.get_running_loop().time() + 45
    while await status_counts(outbox_engine) != {"sent": len(RECIPIENTS)}:
        assert asyncio.get_running_loop().time() < deadline, await status_counts(outbox_engine)
        holders |= await lease_holders(outbox_engine)
        await asyncio.sleep(0.02)
    assert await _stop(first) == 0, _logs(tmp_path)
    assert await _stop(second) == 0, _logs(tmp_path)
    result = delivery(_per_chat(fake), RECIPIENTS)
    figures = (
        f"[{outbox_engine.dialect.name}] two dispatchers {sorted(holders)}: "
        f"duplicates {result.duplicates}, lost {result.lost}, received {result.received}"
    )
    print(figures)
    assert (result.lost, result.duplicates) == (0, 0), figures
    assert len(holders) == 2, figures  # both processes really took part


async def test_a_message_that_kills_every_dispatcher_ends_failed_at_the_attempt_limit(
    fake: FakeBotApi,
    outbox_engine: AsyncEngine,
    database_url: str,
    tmp_path: Path,
    processes: list[asyncio.subprocess.Process],
) -> None:
    env = _env(fake, database_url, tmp_path, lease=1) | {"OUTBOX_MAX_ATTEMPTS": "2"}
    poison = RECIPIENTS[0]
    # The fake holds each send to this chat unanswered; the test kills the dispatcher then.
    fake.fail_next("sendMessage", Fault.timeout(60), times=2, chat_id=poison)
    assert await fill_outbox(outbox_engine, [poison], "poison") == 1

    def tries() -> int:
        return sum(1 for m, p, _ in fake.calls if m == "sendMessage" and p["chat_id"] == poison)

    for attempt in (1, 2):
        proc = await _spawn(env, tmp_path, processes)
        await fake.wait_for(lambda attempt=attempt: tries() >= attempt, timeout=30)
        os.kill(proc.pid, signal.SIGKILL)
        await proc.wait()
    final = await _spawn(env, tmp_path, processes)
    await wait_settled(outbox_engine, timeout=30)
    assert await _stop(final) == 0, _logs(tmp_path)
    async with outbox_engine.connect() as conn:
        row = (await conn.execute(select(OutboxRow))).one()
    assert (row.status, row.attempts, tries()) == ("failed", 2, 2)
    assert "gave up after 2 attempts" in row.last_error
    assert fake.messages(poison) == []
