"""Editing and deleting messages, callback answers, chat actions, getChat and getFile."""

from __future__ import annotations

import time
from typing import Any

from .models import BotMessage
from .wire import bad_request

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NO_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


def _inline(markup: dict | None) -> dict | None:
    return markup if markup and "inline_keyboard" in markup else None


class EditMethods:
    """Bot API methods that change or answer existing things, mixed into FakeBotApi."""

    def _find_message(self, params: dict[str, Any], verb: str) -> BotMessage:
        """The bot message an edit or delete refers to, or Telegram's 400."""
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat_id = self._target_chat(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        for msg in self._messages.get(chat_id, []):
            if msg.message_id == message_id and not msg.deleted:
                return msg
        if verb == "edit" and (chat_id, message_id) in self._user_messages:
            raise bad_request("message can't be edited")
        raise bad_request(f"message to {verb} not found")

    def _apply_edit(self, msg: BotMessage, method: str, **changes: Any) -> dict:
        for key, value in changes.items():
            setattr(msg, key, value)
        msg.edit_date = int(time.time())
        msg.edits.append(
            {
                "method": method,
                "text": msg.text,
                "source": msg.source,
                "parse_mode": msg.parse_mode,
                "entities": msg.entities,
                "reply_markup": msg.reply_markup,
                "at": time.monotonic(),
            }
        )
        return self.message_dict(msg)

    async def api_edit_message_text(self, params: dict[str, Any]) -> dict:
        """editMessageText; leaving out reply_markup removes the inline keyboard."""
        msg = self._find_message(params, "edit")
        if msg.kind != "text":
            raise bad_request("there is no text in the message to edit")
        text, entities = self._format(params.get("text"), params.get("parse_mode"), "text")
        markup = self._markup(params)
        if (text, entities, _inline(markup)) == (
            msg.text,
            msg.entities,
            _inline(msg.reply_markup),
        ):
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(
            msg,
            "editMessageText",
            text=text,
            source=str(params.get("text")),
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
        )

    async def api_edit_message_caption(self, params: dict[str, Any]) -> dict:
        """editMessageCaption."""
        msg = self._find_message(params, "edit")
        if msg.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._format(
            params.get("caption"), params.get("parse_mode"), "caption"
        )
        markup = self._markup(params)
        if (caption, entities, _inline(markup)) == (
            msg.text,
            msg.entities,
            _inline(msg.reply_markup),
        ):
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(
            msg,
            "editMessageCaption",
            text=caption,
            source=str(params.get("caption") or ""),
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
        )

    async def api_edit_message_reply_markup(self, params: dict[str, Any]) -> dict:
        """editMessageReplyMarkup."""
        msg = self._find_message(params, "edit")
        markup = self._markup(params)
        if _inline(markup) == _inline(msg.reply_markup):
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(msg, "editMessageReplyMarkup", reply_markup=markup)

    async def api_delete_message(self, params: dict[str, Any]) -> bool:
        """deleteMessage: the bot's own messages and users' messages in private chats."""
        chat_id = self._target_chat(params)
        key = (chat_id, params.get("message_id"))
        if key in self._user_messages:
            del self._user_messages[key]
            return True
        msg = self._find_message(params, "delete")
        msg.deleted = True
        return True

    async def api_answer_callback_query(self, params: dict[str, Any]) -> bool:
        """answerCallbackQuery: once per query, within callback_timeout seconds."""
        query = self._queries.get(str(params.get("callback_query_id") or ""))
        if query is None or query["answered"]:
            raise bad_request(QUERY_TOO_OLD)
        if time.monotonic() - query["at"] > self.callback_timeout:
            raise bad_request(QUERY_TOO_OLD)
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query["answered"] = True
        user = self._users.get(query["user_id"])
        if user is not None:
            user.callback_answers.append(dict(params))
        return True

    async def api_send_chat_action(self, params: dict[str, Any]) -> bool:
        """sendChatAction."""
        chat_id = self._target_chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat_id, str(action), time.monotonic()))
        return True

    async def api_get_chat(self, params: dict[str, Any]) -> dict:
        """getChat: a ChatFullInfo for a chat the fake knows."""
        chat_id = self._target_chat(params)
        info = dict(self._chats[chat_id])
        info.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types=NO_GIFTS)
        return info

    async def api_get_file(self, params: dict[str, Any]) -> dict:
        """getFile: file_path is served under base_file_url."""
        record = self.files.by_id.get(str(params.get("file_id") or ""))
        if record is None:
            raise bad_request("invalid file_id")
        return self.files.file_object(record)
