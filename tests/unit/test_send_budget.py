"""The bot's one send budget: overall spacing, each chat's pace, replies first, pauses.

Time is virtual: every sleep registers a wake-up and the driver jumps to the earliest one,
so the figures are exact and no test waits.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable

import pytest

from bot.services.delivery.budget import SendBudget
from bot.services.delivery.dispatcher import Limits, Pacer


class VirtualTime:
    """A monotonic clock and a sleep whose wake-ups the driver advances to."""

    def __init__(self) -> None:
        self.now = 0.0
        self._wakes: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        """Return the virtual time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Sleep until the driver reaches now + seconds."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._wakes, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    async def run(self, *coroutines: Awaitable[object]) -> None:
        """Run the coroutines to the end, jumping time from one wake-up to the next."""
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        while True:
            for _ in range(10):
                await asyncio.sleep(0)
            if all(t.done() for t in tasks):
                break
            assert self._wakes, "deadlock: tasks wait on something other than time"
            at, _, future = heapq.heappop(self._wakes)
            self.now = max(self.now, at)
            future.set_result(None)
        for task in tasks:
            task.result()

    def budget(self, rate: float, **kwargs: float) -> SendBudget:
        """Return a budget on this virtual time."""
        return SendBudget(rate, monotonic=self.monotonic, sleep=self.sleep, **kwargs)


def sender(
    time: VirtualTime, budget: SendBudget, log: list[tuple[str, float]]
) -> Callable[..., Awaitable[None]]:
    async def send(name: str, chat: int | None, *, bulk: bool = False, after: float = 0) -> None:
        if after:
            await time.sleep(after)
        await budget.acquire(chat, bulk=bulk)
        log.append((name, time.now))

    return send


async def test_overall_slots_are_spaced_at_the_rate() -> None:
    time = VirtualTime()
    budget = time.budget(10.0)
    log: list[tuple[str, float]] = []
    send = sender(time, budget, log)
    await time.run(*(send(f"m{chat}", chat) for chat in range(1, 31)))
    times = [at for _, at in log]
    assert times == pytest.approx([i / 10 for i in range(30)])
    assert budget.taken == 30


async def test_a_private_chat_gets_its_burst_then_one_a_second() -> None:
    time = VirtualTime()
    budget = time.budget(1000.0, chat_burst=3, chat_rate=1.0)
    log: list[tuple[str, float]] = []
    send = sender(time, budget, log)
    await time.run(*(send(f"m{i}", 42) for i in range(6)))
    times = [at for _, at in log]
    assert times[:3] == pytest.approx([0.0, 0.001, 0.002])
    assert times[3:] == pytest.approx([1.0, 2.0, 3.0], abs=0.01)


async def test_a_waiting_chat_never_holds_up_other_chats() -> None:
    time = VirtualTime()
    budget = time.budget(100.0, chat_burst=1, chat_rate=1.0)
    log: list[tuple[str, float]] = []
    send = sender(time, budget, log)
    await time.run(send("a1", 1), send("a2", 1), send("b", 2, after=0.1), send("c", 3, after=0.2))
    at = dict(log)
    assert at["a1"] == pytest.approx(0.0)
    assert at["b"] == pytest.approx(0.1)  # not behind a2, which waits for chat 1's pace
    assert at["c"] == pytest.approx(0.2)
    assert at["a2"] == pytest.approx(1.0)


async def test_groups_get_one_send_per_interval() -> None:
    time = VirtualTime()
    budget = time.budget(100.0, group_interval=3.0)
    log: list[tuple[str, float]] = []
    send = sender(time, budget, log)
    await time.run(*(send(f"g{i}", -100) for i in range(3)))
    assert [at for _, at in log] == pytest.approx([0.0, 3.0, 6.0])


