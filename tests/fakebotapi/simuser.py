"""SimUser: a Telegram user in a private chat with the bot, driven from a test."""

from __future__ import annotations

import asyncio
import struct
import time
import zlib
from typing import TYPE_CHECKING, Any

from .entities import command_entities
from .models import BotMessage, photo_sizes

if TYPE_CHECKING:
    from .server import FakeBotApi


def _tiny_png(width: int = 64, height: int = 48) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        """One PNG chunk with its length and CRC."""
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


TINY_PNG = _tiny_png()


class SimUser:
    """A user writing to the bot; every wait has a timeout and fails with what the chat got."""

    def __init__(
        self,
        fake: FakeBotApi,
        user_id: int,
        first_name: str = "Anna",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "da",
    ) -> None:
        """Create the user; use FakeBotApi.user() rather than this."""
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.callback_answers: list[dict] = []
        self.sent: dict[int, dict] = {}  # message_id -> the user's message as last sent/edited
        self._cursor = 0
        self._answer_cursor = 0
        self._seen_edits: dict[int, int] = {}
        self._update_to_message: dict[int, int] = {}

    # ---------------------------------------------------------------- identity

    @property
    def chat_id(self) -> int:
        """The private chat's id (equal to the user id)."""
        return self.id

    def user_dict(self) -> dict[str, Any]:
        """This user as a Bot API User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_dict(self) -> dict[str, Any]:
        """The private chat as a Bot API Chat object."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    @property
    def messages(self) -> list[BotMessage]:
        """Every bot message to this chat so far, consumed or not."""
        return self.fake.messages(self.id)

    # ------------------------------------------------------------------ sending

    async def _post(self, content: dict[str, Any]) -> int:
        message_id = self.fake._next_message_id(self.id)
        message = {
            "message_id": message_id,
            "from": self.user_dict(),
            "chat": self.chat_dict(),
            "date": int(time.time()),
            **content,
        }
        self.fake._user_messages[(self.id, message_id)] = message
        self.sent[message_id] = message
        update_id = self.fake.enqueue({"message": message})
        self._update_to_message[update_id] = message_id
        await asyncio.sleep(0)
        return update_id

    async def send(self, text: str, reply_to: BotMessage | None = None) -> int:
        """Send a text message (a leading /command gets its bot_command entity).

        With `reply_to`, the message replies to that bot message (Telegram's reply_to_message).
        """
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            content["reply_to_message"] = self.fake.message_dict(reply_to, nested=True)
        return await self._post(content)

    async def block_bot(self) -> int:
        """Block the bot, as Telegram does it: every send to this chat now fails with 403,
        and the bot gets a my_chat_member update (member -> kicked)."""
        self.fake.block(self.id)
        return await self._member_change("member", "kicked")

    async def unblock_bot(self) -> int:
        """Unblock the bot: sends work again, and a my_chat_member update (kicked -> member)."""
        self.fake.unblock(self.id)
        return await self._member_change("kicked", "member")

    async def _member_change(self, old: str, new: str) -> int:
        def member(status: str) -> dict[str, Any]:
            body: dict[str, Any] = {"user": self.fake.bot_user(), "status": status}
            if status == "kicked":
                body["until_date"] = 0
            return body

        change = {
            "chat": self.chat_dict(),
            "from": self.user_dict(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        update_id = self.fake.enqueue({"my_chat_member": change})
        await asyncio.sleep(0)
        return update_id

    def delete(self, update_id_or_message_id: int) -> None:
        """Delete a message this user sent (by its update_id or message_id); as in Telegram,
        the bot is not told, but the message no longer appears in replies to it."""
        ref = update_id_or_message_id
        message_id = self._update_to_message.get(ref, ref)
        if self.fake._user_messages.pop((self.id, message_id), None) is None:
            raise AssertionError(f"user {self.id} has no message {ref} to delete")

    async def send_sticker(self, emoji: str = "👍") -> int:
        """Send a sticker."""
        record = self.fake.files.add("sticker", b"RIFF\x00\x00\x00\x00WEBP", "sticker.webp")
        sticker = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(record.data),
        }
        return await self._post({"sticker": sticker})

    async def send_photo(self, caption: str | None = None, data: bytes = TINY_PNG) -> int:
        """Send a photo (PNG bytes), optionally with a caption."""
        record = self.fake.files.add("photo", data, "photo.png", "image/png")
        content: dict[str, Any] = {"photo": photo_sizes(record)}
        if caption:
            content["caption"] = caption
        return await self._post(content)

    async def send_voice(self, duration: int = 3) -> int:
        """Send a voice message."""
        record = self.fake.files.add("voice", b"OggS" + bytes(60), "voice.ogg", "audio/ogg")
        voice = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(record.data),
        }
        return await self._post({"voice": voice})

    async def send_document(
        self,
        content: bytes = b"%PDF-1.4\n% fake\n",
        file_name: str = "document.pdf",
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        """Send a document; its bytes can be downloaded by the bot via getFile."""
        record = self.fake.files.add("document", content, file_name, mime_type)
        document = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_name": record.file_name,
            "mime_type": record.mime_type,
            "file_size": len(content),
        }
        message: dict[str, Any] = {"document": document}
        if caption:
            message["caption"] = caption
        return await self._post(message)

    async def edit(self, update_id_or_message_id: int, new_text: str) -> int:
        """Edit a text message this user sent before (by its update_id or message_id)."""
        ref = update_id_or_message_id
        message_id = self._update_to_message.get(ref, ref)
        original = self.sent.get(message_id)
        if original is None or "text" not in original:
            raise AssertionError(
                f"user {self.id} sent no text message {ref}; sent: {sorted(self.sent)}"
            )
        edited = {k: v for k, v in original.items() if k != "entities"}
        edited.update(text=new_text, edit_date=int(time.time()))
        entities = command_entities(new_text)
        if entities:
            edited["entities"] = entities
        self.sent[message_id] = edited
        if (self.id, message_id) in self.fake._user_messages:  # replies show the edited text
            self.fake._user_messages[(self.id, message_id)] = edited
        update_id = self.fake.enqueue({"edited_message": edited})
        await asyncio.sleep(0)
        return update_id

    # --------------------------------------------------------------- callbacks

    def _find_button(self, msg: BotMessage, wanted: str) -> dict:
        buttons = msg.buttons()
        found = [b for b in buttons if b.get("text") == wanted]
        found = found or [b for b in buttons if str(b.get("callback_data")) == wanted]
        if not found:
            found = [b for b in buttons if wanted.lower() in str(b.get("text", "")).lower()]
        listing = [(b.get("text"), b.get("callback_data") or b.get("url")) for b in buttons]
        if not found:
            raise AssertionError(
                f"no button {wanted!r} in message #{msg.message_id} ({msg.text[:80]!r}); "
                f"its buttons now: {listing}"
            )
        if len(found) > 1:
            raise AssertionError(f"button {wanted!r} is ambiguous in {listing}")
        if "callback_data" not in found[0]:
            raise AssertionError(f"button {found[0].get('text')!r} has no callback_data")
        return found[0]

    async def _callback(self, message: dict, data: str) -> int:
        query_id = self.fake._next_query_id()
        self.fake._queries[query_id] = {
            "user_id": self.id,
            "at": time.monotonic(),
            "answered": False,
        }
        query = {
            "id": query_id,
            "from": self.user_dict(),
            "message": message,
            "chat_instance": str(-(self.id * 7919 % 10**12) - 1),
            "data": data,
        }
        update_id = self.fake.enqueue({"callback_query": query})
        await asyncio.sleep(0)
        return update_id

    async def press(self, bot_message: BotMessage, text_or_data: str) -> int:
        """Press an inline button of the message's CURRENT markup, by text or callback_data."""
        if bot_message.chat_id != self.id:
            raise AssertionError(f"message #{bot_message.message_id} is not in chat {self.id}")
        if bot_message.deleted:
            raise AssertionError(f"message #{bot_message.message_id} was deleted")
        button = self._find_button(bot_message, text_or_data)
        self._seen_edits.setdefault(bot_message.message_id, len(bot_message.edits))
        message = self.fake.message_dict(bot_message)
        return await self._callback(message, str(button["callback_data"]))

    async def press_data(self, message_id: int, data: str) -> int:
        """Send a callback query with any data for any message id, without checks."""
        try:
            message = self.fake.message_dict(self.fake.message(self.id, message_id))
        except KeyError:
            message = {"chat": self.chat_dict(), "message_id": message_id, "date": 0}
        return await self._callback(message, data)

    # ---------------------------------------------------------------- receiving

    def report(self) -> str:
        """What this chat received, for failure messages (* marks not yet consumed)."""
        msgs = self.messages
        lines = [f"chat {self.id} received {len(msgs)} bot message(s):"]
        for i, msg in enumerate(msgs):
            lines.append(f"  {' ' if i < self._cursor else '*'} {msg.summary()}")
        return "\n".join(lines)

    def read_all(self) -> None:
        """Mark every message received so far as consumed (e.g. after a scheduled one)."""
        self._cursor = len(self.fake._messages.get(self.id, []))

    async def next_message(self, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """The next bot message to this chat that this user has not consumed yet."""
        start = self._cursor
        try:
            await self.fake.wait_for(
                lambda: len(self.fake._messages.get(self.id, [])) > start, timeout
            )
        except TimeoutError:
            raise AssertionError(
                f"no new bot message within {timeout}s\n{self.report()}"
            ) from None
        msg = self.fake._messages[self.id][start]
        self._cursor = start + 1
        self._seen_edits.setdefault(msg.message_id, len(msg.edits))
        return msg

    async def expect_text(self, substring: str, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """Consume messages until one contains substring (case-insensitive)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        wanted = substring.lower()
        seen: list[str] = []
        while True:
            try:
                msg = await self.next_message(max(0.0, deadline - loop.time()))
            except AssertionError:
                raise AssertionError(
                    f"no bot message containing {substring!r} within {timeout}s; "
                    f"consumed meanwhile: {seen}\n{self.report()}"
                ) from None
            if wanted in msg.text.lower() or wanted in msg.source.lower():
                return msg
            seen.append(msg.summary())

    async def no_message(self, within: float = 0.5) -> None:
        """Assert that no new bot message arrives within `within` seconds."""
        start = self._cursor
        try:
            await self.fake.wait_for(
                lambda: len(self.fake._messages.get(self.id, [])) > start, within
            )
        except TimeoutError:
            return
        raise AssertionError(
            f"expected no bot message within {within}s, got "
            f"{self.fake._messages[self.id][start].summary()}\n{self.report()}"
        )

    async def wait_edit(self, bot_message: BotMessage, timeout: float = 5.0) -> BotMessage:  # noqa: ASYNC109
        """Wait until the message is edited again (since this user last saw it)."""
        seen = self._seen_edits.setdefault(bot_message.message_id, len(bot_message.edits))
        try:
            await self.fake.wait_for(lambda: len(bot_message.edits) > seen, timeout)
        except TimeoutError:
            raise AssertionError(
                f"message #{bot_message.message_id} was not edited within {timeout}s "
                f"(edits so far: {len(bot_message.edits)})\n{self.report()}"
            ) from None
        self._seen_edits[bot_message.message_id] = len(bot_message.edits)
        return bot_message

    async def wait_callback_answer(self, timeout: float = 5.0) -> dict:  # noqa: ASYNC109
        """The next answerCallbackQuery made for this user's queries."""
        start = self._answer_cursor
        try:
            await self.fake.wait_for(lambda: len(self.callback_answers) > start, timeout)
        except TimeoutError:
            raise AssertionError(
                f"no answerCallbackQuery for user {self.id} within {timeout}s; "
                f"answers so far: {self.callback_answers}"
            ) from None
        self._answer_cursor = start + 1
        return self.callback_answers[start]
