"""The logging promise (issue #15): whatever LOG_LEVEL asks for, payload-carrying libraries stay
at their floor, and every record is redacted of secrets, bot tokens and CPR numbers."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator

import pytest

from bot.logs import FLOORS, REDACTED, RedactingFilter, configure_logging

pytestmark = pytest.mark.unit

TOKEN = "123456789:AAHk-secretPartOfTheBotToken_xyz"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in FLOORS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def test_filter_replaces_configured_secrets_tokens_and_cpr() -> None:
    redact = RedactingFilter(["hunter2-db-password"]).redact
    line = f"POST /bot{TOKEN}/sendMessage pw=hunter2-db-password cpr 010190-1234 ok"
    out = redact(line)
    assert "hunter2-db-password" not in out
    assert "AAHk-secretPartOfTheBotToken_xyz" not in out
    assert "010190-1234" not in out
    assert out.count(REDACTED) == 2
    assert "[CPR]" in out
    assert out.startswith("POST /bot")
    assert out.endswith(" ok")


def test_filter_leaves_ordinary_numbers_and_short_secrets_alone() -> None:
    redact = RedactingFilter(["abc"]).redact  # too short to redact without eating words
    line = "update 4711 from chat 99887766, cohort abc, 12 queued, 2026-12-07"
    assert redact(line) == line


def test_filter_redacts_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s", (TOKEN,), None)
    try:
        raise RuntimeError(f"call failed for {TOKEN} about 010190-1234")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record) is True
    assert TOKEN not in record.getMessage()
    assert record.exc_text
    assert TOKEN not in record.exc_text
    assert "010190-1234" not in record.exc_text


@pytest.mark.usefixtures("restore_logging")
def test_debug_keeps_every_library_at_its_floor_and_redacts_own_lines() -> None:
    buffer = io.StringIO()
    configure_logging("DEBUG", [TOKEN], stream=buffer)
    for name, floor in FLOORS.items():
        assert logging.getLogger(name).getEffectiveLevel() == floor, name
    logging.getLogger("telegram.ext.Application").debug("update payload Hemmeligtekst")
    logging.getLogger("aiosqlite").debug("executing INSERT params Hemmeligtekst")
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot%s/x", TOKEN)
    logging.getLogger("bot.tg").debug("sent to chat 42 (%s)", TOKEN)
    log = buffer.getvalue()
    assert "Hemmeligtekst" not in log
    assert "api.telegram.org" not in log
    assert "sent to chat 42 (***)" in log
    assert TOKEN not in log


@pytest.mark.usefixtures("restore_logging")
def test_quieter_level_than_a_floor_wins_and_configuring_twice_keeps_one_handler() -> None:
    configure_logging("ERROR", stream=io.StringIO())
    configure_logging("ERROR", stream=io.StringIO())
    assert logging.getLogger("telegram").getEffectiveLevel() == logging.ERROR
    ours = [h for h in logging.getLogger().handlers if getattr(h, "praktikbot", False)]
    assert len(ours) == 1