async def test_replies_go_before_the_outbox() -> None:
    time = VirtualTime()
    budget = time.budget(10.0)
    log: list[tuple[str, float]] = []
    send = sender(time, budget, log)

    async def outbox() -> None:
        for chat in range(100, 110):
            await send(f"bulk{chat}", chat, bulk=True)

    async def replies() -> None:
        await time.sleep(0.25)
        await asyncio.gather(*(send(f"reply{chat}", chat) for chat in (1, 2, 3)))

    await time.run(outbox(), replies())
    names = [name for name, _ in log]
    first_reply = names.index("reply1")
    # The outbox had sent 0.0, 0.1, 0.2 and reserved 0.3; the three replies come next,
    # before any further outbox message.
    assert names[first_reply : first_reply + 3] == ["reply1", "reply2", "reply3"]
    assert all(name.startswith("bulk") for name in names[first_reply + 3 :])
    assert first_reply <= 4
    times = [at for _, at in log]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) == pytest.approx(0.1)  # one budget: replies and outbox together at 10/s
    assert len(log) == 13


async def test_a_pause_stops_replies_and_outbox() -> None:
    time = VirtualTime()
    budget = time.budget(100.0)
    log: list[tuple[str, float]] = []
    send = sender(time, budget, log)
    budget.pause(5.0)
    await time.run(send("reply", 1), send("bulk", 2, bulk=True))
    assert dict(log)["reply"] == pytest.approx(5.0)
    assert dict(log)["bulk"] >= 5.0


async def test_the_outbox_pacer_draws_from_the_shared_budget() -> None:
    time = VirtualTime()
    budget = time.budget(10.0)
    pacer = Pacer(Limits(overall_per_second=1000, per_chat_interval=1.0), time.monotonic, budget)
    log: list[tuple[str, float]] = []

    async def outbox() -> None:
        for chat in range(100, 105):
            await pacer.turn(chat, time.sleep)
            log.append((f"bulk{chat}", time.now))

    async def reply() -> None:
        await budget.acquire(7)
        log.append(("reply", time.now))

    await time.run(outbox(), reply())
    times = sorted(at for _, at in log)
    assert times == pytest.approx([i / 10 for i in range(6)])
    assert [name for name, _ in log].index("reply") <= 1  # never behind the outbox's batch
    # A 429 seen by the outbox pauses the replies too.
    pacer.pause(3.0)
    assert budget.paused_until == pytest.approx(time.now + 3.0)
    # A chat a reply has just used up is "cooling" for the outbox.
    await time.run(*(budget.acquire(55) for _ in range(3)))
    assert pacer.cooling(55)


async def test_sends_a_busy_loop_held_back_do_not_leave_together() -> None:
    time = VirtualTime()
    budget = time.budget(10.0)
    log: list[tuple[str, float]] = []
    send = sender(time, budget, log)

    async def busy_loop() -> None:
        await time.sleep(0.35)
        time.now += 1.15  # the event loop did not run for over a second

    await time.run(busy_loop(), *(send(f"m{chat}", chat) for chat in range(1, 41)))
    times = sorted(at for _, at in log)
    assert len(times) == 40
    # Never more than 10 (the rate) in any second, although 11 slots passed unseen.
    spans = [times[i + 10] - times[i] for i in range(len(times) - 10)]
    assert min(spans) >= 1.0 - 1e-6


async def test_a_reply_waiting_for_its_chats_pace_does_not_hold_up_the_outbox() -> None:
    time = VirtualTime()
    budget = time.budget(10.0, chat_burst=2, chat_rate=1.0)
    log: list[tuple[str, float]] = []
    send = sender(time, budget, log)

    async def outbox() -> None:
        for chat in range(100, 106):
            await send(f"bulk{chat}", chat, bulk=True, after=0.0)

    # A flooding chat: its third reply waits for the chat's pace, a second or so.
    await time.run(send("r1", 1), send("r2", 1), send("r3", 1), outbox())
    at = dict(log)
    assert at["r3"] == pytest.approx(1.0)
    assert all(at[f"bulk{chat}"] < 1.0 for chat in range(100, 106))
