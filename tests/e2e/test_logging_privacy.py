"""Issue #15 point 1: at LOG_LEVEL=DEBUG, the log of whole journeys (enrolment, a reflection,
a question handed to the coordinator and answered, a self-assessment for feedback, a
broadcast) holds no text a person wrote, no name and no token; a database error while saving
holds no parameter."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings
from bot.logs import configure_logging
from bot.retrieval.setup import KnowledgeBase
from bot.services.identity.domain import Role
from tests.e2e.conftest import TOKEN, World, make_world
from tests.e2e.flows import enrol, link, preview_broadcast, write_reflection
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock

pytestmark = pytest.mark.e2e

NAMES = {"student": "Ingeborgine", "supervisor": "Valdemarius", "coordinator": "Kirstinella"}
QUESTION = "Hvad koster en Quokkafjeld-kaffe i kantinen?"
ANSWER = "Den koster 11 Zirkonkroner."
REFLECTION = "Borgeren med Fenriskolik var utryg"
SITUATION = "Stuegang hos patienten med Grimbartsyge"
WELL = "Jeg spurgte ind til Hummelgaards bekymring"
IMPROVE = "At forklare Xylofonkuren enklere"
BROADCAST = "Husk Trolddomsmødet på fredag"
CPR = "010190-1234"


@pytest.fixture
def debug_log(bot_settings: Settings) -> AsyncIterator[io.StringIO]:
    """Configure logging exactly as `praktikbot run` does, at DEBUG, into a buffer."""
    buffer = io.StringIO()
    root = logging.getLogger()
    before = root.level
    handler = configure_logging("DEBUG", bot_settings.secrets(), stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(before)
    configure_logging("WARNING", stream=io.StringIO())  # the floors back to their normal
    for h in [h for h in root.handlers if getattr(h, "praktikbot", False)]:
        root.removeHandler(h)


@pytest.fixture
async def logged_bot(
    debug_log: io.StringIO,
    bot_settings: Settings,
    clock: ManualClock,
    shared_knowledge: KnowledgeBase,
) -> AsyncIterator[Runtime]:
    """The bot, started after logging is set to DEBUG (so start-up is captured too)."""
    runtime = await start_bot(
        bot_settings, clock=clock, poll_timeout=1, knowledge=shared_knowledge
    )
    yield runtime
    await stop_bot(runtime)


async def _journeys(fake_api: FakeBotApi, world: World) -> None:
    coordinator = fake_api.user(8101, first_name=NAMES["coordinator"])
    supervisor = fake_api.user(8102, first_name=NAMES["supervisor"])
    student = fake_api.user(8103, first_name=NAMES["student"])
    await enrol(coordinator, world.codes[Role.COORDINATOR])
    await enrol(supervisor, world.codes[Role.SUPERVISOR])
    await enrol(student, world.codes[Role.STUDENT])
    await link(world.runtime, world.cohort.id, student, supervisor)

    await write_reflection(student, REFLECTION)

    await student.send(f"/spoerg {QUESTION}")
    offer = await student.expect_text("Det ved jeg desværre ikke.")
    await student.press(offer, "Spørg en person")
    forwarded = await coordinator.expect_text(QUESTION)
    await coordinator.press(forwarded, "Svar")
    await coordinator.expect_text("Skriv dit svar på")
    await coordinator.send(ANSWER)
    await coordinator.expect_text("Jeg har sendt dit svar")
    await student.expect_text(ANSWER)

    await student.send(f"Må jeg skrive {CPR} i min logbog?")
    await student.expect_text("CPR")

    await student.send("/feedback")
    await student.expect_text("Hvilken situation")
    for answer, then in ((SITUATION, "Hvad gik godt"), (WELL, "Hvad vil du blive bedre til")):
        await student.send(answer)
        await student.expect_text(then)
    await student.send(IMPROVE)
    await student.expect_text("Din selvevaluering er klar")

    _preview, control = await preview_broadcast(
        coordinator, [world.cohort.name], "Studerende", BROADCAST
    )
    await coordinator.press(control, "Send nu")
    assert (await student.expect_text("Trolddomsmødet")).text == BROADCAST


async def test_journeys_at_debug_log_no_text_name_or_token(
    logged_bot: Runtime, debug_log: io.StringIO, fake_api: FakeBotApi
) -> None:
    world = await make_world(logged_bot)
    await _journeys(fake_api, world)
    log = debug_log.getvalue()
    assert " DEBUG " in log or " INFO " in log  # the capture saw the bot at work
    assert "Application started" in log
    secret_part = TOKEN.split(":", 1)[1]
    written = [QUESTION, ANSWER, REFLECTION, SITUATION, WELL, IMPROVE, BROADCAST]
    words = {w for t in written for w in t.split() if len(w) > 8} | set(NAMES.values())
    leaked = sorted(w for w in words if w in log)
    assert leaked == [], f"personal text in the log: {leaked}"
    assert secret_part not in log
    assert CPR not in log


async def test_a_failed_insert_logs_the_statement_not_the_text(
    bot: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with bot.engine.connect() as conn:
        with pytest.raises(DBAPIError) as caught:
            await conn.execute(
                text("INSERT INTO no_such_table (body) VALUES (:body)"), {"body": REFLECTION}
            )
    assert REFLECTION not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)
    assert REFLECTION not in caplog.text
