"""Records kept by the fake: the bot's messages and the files it knows."""

from __future__ import annotations

import hashlib
import mimetypes
import struct
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class BotMessage:
    """A message the bot sent to a chat, in its current state.

    Attributes:
        chat_id: Chat the message is in.
        message_id: Its id in that chat.
        kind: "text", "photo" or "document".
        text: The text (or caption) as the user sees it, i.e. after entity parsing.
        source: The text (or caption) exactly as the bot sent it, markup included.
        parse_mode: The parse_mode it was sent (or last edited) with.
        entities: Entities of the text, offsets in UTF-16 units.
        reply_markup: The reply_markup as a parsed dict, or None.
        date: Unix time of sending.
        sent_at: time.monotonic() of sending.
        file_name: Name of the photo or document file, if any.
        file_bytes: Bytes of an uploaded file, if any.
        file_id: Telegram file_id of the file, if any.
        media: The "photo" list or "document" dict of the Message object.
        params: The decoded request parameters it was sent with.
        edits: One dict per edit, with the state after the edit and the method.
        deleted: Whether deleteMessage removed it.
        reply_to: The id of the message in the same chat it replies to, if any.
    """

    chat_id: int
    message_id: int
    kind: str
    text: str
    source: str
    parse_mode: str | None
    entities: list[dict]
    reply_markup: dict | None
    date: int
    sent_at: float
    file_name: str | None = None
    file_bytes: bytes | None = None
    file_id: str | None = None
    media: Any = None
    params: dict = field(default_factory=dict)
    edits: list[dict] = field(default_factory=list)
    deleted: bool = False
    edit_date: int | None = None
    reply_to: int | None = None

    @property
    def caption(self) -> str | None:
        """The caption of a photo or document, None for a text message."""
        return None if self.kind == "text" else self.text

    def buttons(self) -> list[dict]:
        """All inline keyboard buttons of the current reply_markup, row by row."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    def button_texts(self) -> list[str]:
        """Texts of the current inline buttons."""
        return [str(button.get("text", "")) for button in self.buttons()]

    def summary(self) -> str:
        """One readable line for failure messages."""
        flags = " (deleted)" if self.deleted else ""
        flags += f" (edited {len(self.edits)}x)" if self.edits else ""
        what = self.kind if self.kind == "text" else f"{self.kind} {self.file_name!r}"
        buttons = f" buttons={self.button_texts()}" if self.buttons() else ""
        text = self.text if len(self.text) <= 200 else self.text[:200] + "..."
        return f"#{self.message_id} {what}{flags}: {text!r}{buttons}"


@dataclass
class FileRecord:
    """A file known to the fake: uploaded by the bot or sent by a simulated user."""

    file_id: str
    file_unique_id: str
    kind: str
    file_name: str
    mime_type: str
    data: bytes
    file_path: str


class FileStore:
    """Assigns file ids and keeps file bytes for getFile and the file download route."""

    def __init__(self) -> None:
        """Start with no files."""
        self.by_id: dict[str, FileRecord] = {}
        self.by_path: dict[str, FileRecord] = {}
        self._counter = 0

    def add(
        self, kind: str, data: bytes, file_name: str, mime_type: str | None = None
    ) -> FileRecord:
        """Register bytes under a new file_id."""
        self._counter += 1
        digest = hashlib.sha1(f"{kind}:{self._counter}".encode()).hexdigest()
        prefix = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "sticker": "CAAC"}
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        suffix = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        record = FileRecord(
            file_id=f"{prefix.get(kind, 'BAAC')}AgIAAxkBAAI{digest[:24]}",
            file_unique_id=f"AQAD{digest[24:36]}",
            kind=kind,
            file_name=file_name,
            mime_type=mime,
            data=data,
            file_path=f"{kind}s/file_{self._counter}.{suffix}",
        )
        self.by_id[record.file_id] = record
        self.by_path[record.file_path] = record
        return record

    def file_object(self, record: FileRecord) -> dict:
        """The Bot API File object for getFile."""
        return {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.data),
            "file_path": record.file_path,
        }


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG image; (800, 600) when unknown."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                break
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return 800, 600


def photo_sizes(record: FileRecord) -> list[dict]:
    """PhotoSize list for a photo: a small thumbnail and the full picture."""
    width, height = image_size(record.data)
    scale = 90 / max(width, height, 1)
    thumb = {
        "file_id": record.file_id + "_s",
        "file_unique_id": record.file_unique_id + "s",
        "width": max(1, round(width * min(scale, 1))),
        "height": max(1, round(height * min(scale, 1))),
        "file_size": max(1, len(record.data) // 10),
    }
    full = {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "width": width,
        "height": height,
        "file_size": len(record.data),
    }
    return [thumb, full]


def document_object(record: FileRecord) -> dict:
    """Document object for a document file."""
    return {
        "file_id": record.file_id,
        "file_unique_id": record.file_unique_id,
        "file_name": record.file_name,
        "mime_type": record.mime_type,
        "file_size": len(record.data),
    }
