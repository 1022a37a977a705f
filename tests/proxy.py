"""A forwarding HTTP proxy on loopback that records every request it carries.

Enough for plain-http targets such as the fake Bot API: clients send the absolute URL
("GET http://127.0.0.1:8081/bot.../getMe"), the proxy forwards it and records who asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from aiohttp import web

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "host",
    }
)


@dataclass(frozen=True, slots=True)
class Carried:
    """One request the proxy forwarded."""

    method: str
    url: str
    user_agent: str

    @property
    def api_method(self) -> str:
        """The Bot API method (the last part of the path), e.g. "sendMessage"."""
        return self.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


class ForwardProxy:
    """An HTTP forward proxy: start(), point HTTP_PROXY at `url`, read `carried`."""

    def __init__(self) -> None:
        self.carried: list[Carried] = []
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The proxy's address for HTTP_PROXY / HTTPS_PROXY."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        # The proxy's own client never uses a proxy, whatever the environment says.
        self._client = aiohttp.ClientSession(trust_env=False)

    async def stop(self) -> None:
        """Stop listening and close the upstream connections."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    def methods(self, user_agent_part: str) -> list[str]:
        """The Bot API methods carried for clients whose User-Agent holds this text."""
        return [c.api_method for c in self.carried if user_agent_part in c.user_agent]

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        if request.url.port == self.port:  # asked for the proxy itself, not through it
            return web.Response(status=400, text="not a proxy request")
        target = str(request.url)
        self.carried.append(Carried(request.method, target, request.headers.get("User-Agent", "")))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        body = await request.read()
        assert self._client is not None
        async with self._client.request(
            request.method, target, headers=headers, data=body, allow_redirects=False
        ) as upstream:
            payload = await upstream.read()
            out = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
            return web.Response(status=upstream.status, body=payload, headers=out)
