"""What a test uses to steer the fake and to look at what the bot did."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from .faults import Fault
from .models import BotMessage
from .simuser import SimUser


class Controls:
    """Test-side controls of FakeBotApi: users, updates, faults and records."""

    # ------------------------------------------------------------- test controls

    @property
    def injected(self) -> Counter:
        """Injected faults answered so far, per kind (blocked chats count as "blocked")."""
        return self._faults.injected

    def fail_next(
        self, method: str, fault: Fault, times: int = 1, chat_id: int | str | None = None
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with `fault`."""
        self._faults.add(method, fault, times, chat_id)

    def block(self, chat_id: int) -> None:
        """Answer every send to chat_id with 403 "bot was blocked by the user"."""
        self._faults.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo block()."""
        self._faults.blocked.discard(chat_id)

    def fault_rate(self, rate: float, faults: list[Fault] | None = None, seed: int = 1) -> None:
        """Fail this fraction of send calls at random with one of `faults` (0 turns it off)."""
        self._faults.rate = rate
        self._faults.rate_faults = list(faults or [Fault.retry_after(1), Fault.server_error()])
        self._faults.rng.seed(seed)

    def reset_limits(self) -> None:
        """Forget flood-limit history (e.g. after a deliberate burst)."""
        self._limiter.reset()

    def user(
        self,
        user_id: int,
        first_name: str = "Anna",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "da",
    ) -> SimUser:
        """The simulated user with this id (created on first call); its chat id is user_id."""
        if user_id not in self._users:
            self._users[user_id] = SimUser(
                self, user_id, first_name, last_name, username, language_code
            )
        return self._users[user_id]

    def add_chat(self, chat_id: int, title: str = "Test group", chat_type: str = "group") -> None:
        """Make a group/supergroup/channel chat known, so the bot may send to it."""
        self._chats[chat_id] = {"id": chat_id, "type": chat_type, "title": title}

    def enqueue(self, update: dict) -> int:
        """Queue an update (update_id is assigned) for getUpdates or the webhook."""
        update_id = self._queue.add(update)
        self._learn_chats(update)
        self._changed()
        return update_id

    def inject(self, update: dict) -> int:
        """Queue any raw update, even of a type allowed_updates leaves out or one the Bot API
        does not have (a fuzzer's, or a future Telegram's); update_id is assigned."""
        update_id = self._queue.add(update, unfiltered=True)
        self._learn_chats(update)
        self._changed()
        return update_id

    def open_query(self, user_id: int) -> str:
        """Register a callback query id for a raw callback_query update from user_id, so that
        answerCallbackQuery accepts it once; see query_answered()."""
        query_id = self._next_query_id()
        self._queries[query_id] = {"user_id": user_id, "at": time.monotonic(), "answered": False}
        return query_id

    def query_answered(self, query_id: str) -> bool:
        """Whether the bot answered this callback query."""
        return bool(self._queries[query_id]["answered"])

    async def redeliver(self, update_id: int) -> int | None:
        """Deliver an update again: one POST to the webhook (returns its status), else requeue."""
        update = self._queue.all[update_id]
        if self._webhook is not None:
            return await self._webhook.post(update)
        self._queue.force(update)
        self._changed()
        return None

    @property
    def updates(self) -> dict[int, dict]:
        """Every update ever enqueued, by update_id."""
        return self._queue.all

    @property
    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed or delivered."""
        return list(self._queue.pending)

    def messages(self, chat_id: int | None = None) -> list[BotMessage]:
        """The bot's messages to one chat, or to all chats, in order of sending."""
        if chat_id is not None:
            return list(self._messages.get(chat_id, []))
        every = [m for msgs in self._messages.values() for m in msgs]
        return sorted(every, key=lambda m: m.sent_at)

    def message(self, chat_id: int, message_id: int) -> BotMessage:
        """One bot message by chat and id; KeyError if the bot never sent it."""
        for msg in self._messages.get(chat_id, []):
            if msg.message_id == message_id:
                return msg
        raise KeyError((chat_id, message_id))

    # ------------------------------------------------------------------ helpers

    def _learn_chats(self, update: dict) -> None:
        for key in ("message", "edited_message", "callback_query", "my_chat_member"):
            obj = update.get(key)
            if not isinstance(obj, dict):
                continue
            sender = obj.get("from")
            if key == "callback_query" and isinstance(sender, dict):
                private = {k: v for k, v in sender.items() if k in ("first_name", "last_name")}
                if sender.get("username"):
                    private["username"] = sender["username"]
                self._chats.setdefault(sender["id"], {"id": sender["id"], "type": "private"})
                self._chats[sender["id"]].update(private)
                obj = obj.get("message") or {}
            chat = obj.get("chat")
            if isinstance(chat, dict) and "id" in chat:
                self._chats[chat["id"]] = dict(chat)

    def _next_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _next_query_id(self) -> str:
        self._query_seq += 1
        return str(4_300_000_000_000_000_000 + self._query_seq)

    def bot_user(self) -> dict[str, Any]:
        """The bot as a User object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Praktikbot (test)",
            "username": self.bot_username,
        }
