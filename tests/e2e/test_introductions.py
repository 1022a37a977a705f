"""Issue #4: the welcome text on joining and the preboarding message before the start, over
real HTTP, including a restart of the bot between two ticks of the job."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings
from bot.scheduler.jobs import PREBOARDING_JOB
from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Role
from bot.storage.delivery.models import OutboxRow
from tests.e2e.flows import enrol
from tests.fakebotapi import FakeBotApi, SimUser
from tests.support import ManualClock

START = "20. februar 2027"
PREBOARDING = "Din praktik starter 20. februar 2027"


async def _spring_cohort(runtime: Runtime) -> dict[Role, str]:
    """A cohort that starts on 20 February 2027 (the test clock says 3 February)."""
    cli, coordination = Actor.cli(), runtime.services.coordination
    await coordination.create_department(cli, "Medicinsk Afdeling M2", "Region Hovedstaden")
    cohort = await coordination.create_cohort(
        cli,
        name="Forår F27",
        department_ref="medicinsk-afdeling-m2",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 20),
        ends_on=date(2027, 6, 30),
    )
    return {role: (await coordination.create_invite(cli, cohort.id, role)).code for role in Role}


async def _tick(runtime: Runtime) -> None:
    """Run one tick of the periodic preboarding job, as the job queue would."""
    assert runtime.application.job_queue is not None
    [job] = runtime.application.job_queue.get_jobs_by_name(PREBOARDING_JOB)
    await job.run(runtime.application)


def _count(user: SimUser, needle: str) -> int:
    return sum(needle in m.text for m in user.messages)


async def _replace_welcome(coordinator: SimUser) -> None:
    """Replace the welcome text with /velkomst (an unknown placeholder is refused first)."""
    await coordinator.send("/velkomst")
    shown = await coordinator.next_message()
    assert "standardteksten" in shown.text
    assert "{name}" in shown.text
    await coordinator.press(shown, "Skift teksten")
    await coordinator.wait_edit(shown)
    await coordinator.send("Hej {name} & velkommen på {department} – vi ses {start_date}! {navn}")
    assert "Jeg kender ikke pladsholderen {navn}" in (await coordinator.next_message()).text
    await coordinator.send("Hej {name} & velkommen på {department} – vi ses {start_date}!")
    saved = await coordinator.expect_text("Gemt")
    assert f"Hej Karin & velkommen på Medicinsk Afdeling M2 – vi ses {START}!" in saved.text


async def test_welcome_on_join_and_one_preboarding_message(
    fake_api: FakeBotApi, bot_settings: Settings, clock: ManualClock
) -> None:
    anna, bo, sen = (
        fake_api.user(3301 + i, first_name=n) for i, n in enumerate(["Anna", "Bo", "Sen"])
    )
    runtime = await start_bot(bot_settings, clock=clock, poll_timeout=1)
    try:
        codes = await _spring_cohort(runtime)
        await enrol(anna, codes[Role.STUDENT])
        await anna.no_message(0.5)  # the welcome waits until the enrolment talk is over
        clock.advance(minutes=2)
        welcome = await anna.expect_text("Velkommen til Forår F27, Anna!")
        assert "Medicinsk Afdeling M2 starter 20. februar 2027" in welcome.text
        assert "Din vejleder: ikke tildelt endnu" in welcome.text
        karin = fake_api.user(3310, first_name="Karin")
        await enrol(karin, codes[Role.COORDINATOR])
        await _replace_welcome(karin)
        await enrol(bo, codes[Role.STUDENT])
        clock.advance(minutes=2)
        await bo.expect_text(f"Hej Bo & velkommen på Medicinsk Afdeling M2 – vi ses {START}!")
        clock.set(datetime(2027, 2, 13, 7, 0, tzinfo=UTC))  # 7 days before, 08:00 local
        await enrol(sen, codes[Role.STUDENT])  # inside the window: the join welcome is enough
        await _tick(runtime)
        await _tick(runtime)
        for user in (anna, bo):
            preboarding = await user.expect_text(PREBOARDING)
            assert f"Hej {user.first_name} & velkommen" in preboarding.text
    finally:
        await stop_bot(runtime)
    runtime = await start_bot(bot_settings, clock=clock, poll_timeout=1)  # a restart
    try:
        await _tick(runtime)
        clock.advance(minutes=5)
        await sen.expect_text("Hej Sen & velkommen")
        await asyncio.sleep(1.0)
        async with runtime.engine.connect() as conn:
            origins = Counter((await conn.execute(select(OutboxRow.origin))).scalars())
    finally:
        await stop_bot(runtime)
    assert [_count(u, PREBOARDING) for u in (anna, bo, sen)] == [1, 1, 0]
    assert origins == Counter({"intro:join": 3, "intro:pre": 2})
