"""The periodic jobs: a few ticks with stable ids that ask the services who is due now, never
one job per person. Everything they need to remember lives in SQL, so a restart loses and
repeats nothing (a tick missed while the bot was down is caught up by the next one)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.context import BotContext
from bot.services.kernel.operations import tick_heartbeat
from bot.services.kernel.repeats import RepeatedFailure

log = logging.getLogger(__name__)
PREBOARDING_JOB = "preboarding"
PREBOARDING_SECONDS = 600.0
PREBOARDING_FIRST = 15.0
PROMPT_JOB = "reflection-prompts"
PROMPT_FIRST = 5.0
FEEDBACK_JOB = "feedback"
FEEDBACK_FIRST = 10.0
RETENTION_JOB = "retention"
RETENTION_SECONDS = 3600.0
RETENTION_FIRST = 60.0
KNOWLEDGE_JOB = "knowledge-sync"
WATCH_JOB = "outbox-watch"
WATCH_FIRST = 20.0
Job = Callable[[BotContext], Coroutine[Any, Any, None]]
# The feedback job's parts fail and recover one by one (a database outage fails them all).
_PART_FAILURES: dict[str, RepeatedFailure] = {}


def guarded(name: str, job: Job) -> Job:
    """Return the job timed, with its heartbeat beaten when it succeeds, and its failures
    logged sparingly (the first with its traceback, then a line a minute while it keeps
    failing, one line when it works again) and reported to the admins (rate-limited). The
    next tick retries; a failure never stops the schedule."""
    failures = RepeatedFailure(log, f"the {name} job")

    @functools.wraps(job)
    async def run(context: BotContext) -> None:
        operations = context.services.operations
        started = time.monotonic()
        try:
            await job(context)
        except Exception as exc:
            operations.telemetry.tick_finished(name, time.monotonic() - started, ok=False)
            failures.failed(exc)
            await operations.alerts.tick_failed(name, type(exc).__name__)
            return
        operations.telemetry.tick_finished(name, time.monotonic() - started, ok=True)
        operations.heartbeats.beat(tick_heartbeat(name))
        failures.succeeded()

    return run


async def preboarding(context: BotContext) -> None:
    """Queue the preboarding messages that are due (once per student, catching up)."""
    added = await context.services.introductions.preboard()
    if added:
        log.info("preboarding: %s messages queued", added)


async def prompts(context: BotContext) -> None:
    """Queue the reflection prompts that are due (one tick for every student)."""
    await context.services.prompting.tick()


async def feedback(context: BotContext) -> None:
    """Queue what is due for feedback, placement conversations, digests and the pulse.

    Each part runs even when another fails; the failure is logged and retried next tick.
    """
    services = context.services
    for part in (services.feedback, services.conversations, services.digest, services.pulse):
        name = type(part).__name__
        failures = _PART_FAILURES.setdefault(name, RepeatedFailure(log, f"{name} tick"))
        try:
            await part.tick()
        except Exception as exc:
            failures.failed(exc)
            await services.operations.alerts.tick_failed(name, type(exc).__name__)
        else:
            failures.succeeded()


async def knowledge(context: BotContext) -> None:
    """Pick up what another process (`praktikbot ingest`) changed in the knowledge index:
    one version check, and a rebuild of the in-memory indexes (off the loop) when it moved."""
    await context.services.knowledge.sync()


async def retention(context: BotContext) -> None:
    """Remind students to export, and delete reflections past their retention time."""
    await context.services.retention.run()


async def watch(context: BotContext) -> None:
    """Measure the outbox's backlog, alert when it is stuck, report repeated alerts."""
    services = context.services
    if services.outbox_watch is not None:
        await services.outbox_watch.tick()
    else:
        await services.operations.alerts.flush()


def schedule_jobs(
    application: Application,
    *,
    prompt_seconds: float = 60.0,
    feedback_seconds: float = 60.0,
    knowledge_seconds: float = 30.0,
    watch_seconds: float = 60.0,
) -> None:
    """Add the periodic jobs to the application's job queue (replacing any with their ids),
    each measured and watched by a heartbeat."""
    queue = application.job_queue
    if queue is None:
        log.warning(
            "no job queue: preboarding, prompts, feedback, retention and knowledge sync are off"
        )
        return
    services = application.bot_data.services
    if services is None:
        raise RuntimeError("install the services before scheduling the jobs")
    heartbeats = services.operations.heartbeats
    every = timedelta(seconds=PREBOARDING_FIRST + PREBOARDING_SECONDS)
    heartbeats.expect(tick_heartbeat(PREBOARDING_JOB), every)
    for callback, interval, first, name in (
        (prompts, prompt_seconds, PROMPT_FIRST, PROMPT_JOB),
        (feedback, feedback_seconds, FEEDBACK_FIRST, FEEDBACK_JOB),
        (retention, RETENTION_SECONDS, RETENTION_FIRST, RETENTION_JOB),
        (knowledge, knowledge_seconds, knowledge_seconds, KNOWLEDGE_JOB),
        (watch, watch_seconds, WATCH_FIRST, WATCH_JOB),
    ):
        heartbeats.expect(tick_heartbeat(name), timedelta(seconds=first + interval))
        queue.run_repeating(
            guarded(name, callback),
            interval=interval,
            first=first,
            name=name,
            job_kwargs={"id": name, "replace_existing": True, "max_instances": 1},
        )
    queue.run_repeating(
        guarded(PREBOARDING_JOB, preboarding),
        interval=PREBOARDING_SECONDS,
        first=PREBOARDING_FIRST,
        name=PREBOARDING_JOB,
        job_kwargs={"id": PREBOARDING_JOB, "replace_existing": True},
    )
