"""One send budget per bot: interactive replies and the outbox draw from the same rate.

Telegram's flood limits are per bot (about 30 messages a second overall, about one a second
per private chat with a short burst), so the bot's replies and the outbox dispatcher must
not each pace at the full rate. Both take a slot here before a send:

* overall, slots are spaced `1 / rate` apart (no burst: at exactly the limit any jitter
  puts one send too many into some second), and at most `rate` sends leave in any second:
  when the event loop was busy, the sends whose slots passed meanwhile would otherwise
  leave together, on top of the next second's;
* per chat, a token bucket (`chat_burst` tokens, refilled at `chat_rate` a second) for
  private chats (two: one under Telegram's three, so that jitter on the way never makes a
  send arrive a token early), and one send per `group_interval` for groups; a chat that must wait does
  so before it takes an overall slot, so it never holds up sends to other chats;
* replies come first: while a reply waits for its overall slot, the outbox waits
  (`bulk=True`); a reply waiting for its chat's pace holds up nothing;
* a 429 from Telegram pauses every send, replies and outbox alike (`pause`).

The state is in memory, per process: the bot and its built-in dispatcher share one budget.
A separate `praktikbot dispatch` process has its own, so give it its share of the rate.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[object]]


class SendBudget:
    """Slots for sends at the bot's overall rate and each chat's pace, replies first."""

    def __init__(
        self,
        rate: float,
        *,
        chat_burst: float = 2.0,
        chat_rate: float = 1.0,
        group_interval: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self._interval = 1.0 / rate
        self._burst, self._chat_rate, self._group_interval = chat_burst, chat_rate, group_interval
        self._now, self._sleep = monotonic, sleep
        self._next = 0.0
        self._per_second = max(1, math.floor(rate))
        self._left: deque[float] = deque()  # when the sends of the last second left
        self._chats: dict[int, tuple[float, float]] = {}  # private chat -> (tokens, at)
        self._groups: dict[int, float] = {}  # group -> next free time
        self.paused_until = 0.0
        self._replies_waiting = 0
        self._calm = asyncio.Event()
        self._calm.set()
        self.taken = 0

    @property
    def replies_waiting(self) -> int:
        """Return how many replies wait for a slot now."""
        return self._replies_waiting

    def chat_wait(self, chat_id: int | None) -> float:
        """Return how long this chat must wait for its next send (0: it may send now)."""
        return max(0.0, self._chat_ready(chat_id, self._now()) - self._now())

    async def acquire(self, chat_id: int | None, *, bulk: bool = False) -> None:
        """Wait for a slot to send one message to this chat (None: count it overall only).

        `bulk` (the outbox) waits while replies wait, and after them.
        """
        while True:  # the chat's own pace and any pause first, holding up nobody
            if bulk:
                await self._calm.wait()
            now = self._now()
            ready = max(self.paused_until, self._chat_ready(chat_id, now))
            if ready <= now:
                break
            await self._sleep(ready - now)
        if not bulk:  # from here until it leaves, the outbox waits for this reply
            self._replies_waiting += 1
            self._calm.clear()
        try:
            slot = max(now, self._next)
            self._next = slot + self._interval
            self._use(chat_id, slot)
            self.taken += 1
            if slot > now:
                await self._sleep(slot - now)
            await self._within_the_second()
        finally:
            if not bulk:
                self._replies_waiting -= 1
                if not self._replies_waiting:
                    self._calm.set()

    async def _within_the_second(self) -> None:
        """Wait while `rate` sends have left within the last second."""
        while True:
            now = self._now()
            while self._left and self._left[0] <= now - 1.0 + 1e-9:  # float noise
                self._left.popleft()
            if len(self._left) < self._per_second:
                self._left.append(now)
                return
            await self._sleep(self._left[0] + 1.0 - now)

    async def acquire_overall(self) -> None:
        """Wait for an overall slot only (sends that no chat's pace limits, such as edits)."""
        await self.acquire(None)

    def pause(self, seconds: float) -> None:
        """Stop every send for a while (Telegram's flood control is per bot)."""
        self.paused_until = max(self.paused_until, self._now() + seconds)

    def _chat_ready(self, chat_id: int | None, now: float) -> float:
        """Return when this chat may next be sent to."""
        if chat_id is None:
            return now
        if chat_id < 0:
            return self._groups.get(chat_id, now)
        tokens = self._tokens(chat_id, now)
        return now if tokens >= 1.0 else now + (1.0 - tokens) / self._chat_rate

    def _tokens(self, chat_id: int, now: float) -> float:
        tokens, at = self._chats.get(chat_id, (self._burst, now))
        return min(self._burst, tokens + max(0.0, now - at) * self._chat_rate)

    def _use(self, chat_id: int | None, at: float) -> None:
        """Count a send to this chat at `at` (its slot)."""
        if chat_id is None:
            return
        if chat_id < 0:
            self._groups[chat_id] = at + self._group_interval
            return
        self._chats[chat_id] = (self._tokens(chat_id, at) - 1.0, at)
        if len(self._chats) > 50_000:  # forget chats whose bucket is full again
            now = self._now()
            self._chats = {
                c: (t, a)
                for c, (t, a) in self._chats.items()
                if t + (now - a) * self._chat_rate < self._burst
            }
            self._groups = {c: t for c, t in self._groups.items() if t > now}
