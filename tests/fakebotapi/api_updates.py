"""getMe, getUpdates, webhooks, bot commands and the bot's profile."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from .updates import Webhook
from .wire import ApiError, Described, bad_request

CONFLICT_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
CONFLICT_SET_WEBHOOK = "Conflict: terminated by setWebhook request"
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_RE = re.compile(r"^([a-z]{2})?$")


def _int(params: dict[str, Any], name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f'field "{name}" must be of type Integer') from exc


def scope_key(scope: Any) -> str:
    """A readable key for a BotCommandScope: "default", "chat:5", "chat_member:5:7", ..."""
    if scope is None or scope == "":
        return "default"
    if not isinstance(scope, dict):
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope.get("type")
    if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
        return str(kind)
    if kind in ("chat", "chat_administrators") and "chat_id" in scope:
        return f"{kind}:{scope['chat_id']}"
    if kind == "chat_member" and "chat_id" in scope and "user_id" in scope:
        return f"chat_member:{scope['chat_id']}:{scope['user_id']}"
    raise bad_request("unsupported bot command scope type")


class UpdateMethods:
    """Bot API methods about the bot itself and getting updates, mixed into FakeBotApi."""

    async def api_get_me(self, params: dict[str, Any]) -> dict:
        """getMe."""
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def api_get_updates(self, params: dict[str, Any]) -> list[dict]:
        """getUpdates: confirm by offset, long-poll up to timeout, 409 while a webhook is set."""
        if self._webhook is not None:
            raise ApiError(409, CONFLICT_WEBHOOK_ACTIVE)
        offset = _int(params, "offset", 0)
        limit = min(100, max(1, _int(params, "limit", 100)))
        timeout = max(0, _int(params, "timeout", 0))
        if params.get("allowed_updates") is not None:
            self._queue.allowed = list(params["allowed_updates"])
        self._queue.confirm(offset)
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(CONFLICT_OTHER_POLL)
            self._changed()
        mine: asyncio.Future = asyncio.get_running_loop().create_future()
        self._poll = mine
        deadline = time.monotonic() + timeout
        try:
            while True:
                if mine.done():
                    raise ApiError(409, mine.result())
                updates = self._queue.take(limit)
                if updates or self._closing.is_set():
                    return updates
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                await self._wait_change(remaining)
        finally:
            if self._poll is mine:
                self._poll = None

    async def api_set_webhook(self, params: dict[str, Any]) -> Described:
        """setWebhook (plain http is allowed here; Telegram wants https)."""
        url = str(params.get("url") or "")
        if not url:
            return await self.api_delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        same = self._webhook is not None and self._webhook.url == url
        if params.get("drop_pending_updates"):
            self._queue.drop_all()
        if params.get("allowed_updates") is not None:
            self._queue.allowed = list(params["allowed_updates"])
        if self._webhook is not None:
            await self._webhook.stop()
        self._webhook = Webhook(self, url, str(secret) if secret else None, params)
        self._webhook.start()
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(CONFLICT_SET_WEBHOOK)
            self._changed()
        return Described(True, "Webhook is already set" if same else "Webhook was set")

    async def api_delete_webhook(self, params: dict[str, Any]) -> Described:
        """deleteWebhook."""
        had = self._webhook is not None
        if self._webhook is not None:
            await self._webhook.stop()
            self._webhook = None
        if params.get("drop_pending_updates"):
            self._queue.drop_all()
        return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")

    async def api_get_webhook_info(self, params: dict[str, Any]) -> dict:
        """getWebhookInfo."""
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False}
        if self._webhook is not None:
            info.update(self._webhook.info())
        info["pending_update_count"] = len(self._queue.pending)
        return info

    def _commands_key(self, params: dict[str, Any]) -> tuple[str, str]:
        language = str(params.get("language_code") or "")
        if not _LANGUAGE_RE.match(language):
            raise bad_request("invalid language code specified")
        return scope_key(params.get("scope")), language

    async def api_set_my_commands(self, params: dict[str, Any]) -> bool:
        """setMyCommands, stored per (scope, language_code) in fake.commands."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(str(command.get("command"))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "")) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        self.commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        if not commands:
            self.commands.pop(key)
        return True

    async def api_get_my_commands(self, params: dict[str, Any]) -> list[dict]:
        """getMyCommands for exactly this scope and language."""
        return list(self.commands.get(self._commands_key(params), []))

    async def api_delete_my_commands(self, params: dict[str, Any]) -> bool:
        """deleteMyCommands for exactly this scope and language."""
        self.commands.pop(self._commands_key(params), None)
        return True

    async def api_close(self, params: dict[str, Any]) -> bool:
        """close."""
        return True

    async def api_log_out(self, params: dict[str, Any]) -> bool:
        """logOut."""
        return True

    def _profile_set(self, field: str, params: dict[str, Any]) -> bool:
        self.profile[(field, str(params.get("language_code") or ""))] = params.get(field) or ""
        return True

    def _profile_get(self, field: str, params: dict[str, Any]) -> dict:
        value = self.profile.get((field, str(params.get("language_code") or "")), "")
        return {field: value}

    async def api_set_my_description(self, params: dict[str, Any]) -> bool:
        """setMyDescription."""
        return self._profile_set("description", params)

    async def api_get_my_description(self, params: dict[str, Any]) -> dict:
        """getMyDescription."""
        return self._profile_get("description", params)

    async def api_set_my_short_description(self, params: dict[str, Any]) -> bool:
        """setMyShortDescription."""
        return self._profile_set("short_description", params)

    async def api_get_my_short_description(self, params: dict[str, Any]) -> dict:
        """getMyShortDescription."""
        return self._profile_get("short_description", params)

    async def api_set_my_name(self, params: dict[str, Any]) -> bool:
        """setMyName."""
        return self._profile_set("name", params)

    async def api_get_my_name(self, params: dict[str, Any]) -> dict:
        """getMyName."""
        return self._profile_get("name", params)

    async def api_set_chat_menu_button(self, params: dict[str, Any]) -> bool:
        """setChatMenuButton."""
        self.profile[("menu_button", str(params.get("chat_id") or ""))] = params.get(
            "menu_button"
        ) or {"type": "default"}
        return True

    async def api_get_chat_menu_button(self, params: dict[str, Any]) -> dict:
        """getChatMenuButton."""
        key = ("menu_button", str(params.get("chat_id") or ""))
        return self.profile.get(key) or {"type": "commands"}
