"""A job that fails every tick (the database is away) logs one traceback, not one a tick."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import cast

import pytest

from bot.context import BotContext
from bot.scheduler.jobs import guarded
from bot.services.kernel.operations import Operations, tick_heartbeat


async def test_a_job_failing_every_tick_is_logged_once_and_its_recovery_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    database_up = False
    ran: list[bool] = []

    async def prompts(_context: BotContext) -> None:
        """Queue the prompts that are due."""
        ran.append(database_up)
        if not database_up:
            raise ConnectionRefusedError("database away")

    job = guarded("reflection-prompts", prompts)
    operations = Operations()  # null telemetry, no admins to alert
    operations.heartbeats.expect(tick_heartbeat("reflection-prompts"))
    context = cast(BotContext, SimpleNamespace(services=SimpleNamespace(operations=operations)))
    with caplog.at_level(logging.INFO, "bot.scheduler.jobs"):
        for _ in range(50):
            await job(context)  # never raises: the next tick retries
        database_up = True
        await job(context)
    assert len(ran) == 51
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "the reflection-prompts job failed",
        "the reflection-prompts job works again after 50 failures",
    ]
    assert caplog.records[0].exc_info is not None
    assert job.__doc__ == "Queue the prompts that are due."
    assert not operations.heartbeats.states()[tick_heartbeat("reflection-prompts")].stale
