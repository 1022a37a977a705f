"""The queue of pending updates, and webhook delivery of them."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from .server import FakeBotApi

# Without allowed_updates (or with an empty list) Telegram leaves out these types.
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def update_type(update: dict) -> str:
    """The type of an update: its only key besides update_id."""
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    """Updates in order of arrival, kept until confirmed (getUpdates) or delivered (webhook)."""

    def __init__(self, first_id: int = 100_000_001) -> None:
        """Start empty; update ids count up from first_id."""
        self.all: dict[int, dict] = {}
        self.pending: list[dict] = []
        self.filtered: list[int] = []
        self.allowed: list[str] | None = None
        self._forced: set[int] = set()
        self._next_id = first_id

    def allows(self, kind: str) -> bool:
        """Whether the current allowed_updates setting lets this type of update through."""
        if not self.allowed:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed

    def add(self, update: dict, unfiltered: bool = False) -> int:
        """Give the update the next update_id and queue it (unless filtered out; with
        `unfiltered`, whatever allowed_updates says)."""
        update_id = self._next_id
        self._next_id += 1
        update["update_id"] = update_id
        self.all[update_id] = update
        if unfiltered or self.allows(update_type(update)):
            self.pending.append(update)
        else:
            self.filtered.append(update_id)
        return update_id

    def confirm(self, offset: int) -> None:
        """Forget updates confirmed by a getUpdates offset (negative: keep only the last -N)."""
        if offset > 0:
            self.pending = [
                u
                for u in self.pending
                if u["update_id"] >= offset or u["update_id"] in self._forced
            ]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def take(self, limit: int) -> list[dict]:
        """The first `limit` pending updates; they stay pending until confirmed."""
        batch = self.pending[:limit]
        for update in batch:
            self._forced.discard(update["update_id"])
        return batch

    def force(self, update: dict) -> None:
        """Queue an update again, even if it was confirmed before (a duplicate delivery)."""
        self._forced.add(update["update_id"])
        self.pending.append(update)

    def remove(self, update_id: int) -> None:
        """Drop one pending update (delivered by webhook)."""
        for i, update in enumerate(self.pending):
            if update["update_id"] == update_id:
                del self.pending[i]
                self._forced.discard(update_id)
                return

    def drop_all(self) -> None:
        """Forget every pending update (drop_pending_updates)."""
        self.pending.clear()
        self._forced.clear()


class Webhook:
    """A set webhook: pushes pending updates one at a time, in order, with retries."""

    def __init__(
        self, fake: FakeBotApi, url: str, secret_token: str | None, params: dict[str, Any]
    ) -> None:
        """Remember where to push; start() starts the delivery task."""
        self.fake = fake
        self.url = url
        self.secret_token = secret_token
        self.max_connections = int(params.get("max_connections") or 40)
        self.ip_address = params.get("ip_address")
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Start pushing pending updates."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop pushing; an update being pushed stays pending."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def info(self) -> dict[str, Any]:
        """The webhook part of WebhookInfo."""
        info: dict[str, Any] = {"url": self.url, "max_connections": self.max_connections}
        if self.fake._queue.allowed is not None:
            info["allowed_updates"] = list(self.fake._queue.allowed)
        if self.ip_address:
            info["ip_address"] = self.ip_address
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def _run(self) -> None:
        fake = self.fake
        while True:
            if not fake._queue.pending:
                await fake._wait_change(None)
                continue
            update = fake._queue.pending[0]
            await self.deliver(update)
            fake._queue.remove(update["update_id"])
            fake._changed()

    async def deliver(self, update: dict) -> int:
        """POST the update until a 2xx answer or the retries run out; return the last status."""
        attempts = 1 + max(0, self.fake.webhook_retries)
        status = 0
        for attempt in range(attempts):
            status = await self.post(update)
            if 200 <= status < 300:
                break
            if attempt + 1 < attempts:
                await asyncio.sleep(self.fake.webhook_retry_delay * (attempt + 1))
        return status

    async def post(self, update: dict) -> int:
        """POST the update once; record and return the HTTP status (0: no answer)."""
        fake = self.fake
        headers = {}
        if self.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret_token
        timeout = aiohttp.ClientTimeout(total=fake.webhook_timeout)
        try:
            async with fake._client().post(
                self.url, json=update, headers=headers, timeout=timeout
            ) as response:
                await response.read()
                status = response.status
                reason = response.reason or ""
        except (aiohttp.ClientError, TimeoutError) as exc:
            status = 0
            self.last_error_message = f"Connection failed: {type(exc).__name__}: {exc}"
        else:
            if not 200 <= status < 300:
                self.last_error_message = f"Wrong response from the webhook: {status} {reason}"
        if not 200 <= status < 300:
            self.last_error_date = int(time.time())
        fake.webhook_deliveries.append((update["update_id"], status))
        fake._changed()
        return status
