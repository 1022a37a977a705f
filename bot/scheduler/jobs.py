"""The periodic jobs: a few ticks with stable ids that ask the services who is due now, never
one job per person. Everything they need to remember lives in SQL, so a restart loses and
repeats nothing (a tick missed while the bot was down is caught up by the next one)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application

from bot.context import BotContext
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
Job = Callable[[BotContext], Coroutine[Any, Any, None]]
# The feedback job's parts fail and recover one by one (a database outage fails them all).
_PART_FAILURES: dict[str, RepeatedFailure] = {}


def guarded(name: str, job: Job) -> Job:
    """Return the job with its failures logged sparingly: the first with its traceback, then
    a line a minute while it keeps failing (a database outage fails every tick), and one line
    when it works again. The next tick retries; a failure never stops the schedule."""
    failures = RepeatedFailure(log, f"the {name} job")

    @functools.wraps(job)
    async def run(context: BotContext) -> None:
        try:
            await job(context)
        except Exception as exc:
            failures.failed(exc)
        else:
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
        else:
            failures.succeeded()


async def knowledge(context: BotContext) -> None:
    """Pick up what another process (`praktikbot ingest`) changed in the knowledge index:
    one version check, and a rebuild of the in-memory indexes (off the loop) when it moved."""
    await context.services.knowledge.sync()


async def retention(context: BotContext) -> None:
    """Remind students to export, and delete reflections past their retention time."""
    await context.services.retention.run()


def schedule_jobs(
    application: Application,
    *,
    prompt_seconds: float = 60.0,
    feedback_seconds: float = 60.0,
    knowledge_seconds: float = 30.0,
) -> None:
    """Add the periodic jobs to the application's job queue (replacing any with their ids)."""
    queue = application.job_queue
    if queue is None:
        log.warning(
            "no job queue: preboarding, prompts, feedback, retention and knowledge sync are off"
        )
        return
    for callback, interval, first, name in (
        (prompts, prompt_seconds, PROMPT_FIRST, PROMPT_JOB),
        (feedback, feedback_seconds, FEEDBACK_FIRST, FEEDBACK_JOB),
        (retention, RETENTION_SECONDS, RETENTION_FIRST, RETENTION_JOB),
        (knowledge, knowledge_seconds, knowledge_seconds, KNOWLEDGE_JOB),
    ):
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
