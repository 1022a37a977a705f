"""HTTP wire format of the Bot API: decoding requests and encoding answers.

PTB 22 sends every parameter as a string: plain strings as they are, everything else JSON
encoded (``chat_id='123'``, ``reply_markup='{"inline_keyboard": ...}'``). The body is
``application/x-www-form-urlencoded`` without files and ``multipart/form-data`` with files;
other clients send ``application/json``. All three are accepted here, and query string
parameters too (Telegram accepts GET).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# Parameters whose type is String in the Bot API: they must never be JSON-decoded, or a
# text like "123" or "true" would change type.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "callback_query_id",
        "inline_message_id",
        "language_code",
        "action",
        "description",
        "short_description",
        "name",
        "photo",
        "document",
        "file_id",
        "ip_address",
        "emoji",
        "title",
        "business_connection_id",
        "message_effect_id",
    }
)


@dataclass
class UploadedFile:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        """Show the file without dumping its bytes."""
        return f"UploadedFile({self.field!r}, {self.filename!r}, {len(self.data)} bytes)"


@dataclass
class Described:
    """A successful result that Telegram answers with a description too."""

    result: Any
    description: str


class ApiError(Exception):
    """An error answer of the Bot API, raised by method handlers."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        """Store the HTTP status, Telegram's description and an optional retry_after."""
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    """Build a 400 error; the 'Bad Request: ' prefix is added."""
    return ApiError(400, f"Bad Request: {description}")


def decode_value(name: str, value: Any) -> Any:
    """Decode one parameter: JSON-encoded strings become values, String fields stay strings."""
    if not isinstance(value, str) or name in STRING_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def read_params(request: web.Request) -> dict[str, Any]:
    """Read query, form, multipart or JSON parameters of a request into one decoded dict."""
    raw: dict[str, Any] = dict(request.query)
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        raw.update(body)
    elif ctype == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if part is None or not hasattr(part, "filename"):
                continue
            if part.filename is not None:
                raw[part.name or ""] = UploadedFile(
                    field=part.name or "",
                    filename=part.filename,
                    content_type=part.headers.get("Content-Type", "application/octet-stream"),
                    data=bytes(await part.read()),
                )
            else:
                raw[part.name or ""] = await part.text()
    elif ctype == "application/x-www-form-urlencoded":
        raw.update(await request.post())
    params = {key: decode_value(key, value) for key, value in raw.items()}
    # attach://<name> points at another multipart part.
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = params.get(value[len("attach://") :])
            if isinstance(part, UploadedFile):
                params[key] = part
    return params


def ok_response(result: Any, description: str | None = None) -> web.Response:
    """Encode a successful answer."""
    body: dict[str, Any] = {"ok": True, "result": result}
    if description:
        body["description"] = description
    return web.json_response(body)


def error_response(err: ApiError) -> web.Response:
    """Encode an error answer with the matching HTTP status."""
    return web.json_response(err.payload(), status=err.status)
