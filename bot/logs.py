"""Logging that never holds what people wrote or a secret, whatever LOG_LEVEL says.

Two lines of defence. First, the libraries that log payloads (PTB logs every update and every
Bot API call's parameters at DEBUG; httpx logs each URL, and Bot API URLs carry the token;
SQLAlchemy logs statements with their parameters; the LLM clients log requests) are held at a
floor whatever the level asked for. Second, a filter on the handler rewrites every record it
passes: the configured secrets, anything shaped like a bot token, and CPR numbers are replaced
before the line is formatted. Praktikbot's own modules never log message texts or names; they
log ids, counts and kinds."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.services.kernel.cpr import redact_cpr

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "***"

# The lowest level each library may log at: below it, their records carry payloads.
FLOORS: dict[str, int] = {
    "telegram": logging.INFO,  # DEBUG: every update and every call's parameters
    "httpx": logging.WARNING,  # INFO: every request URL (the token is in the path)
    "httpcore": logging.WARNING,
    "hpack": logging.WARNING,
    "aiohttp.access": logging.WARNING,  # the webhook's path holds its secret
    "aiohttp.client": logging.WARNING,
    "sqlalchemy": logging.WARNING,  # INFO: statements with their parameters
    "aiosqlite": logging.WARNING,  # DEBUG: every statement with its parameters
    "asyncpg": logging.WARNING,
    "apscheduler": logging.WARNING,
    "alembic": logging.WARNING,
    "bm25s": logging.WARNING,  # a line per index it builds
    "chromadb": logging.WARNING,
    "langchain": logging.WARNING,
    "langchain_core": logging.WARNING,
    "openai": logging.WARNING,  # DEBUG: the request options, messages included
    "urllib3": logging.WARNING,
    "asyncio": logging.INFO,
}

# A bot token, also inside a Bot API URL ("/bot123:AA.../sendMessage", no word boundary).
_BOT_TOKEN = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactingFilter(logging.Filter):
    """Replace secrets, bot tokens and CPR numbers in a record's message and traceback."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return the text with every secret, token and CPR number replaced."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _BOT_TOKEN.sub(REDACTED, text)
        return redact_cpr(text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; never drop it."""
        message = self.redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(
    level: str, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> logging.Handler:
    """Log to the stream (stderr) at the level, through the redacting filter, with each
    payload-carrying library held at its floor. Calling it again replaces the handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "praktikbot", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.praktikbot = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactingFilter(secrets))
    root.addHandler(handler)
    root.setLevel(level)
    chosen = logging.getLevelName(level)
    for name, floor in FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, chosen if isinstance(chosen, int) else 0))
    return handler
