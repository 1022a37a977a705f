"""A Bot API transport on aiohttp for the outbox dispatcher.

PTB's default transport (httpx) costs about 2 ms of CPU per request here; aiohttp about a
tenth of that, which is what lets one process send thousands of messages a second when the
limits allow it (see bench/fanout.py). Interactive replies keep PTB's default transport.
`post_form` is the outbox's leaner path still: it takes ready string fields and returns the
answer's `result` as plain JSON, raising PTB's errors exactly where PTB would.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, RequestData

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _seconds(value: object, default: float | None) -> float | None:
    """Return a timeout in seconds, or the default when PTB says "use the default"."""
    if value is BaseRequest.DEFAULT_NONE:
        return default
    return value if isinstance(value, int | float) else default


class AiohttpRequest(BaseRequest):
    """Implements PTB's BaseRequest with one aiohttp session and a bounded connection pool."""

    def __init__(
        self, pool_size: int = 64, read_timeout: float = 20.0, connect_timeout: float = 5.0
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout, self._connect_timeout = read_timeout, connect_timeout
        self._timeout = aiohttp.ClientTimeout(sock_read=read_timeout, sock_connect=connect_timeout)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """Return the default read timeout."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            # trust_env: HTTP(S)_PROXY and NO_PROXY apply, as they do to PTB's httpx client,
            # so behind an egress proxy the outbox goes out the same way as the replies.
            self._session = aiohttp.ClientSession(connector=connector, trust_env=True)

    async def shutdown(self) -> None:
        """Close the session."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; map timeouts and connection errors to PTB's errors."""
        timeouts = aiohttp.ClientTimeout(
            sock_read=_seconds(read_timeout, self._read_timeout),
            sock_connect=_seconds(connect_timeout, self._connect_timeout),
        )
        if request_data is not None and not request_data.contains_files:
            body = request_data.url_encoded_parameters().encode()
            return await self._exchange(method, url, body, FORM, timeouts)
        return await self._exchange(method, url, _form(request_data), None, timeouts)

    async def post_form(self, url: str, fields: Mapping[str, str]) -> Any:
        """POST string fields url-encoded; return the answer's result or raise PTB's error."""
        body = urlencode(fields).encode()
        status, payload = await self._exchange("POST", url, body, FORM, self._timeout)
        if HTTPStatus.OK <= status <= 299:
            return self.parse_json_payload(payload)["result"]
        raise answer_error(status, payload)

    async def _exchange(
        self,
        method: str,
        url: str,
        data: object,
        headers: Mapping[str, str] | None,
        timeouts: aiohttp.ClientTimeout,
    ) -> tuple[int, bytes]:
        """Run one HTTP exchange on the shared session; return the status and the body."""
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeouts
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc!r}") from exc


def answer_error(status: int, payload: bytes) -> TelegramError:
    """Return the error PTB 22 raises for a non-2xx answer (as BaseRequest._request_wrapper)."""
    try:
        message = f"{HTTPStatus(status).phrase} ({status})"
    except ValueError:
        message = f"Unknown HTTPError ({status})"
    try:
        answer = BaseRequest.parse_json_payload(payload)
    except TelegramError:
        answer = {}
        message += f". Parsing the server response {payload!r} failed"
    message = answer.get("description") or message
    parameters = answer.get("parameters") or {}
    if parameters.get("migrate_to_chat_id"):
        return ChatMigrated(parameters["migrate_to_chat_id"])
    if parameters.get("retry_after"):
        return RetryAfter(parameters["retry_after"])
    errors = {403: Forbidden, 401: InvalidToken, 404: InvalidToken, 400: BadRequest, 409: Conflict}
    return errors.get(status, NetworkError)(message)


def _form(request_data: RequestData | None) -> aiohttp.FormData | None:
    """Return a multipart form for a request with files (None without data)."""
    if request_data is None:
        return None
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        form.add_field(name, data, filename=filename, content_type=mimetype)
    return form
