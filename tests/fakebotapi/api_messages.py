"""Sending messages: sendMessage, sendPhoto, sendDocument and the checks they share."""

from __future__ import annotations

import time
from typing import Any

from .api_edits import EditMethods
from .entities import CAPTION_LIMIT, TEXT_LIMIT, EntityError, parse_text
from .models import BotMessage, FileRecord, document_object, photo_sizes
from .wire import ApiError, UploadedFile, bad_request

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_DOCUMENT_MAX = 50 * 1024 * 1024


class MessagingMethods(EditMethods):
    """Bot API methods that send messages, mixed into FakeBotApi."""

    # ------------------------------------------------------------- shared checks

    def _target_chat(self, params: dict[str, Any]) -> int:
        """The chat_id parameter as a known chat id, or the 400 Telegram gives."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or chat_id not in self._chats:
            raise bad_request("chat not found")
        return chat_id

    def _format(self, source: Any, parse_mode: Any, what: str) -> tuple[str, list[dict]]:
        """Parse text or caption; raise Telegram's 400 for bad markup, empty or long text."""
        source = "" if source is None else str(source)
        try:
            plain, entities = parse_text(source, parse_mode or None, self.strict_html)
        except EntityError as exc:
            raise bad_request(f"can't parse entities: {exc}") from exc
        except ValueError as exc:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}") from exc
        visible = plain.strip()
        if what == "text" and not visible:
            raise bad_request("message text is empty")
        if what == "text" and len(visible) > TEXT_LIMIT:
            raise bad_request("message is too long")
        if what == "caption" and len(visible) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        return plain, entities

    def _markup(self, params: dict[str, Any]) -> dict | None:
        """The reply_markup parameter, checked like Telegram checks inline keyboards."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                self._check_button(button)
        return markup

    @staticmethod
    def _check_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text field is missing")
        if not any(key in button for key in _BUTTON_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the "
                "inline keyboard"
            )
        if "callback_data" in button:
            data = str(button["callback_data"])
            if not 1 <= len(data.encode("utf-8")) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = str(button["url"])
            if not url.startswith(("http://", "https://", "tg://")):
                raise bad_request("BUTTON_URL_INVALID")

    def _reply_to(self, params: dict[str, Any], chat_id: int) -> int | None:
        """The message a send replies to (reply_parameters, or the older reply_to_message_id),
        or Telegram's 400 when it is gone and sending without it was not allowed."""
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {"message_id": params["reply_to_message_id"]}
        if reply is None:
            return None
        if not isinstance(reply, dict) or not isinstance(reply.get("message_id"), int):
            raise bad_request("can't parse reply parameters JSON object")
        if reply.get("chat_id", chat_id) != chat_id:
            raise bad_request("replies to other chats are not supported by the fake")
        if self._replied_dict(chat_id, reply["message_id"]) is not None:
            return reply["message_id"]
        if reply.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def _replied_dict(self, chat_id: int, message_id: int) -> dict | None:
        """A replied-to message as Telegram nests it: one level, without its own reply."""
        user_message = self._user_messages.get((chat_id, message_id))
        if user_message is not None:
            return {k: v for k, v in user_message.items() if k != "reply_to_message"}
        for msg in self._messages.get(chat_id, []):
            if msg.message_id == message_id and not msg.deleted:
                return self.message_dict(msg, nested=True)
        return None

    def _flood(self, method: str, chat_id: int) -> None:
        """Check flood limits for one send: record breaches, 429 when enforcing."""
        now = time.monotonic()
        breaches = self._limiter.check(chat_id, now)
        for breach in breaches:
            self.violations.append(
                f"{method} chat={chat_id}: flood limit: {breach.detail} "
                f"(retry_after {breach.retry_after}s)"
            )
        if breaches and self.enforce_limits:
            wait = max(breach.retry_after for breach in breaches)
            raise ApiError(429, f"Too Many Requests: retry after {wait}", wait)
        self._limiter.record(chat_id, now)

    def _file_from_param(self, value: Any, kind: str) -> tuple[FileRecord, bool]:
        """Resolve an uploaded file, a known file_id or a URL; return (record, uploaded)."""
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad_request("file must be non-empty")
            if kind == "document" and len(value.data) > _DOCUMENT_MAX:
                raise ApiError(413, "Request Entity Too Large")
            record = self.files.add(kind, value.data, value.filename, value.content_type)
            return record, True
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        value = str(value)
        known = self.files.by_id.get(value) or self.files.by_id.get(value.removesuffix("_s"))
        if known is not None:
            if known.kind != kind:
                raise bad_request("type of file mismatch")
            return known, False
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self.files.add(kind, b"", name), False
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _store(self, msg: BotMessage) -> dict:
        self._messages.setdefault(msg.chat_id, []).append(msg)
        return self.message_dict(msg)

    def message_dict(self, msg: BotMessage, nested: bool = False) -> dict[str, Any]:
        """The Bot API Message object for a bot message in its current state; with the
        message it replies to, unless that is gone (or this one is nested in a reply)."""
        chat = self._chats.get(msg.chat_id, {"id": msg.chat_id, "type": "private"})
        result: dict[str, Any] = {
            "message_id": msg.message_id,
            "from": self.bot_user(),
            "chat": dict(chat),
            "date": msg.date,
        }
        if msg.edit_date is not None:
            result["edit_date"] = msg.edit_date
        if msg.kind == "text":
            result["text"] = msg.text
            if msg.entities:
                result["entities"] = msg.entities
        else:
            result[msg.kind] = msg.media
            if msg.text:
                result["caption"] = msg.text
                if msg.entities:
                    result["caption_entities"] = msg.entities
        if msg.reply_markup and "inline_keyboard" in msg.reply_markup:
            result["reply_markup"] = msg.reply_markup
        if msg.reply_to is not None and not nested:
            replied = self._replied_dict(msg.chat_id, msg.reply_to)
            if replied is not None:
                result["reply_to_message"] = replied
        return result

    # ------------------------------------------------------------------- methods

    async def api_send_message(self, params: dict[str, Any]) -> dict:
        """sendMessage."""
        chat_id = self._target_chat(params)
        text, entities = self._format(params.get("text"), params.get("parse_mode"), "text")
        markup = self._markup(params)
        reply_to = self._reply_to(params, chat_id)
        self._flood("sendMessage", chat_id)
        return self._store(
            BotMessage(
                chat_id=chat_id,
                message_id=self._next_message_id(chat_id),
                kind="text",
                text=text,
                source=str(params.get("text")),
                parse_mode=params.get("parse_mode"),
                entities=entities,
                reply_markup=markup,
                date=int(time.time()),
                sent_at=time.monotonic(),
                params=params,
                reply_to=reply_to,
            )
        )

    async def _send_file(self, params: dict[str, Any], kind: str, method: str) -> dict:
        chat_id = self._target_chat(params)
        caption, entities = self._format(
            params.get("caption"), params.get("parse_mode"), "caption"
        )
        record, uploaded = self._file_from_param(params.get(kind), kind)
        markup = self._markup(params)
        reply_to = self._reply_to(params, chat_id)
        self._flood(method, chat_id)
        media = photo_sizes(record) if kind == "photo" else document_object(record)
        return self._store(
            BotMessage(
                chat_id=chat_id,
                message_id=self._next_message_id(chat_id),
                kind=kind,
                text=caption,
                source=str(params.get("caption") or ""),
                parse_mode=params.get("parse_mode"),
                entities=entities,
                reply_markup=markup,
                date=int(time.time()),
                sent_at=time.monotonic(),
                file_name=record.file_name,
                file_bytes=record.data if uploaded else None,
                file_id=record.file_id,
                media=media,
                params=params,
                reply_to=reply_to,
            )
        )

    async def api_send_photo(self, params: dict[str, Any]) -> dict:
        """sendPhoto."""
        return await self._send_file(params, "photo", "sendPhoto")

    async def api_send_document(self, params: dict[str, Any]) -> dict:
        """sendDocument."""
        return await self._send_file(params, "document", "sendDocument")
