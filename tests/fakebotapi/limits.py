"""Telegram's flood limits for bots, as the fake checks them.

The rules (sendMessage, sendPhoto and sendDocument count; edits, deletions, chat actions
and callback answers do not count toward any of them, although Telegram limits edits too):

* Private chat (chat_id > 0), "about one message per second": every chat has a bucket of
  3 tokens that refills at 1 token per second. A send takes a token; a send that finds less
  than one token is a violation. So a burst of 3 messages is fine, the 4th and 5th sent
  within the same second are violations, and a steady 1 message/s never is.
* Group chat (chat_id < 0): more than 20 sends to the same chat within any 60 s window.
* Overall: more than 30 sends to all chats together within any 1 s window.

A send that is answered with 429 (enforce_limits=True) does not consume anything; a send
that is let through despite a violation (enforce_limits=False) is counted in the windows,
and the private bucket never drops below zero.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

PRIVATE_BURST = 3
PRIVATE_RATE = 1.0  # tokens per second
GROUP_PER_MINUTE = 20
GLOBAL_PER_SECOND = 30


@dataclass
class Breach:
    """A broken limit: which rule, and when sending would be allowed again."""

    rule: str
    retry_after: int
    detail: str


class RateLimiter:
    """Keeps send times and tells whether a new send breaks a flood limit."""

    def __init__(self) -> None:
        """Start with empty windows."""
        self._buckets: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._groups: dict[int, deque[float]] = {}
        self._global: deque[float] = deque()

    def _tokens(self, chat_id: int, now: float) -> float:
        tokens, at = self._buckets.get(chat_id, (float(PRIVATE_BURST), now))
        return min(float(PRIVATE_BURST), tokens + (now - at) * PRIVATE_RATE)

    @staticmethod
    def _trim(window: deque[float], now: float, span: float) -> None:
        while window and window[0] <= now - span:
            window.popleft()

    def check(self, chat_id: int, now: float) -> list[Breach]:
        """Return the limits a send to chat_id at `now` would break (empty if none)."""
        breaches: list[Breach] = []
        self._trim(self._global, now, 1.0)
        if len(self._global) >= GLOBAL_PER_SECOND:
            wait = self._global[0] + 1.0 - now
            breaches.append(
                Breach(
                    "global",
                    max(1, math.ceil(wait)),
                    f"more than {GLOBAL_PER_SECOND} messages/s to all chats together",
                )
            )
        if chat_id < 0:
            window = self._groups.setdefault(chat_id, deque())
            self._trim(window, now, 60.0)
            if len(window) >= GROUP_PER_MINUTE:
                wait = window[0] + 60.0 - now
                breaches.append(
                    Breach(
                        "group",
                        max(1, math.ceil(wait)),
                        f"more than {GROUP_PER_MINUTE} messages/minute to group {chat_id}",
                    )
                )
        else:
            tokens = self._tokens(chat_id, now)
            if tokens < 1.0:
                wait = (1.0 - tokens) / PRIVATE_RATE
                breaches.append(
                    Breach(
                        "chat",
                        max(1, math.ceil(wait)),
                        f"more than 1 message/s to chat {chat_id} "
                        f"(burst of {PRIVATE_BURST} allowed)",
                    )
                )
        return breaches

    def record(self, chat_id: int, now: float) -> None:
        """Count a send that went through."""
        self._global.append(now)
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)
        else:
            self._buckets[chat_id] = (max(0.0, self._tokens(chat_id, now) - 1.0), now)

    def reset(self) -> None:
        """Forget all send times."""
        self._buckets.clear()
        self._groups.clear()
        self._global.clear()
