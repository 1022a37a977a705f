"""FakeBotApi: a Telegram Bot API server on 127.0.0.1 for end-to-end tests.

Point a real PTB bot at it with ``Bot(token, base_url=f"{fake.base_url}/bot",
base_file_url=f"{fake.base_url}/file/bot")``. Requests go to ``/bot<TOKEN>/<method>``;
any token of the form ``<digits>:<chars>`` is accepted and the digits are the bot's id.
Method names are case-insensitive, as with Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web

from .api_messages import MessagingMethods
from .api_updates import UpdateMethods
from .controls import Controls
from .faults import Fault, FaultPlan
from .limits import RateLimiter
from .models import BotMessage, FileStore
from .simuser import SimUser
from .updates import UpdateQueue, Webhook
from .wire import ApiError, Described, error_response, ok_response, read_params

_LOG = logging.getLogger(__name__)
_TOKEN_RE = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
# Methods answered 403 for a blocked chat.
BLOCKABLE = SEND_METHODS | {
    "sendChatAction",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


class FakeBotApi(Controls, MessagingMethods, UpdateMethods):
    """A fake Telegram Bot API server with Telegram's answers, limits and injectable faults.

    Attributes:
        calls: Every request as (method, decoded params, time.monotonic()).
        violations: Readable strings, one per broken Telegram rule: every 400 a method gives
            (empty or too long text, bad markup, unknown chat/message/query, ...) and every
            flood-limit breach (rules in limits.py: private chat bucket of 3 refilled at 1/s,
            20/minute per group, 30/s overall; edits are not counted).
        errors: Every error answer as (method, HTTP status, description).
        count_429: Number of 429 answers (flood limits with enforce_limits and injected).
        commands: setMyCommands state, {(scope, language_code): [BotCommand dicts]}; scope is
            "default", "all_private_chats", "chat:<id>", "chat_member:<chat>:<user>", ...
        webhook_deliveries: (update_id, HTTP status) per webhook POST, 0 for no answer.
        chat_actions: (chat_id, action, time.monotonic()) per sendChatAction.
    """

    def __init__(
        self,
        bot_username: str = "praktikbot_test_bot",
        enforce_limits: bool = False,
        strict_html: bool = True,
    ) -> None:
        """Configure the fake; nothing listens until start().

        Args:
            bot_username: Username getMe reports.
            enforce_limits: Answer flood-limit breaches with 429 instead of only recording.
            strict_html: Refuse a bare "&" in HTML (Telegram itself lets it through).
        """
        self.bot_username = bot_username
        self.enforce_limits = enforce_limits
        self.strict_html = strict_html
        self.bot_id = 7_000_000_001
        self.callback_timeout = 15.0
        self.webhook_retries = 3
        self.webhook_retry_delay = 0.05
        self.webhook_timeout = 5.0
        self.calls: list[tuple[str, dict[str, Any], float]] = []
        self.violations: list[str] = []
        self.errors: list[tuple[str, int, str]] = []
        self.count_429 = 0
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.webhook_deliveries: list[tuple[int, int]] = []
        self.chat_actions: list[tuple[int, str, float]] = []
        self.files = FileStore()
        self.profile: dict[tuple[str, str], Any] = {}
        self._faults = FaultPlan()
        self._limiter = RateLimiter()
        self._queue = UpdateQueue()
        self._webhook: Webhook | None = None
        self._poll: asyncio.Future | None = None
        self._users: dict[int, SimUser] = {}
        self._chats: dict[int, dict] = {}
        self._messages: dict[int, list[BotMessage]] = {}
        self._message_ids: dict[int, int] = {}
        self._user_messages: dict[tuple[int, int], dict] = {}
        self._queries: dict[str, dict] = {}
        self._query_seq = 0
        self._change = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._refusing = False  # an outage: the port refuses connections
        self._outage_status: int | None = None  # an outage: every request answered with this
        self.refused = 0  # requests dropped on connections open when the outage began
        self._session: aiohttp.ClientSession | None = None
        self._port = 0
        self._host = "127.0.0.1"
        self._methods = {
            _camel(name[4:]).lower(): (_camel(name[4:]), getattr(self, name))
            for name in dir(self)
            if name.startswith("api_")
        }

    # ----------------------------------------------------------------- lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start listening; port 0 picks a free port (see base_url)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        assert server.sockets
        self._host, self._port = host, server.sockets[0].getsockname()[1]
        self._site = site

    async def go_down(self, status: int | None = None) -> None:
        """Begin an outage: with no status the port refuses connections (and connections
        already open are closed); with a status (e.g. 502) every request is answered with it."""
        if status is not None:
            self._outage_status = status
            return
        self._refusing = True
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if self._runner is not None and self._runner.server is not None:
            await self._runner.server.shutdown(0.1)  # keep-alive connections go too

    async def come_up(self) -> None:
        """End an outage: listen again on the same port, answer normally."""
        self._outage_status = None
        if self._refusing and self._runner is not None:
            site = web.TCPSite(self._runner, self._host, self._port)
            await site.start()
            self._site = site
        self._refusing = False

    @property
    def down(self) -> bool:
        """Tell whether an outage is under way."""
        return self._refusing or self._outage_status is not None

    async def stop(self) -> None:
        """Release long polls and held requests, stop webhook pushes, close everything."""
        self._closing.set()
        self._changed()
        if self._webhook is not None:
            await self._webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def base_url(self) -> str:
        """Root URL of the server, e.g. "http://127.0.0.1:PORT"."""
        return f"http://{self._host}:{self._port}"

    @property
    def base_file_url(self) -> str:
        """Value for PTB's base_file_url."""
        return f"{self.base_url}/file/bot"

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    # ------------------------------------------------------------------- waking

    def _changed(self) -> None:
        """Wake everyone waiting for a change of state."""
        self._change.set()
        self._change = asyncio.Event()

    async def _wait_change(self, seconds: float | None) -> None:
        event = self._change
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), seconds)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until predicate() is true (checked on every change); raise TimeoutError."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            await self._wait_change(remaining)

    # ------------------------------------------------------------------ HTTP side

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self._refusing:  # a connection that outlived the listening socket
            self.refused += 1
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=503)
        if self._outage_status is not None:
            self.errors.append((request.match_info["method"], self._outage_status, "outage"))
            return error_response(ApiError(self._outage_status, "Bad Gateway"))
        match = _TOKEN_RE.match(request.match_info["token"])
        if match is None:
            return error_response(ApiError(404, "Not Found"))
        self.bot_id = int(match.group(1))
        try:
            params = await read_params(request)
        except ApiError as err:
            return error_response(err)
        name, handler = self._methods.get(
            request.match_info["method"].lower(), (request.match_info["method"], None)
        )
        self.calls.append((name, params, time.monotonic()))
        self._changed()
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            await self._apply_faults(name, params)
            try:
                result = await handler(params)
            except ApiError as err:
                if err.status == 400:
                    self.violations.append(
                        f"{name} chat={params.get('chat_id')}: {err.description}"
                    )
                raise
            except Exception as exc:  # a bug in the fake must not look like a Telegram answer
                _LOG.exception("fake Bot API failed on %s %r", name, params)
                raise ApiError(500, f"Internal Server Error (bug in the fake: {exc!r})") from exc
        except ApiError as err:
            self.errors.append((name, err.status, err.description))
            if err.status == 429:
                self.count_429 += 1
            self._changed()
            return error_response(err)
        self._changed()
        if isinstance(result, Described):
            return ok_response(result.result, result.description)
        return ok_response(result)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        record = self.files.by_path.get(request.match_info["path"])
        if _TOKEN_RE.match(request.match_info["token"]) is None or record is None:
            return error_response(ApiError(404, "Not Found"))
        return web.Response(body=record.data, content_type=record.mime_type)

    async def _apply_faults(self, method: str, params: dict[str, Any]) -> None:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int | str):
            chat_id = None
        fault = self._faults.take(method, chat_id)
        if fault is None and method in BLOCKABLE and chat_id in self._faults.blocked:
            fault = Fault.blocked()
        if fault is None and method in SEND_METHODS:
            fault = self._faults.roll()
        if fault is None:
            return
        self._faults.injected[fault.kind] += 1
        if fault.hold_s > 0:
            await self._sleep(fault.hold_s)
            if fault.deliver and not self._closing.is_set():
                return
        raise fault.error()
