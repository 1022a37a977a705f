"""A Bot API transport on aiohttp for the outbox dispatcher.

PTB's default transport (httpx) costs about 2 ms of CPU per request here; aiohttp about a
tenth of that, which is what lets one process send thousands of messages a second when the
limits allow it (see bench/fanout.py). Interactive replies keep PTB's default transport.
"""

from __future__ import annotations

import asyncio

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


def _seconds(value: object, default: float | None) -> float | None:
    if value is BaseRequest.DEFAULT_NONE:  # "use the default" from PTB
        return default
    return value if isinstance(value, int | float) else default


class AiohttpRequest(BaseRequest):
    """Implements PTB's BaseRequest with one aiohttp session and a bounded connection pool."""

    def __init__(
        self, pool_size: int = 64, read_timeout: float = 20.0, connect_timeout: float = 5.0
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout, self._connect_timeout = read_timeout, connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """Return the default read timeout."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector)

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
        await self.initialize()
        assert self._session is not None
        timeout = aiohttp.ClientTimeout(
            sock_read=_seconds(read_timeout, self._read_timeout),
            sock_connect=_seconds(connect_timeout, self._connect_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=_body(request_data), timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp: {exc!r}") from exc
        except asyncio.CancelledError:
            raise


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        form.add_field(name, data, filename=filename, content_type=mimetype)
    return form
