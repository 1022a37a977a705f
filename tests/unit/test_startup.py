"""Start-up waits for the database, Telegram and a Chroma server instead of crash-looping."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError
from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut

from bot.startup import chroma_down, database_down, telegram_down, until_up


class Flaky:
    """Fails with `error` the first `times` calls, then answers."""

    def __init__(self, error: Exception, times: int) -> None:
        self.error, self.times, self.calls = error, times, 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.times:
            raise self.error
        return "up"


async def test_it_waits_with_backoff_and_logs_the_wait_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    attempt = Flaky(NetworkError("connection refused"), times=8)
    with caplog.at_level(logging.INFO, "bot.startup"):
        result = await until_up(
            "Telegram", attempt, telegram_down, sleep=sleep, monotonic=lambda: 0.0
        )
    assert (result, attempt.calls) == ("up", 9)
    assert slept == [1, 2, 4, 8, 16, 30, 30, 30]
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "reaching Telegram at start-up failed",
        "reaching Telegram at start-up works again after 8 failures",
    ]
    assert caplog.records[0].exc_info is not None


async def test_our_own_mistakes_and_waiting_too_long_are_raised() -> None:
    async def no_sleep(_seconds: float) -> None:
        return None

    wrong_token = Flaky(InvalidToken("Unauthorized"), times=1)
    with pytest.raises(InvalidToken):
        await until_up("Telegram", wrong_token, telegram_down, sleep=no_sleep)
    assert wrong_token.calls == 1
    clock = [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    never = Flaky(ConnectionRefusedError(), times=99)
    with pytest.raises(ConnectionRefusedError):
        await until_up(
            "Chroma", never, chroma_down, give_up_after=20, sleep=sleep, monotonic=lambda: clock[0]
        )
    assert never.calls == 6  # tried at 0, 1, 3, 7, 15 and 31 s: past 20 s, it gives up


def test_which_errors_mean_unreachable() -> None:
    refused = OperationalError("connect", {}, ConnectionRefusedError())
    assert database_down(refused)
    assert database_down(ConnectionRefusedError())
    assert not database_down(ProgrammingError("select", {}, Exception("no such column")))
    assert telegram_down(NetworkError("502 Bad Gateway"))
    assert telegram_down(TimedOut())
    assert not telegram_down(BadRequest("chat not found"))
    assert not telegram_down(InvalidToken("Unauthorized"))
    chroma = ValueError("Could not connect to a Chroma server. Are you sure it is running?")
    chroma.__context__ = httpx.ConnectError("[Errno 111] Connection refused")
    assert chroma_down(chroma)
    assert not chroma_down(ValueError("Collection dimension mismatch"))
