"""Degrade, don't die: with an unusable index at start the bot starts and runs everything
else; questions get the "search is unavailable" reply, coordinators are told once; once the
index works again the background retry brings the answers back."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from bot.bootstrap import start_bot, stop_bot
from bot.config import Settings, load_settings
from bot.services.broadcasts.types import Audience
from bot.services.identity.access import Actor
from bot.services.identity.domain import Role
from tests.e2e.conftest import make_world
from tests.e2e.flows import enrol, write_reflection
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock, eventually

CATHETER = "Kan jeg øve kateteranlæggelse, før jeg møder patienten?"
STRATEGY_TITLE = "Grunduddannelse er en kerneopgave for regionale arbejdspladser"
UNAVAILABLE = "Søgningen er ikke tilgængelig lige nu"
TOLD = "Jeg har givet koordinatorerne besked"
ALERT = "Søgningen i dokumenterne er ikke tilgængelig lige nu"


def _corrupt_store(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "chroma.sqlite3").write_bytes(b"this is not a database, it is a mess " * 200)


async def test_a_corrupt_index_at_start_degrades_and_recovers(
    fake_api: FakeBotApi,
    bot_settings: Settings,
    clock: ManualClock,
    knowledge_index_dir: Path,
    tmp_path: Path,
) -> None:
    store = tmp_path / "broken-chroma"
    _corrupt_store(store)
    values = bot_settings.model_dump() | {
        "telegram_bot_token": bot_settings.token,
        "chroma_dir": store,
        "knowledge_sync_seconds": 1,
    }
    runtime = await start_bot(load_settings(_env_file=None, **values), clock=clock, poll_timeout=1)
    try:
        assert not runtime.knowledge.available
        world = await make_world(runtime)
        coordinator = fake_api.user(6201, "Karen")
        await enrol(coordinator, world.codes[Role.COORDINATOR])
        student = fake_api.user(6202, "Sofie")
        await enrol(student, world.codes[Role.STUDENT])  # /start and enrolment work
        await write_reflection(student, "Jeg lærte at lytte")  # so does a reflection
        await student.send("/logbog")
        assert "Jeg lærte at lytte" in (await student.next_message()).text

        await student.send(CATHETER)
        reply = await student.expect_text(UNAVAILABLE)
        assert TOLD in reply.text
        assert STRATEGY_TITLE not in reply.text  # no answer, and no wrong one
        alert = await coordinator.expect_text(ALERT)
        assert CATHETER not in alert.text  # nothing of the question or the asker
        assert "Sofie" not in alert.text
        await student.send("Hvor parkerer jeg?")
        assert TOLD in (await student.expect_text(UNAVAILABLE)).text
        await coordinator.no_message(within=0.5)  # told once, not per question

        # The operator repairs the store; the knowledge-sync job's next attempt opens it.
        shutil.rmtree(store)
        shutil.copytree(knowledge_index_dir, store)

        async def recovered() -> bool:
            return runtime.knowledge.available

        await eventually(recovered, timeout=60)
        await student.send(CATHETER)
        answer = await student.next_message(timeout=15)
        assert f"📄 {STRATEGY_TITLE}" in answer.text
        await coordinator.no_message(within=0.5)
    finally:
        await stop_bot(runtime)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_chroma_server_that_is_not_up_does_not_stop_the_bot(
    fake_api: FakeBotApi, bot_settings: Settings, clock: ManualClock
) -> None:
    values = bot_settings.model_dump() | {
        "telegram_bot_token": bot_settings.token,
        "chroma_url": f"http://127.0.0.1:{_closed_port()}",
    }
    runtime = await start_bot(load_settings(_env_file=None, **values), clock=clock, poll_timeout=1)
    try:
        assert not runtime.knowledge.available
        world = await make_world(runtime)
        student = fake_api.user(6211, "Emil")
        await enrol(student, world.codes[Role.STUDENT])
        confirmed = await runtime.services.broadcasts.create(
            Actor.cli(), [world.cohort.id], Audience.STUDENTS, "Husk mødet i morgen"
        )
        assert confirmed.recipients == 1
        await student.expect_text("Husk mødet i morgen")  # the outbox runs
        await student.send(CATHETER)
        reply = await student.expect_text(UNAVAILABLE)
        assert TOLD not in reply.text  # no coordinator or admin has enrolled to be told
    finally:
        await stop_bot(runtime)
