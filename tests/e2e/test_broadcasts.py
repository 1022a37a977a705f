"""Issue #4: broadcasts over real HTTP, from /broadcast to the delivery report."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.bootstrap import Runtime
from bot.services.broadcasts.types import BroadcastStatus
from bot.services.identity.domain import Role
from bot.storage.broadcasts.models import BroadcastRow
from bot.storage.delivery.models import OutboxRow
from tests.e2e.conftest import World, make_world
from tests.e2e.flows import draft_broadcast, enrol, join, preview_broadcast
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser
from tests.fakebotapi.simuser import TINY_PNG
from tests.support import ManualClock, eventually

TEXT = "Mødet <kl. 8> flyttes til lokale 3 & husk ID-kort"
COHORT = "Sygeplejersker F27"


async def _cast(fake_api: FakeBotApi, world: World) -> dict[str, SimUser]:
    """A coordinator, two students (one also in a second cohort) and a supervisor."""
    other = await make_world(world.runtime, name="Andet hold")
    cast = {
        "coordinator": fake_api.user(3101, first_name="Karin"),
        "sofie": fake_api.user(3102, first_name="Sofie"),
        "emil": fake_api.user(3103, first_name="Emil"),
        "mads": fake_api.user(3104, first_name="Mads", language_code="en"),
    }
    await enrol(cast["coordinator"], world.codes[Role.COORDINATOR])
    await join(cast["coordinator"], other.codes[Role.COORDINATOR])
    await enrol(cast["sofie"], world.codes[Role.STUDENT])
    await join(cast["sofie"], other.codes[Role.STUDENT])
    await enrol(cast["emil"], world.codes[Role.STUDENT])
    await enrol(cast["mads"], world.codes[Role.SUPERVISOR], language="en")
    return cast


def _copies(user: SimUser, needle: str = "flyttes") -> list[BotMessage]:
    return [m for m in user.messages if needle in m.text]


async def _outbox(runtime: Runtime, origin: str) -> Counter:
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(select(OutboxRow).where(OutboxRow.origin == origin))).all()
    return Counter(r.status for r in rows)


async def _broadcast(runtime: Runtime, broadcast_id: int) -> BroadcastRow:
    async with runtime.engine.connect() as conn:
        query = select(BroadcastRow).where(BroadcastRow.id == broadcast_id)
        return (await conn.execute(query)).one()


def _draft_id(message: BotMessage) -> int:
    return int(str(message.buttons()[-1]["callback_data"]).split(":")[2])


async def test_broadcast_reaches_each_recipient_once_as_previewed(
    fake_api: FakeBotApi, world: World
) -> None:
    cast = await _cast(fake_api, world)
    coordinator = cast["coordinator"]
    preview, control = await preview_broadcast(
        coordinator, [COHORT, "Andet hold"], "Studerende", TEXT
    )
    assert preview.text == TEXT
    assert "Modtagere: 2" in control.text
    assert "Sygeplejersker F27, Andet hold" in control.text
    await coordinator.press(control, "Send nu")
    await coordinator.press(control, "Send nu")  # a double tap before the first is handled
    for name in ("sofie", "emil"):
        got = await cast[name].expect_text("flyttes")
        assert (got.text, got.source, got.entities) == (
            preview.text,
            preview.source,
            preview.entities,
        )
    await fake_api.wait_for(lambda: "Færdig" in control.text, timeout=10)
    assert "Sendt: 2" in control.text
    assert "Venter: 0" in control.text
    assert [len(_copies(cast[n])) for n in ("sofie", "emil", "mads")] == [1, 1, 0]
    assert len(_copies(coordinator)) == 1  # only the preview
    assert any("allerede bekræftet" in str(a.get("text")) for a in coordinator.callback_answers)
    broadcast_id = int(re.search(r"#(\d+)", control.text)[1])

    async def done() -> bool:
        return (await _broadcast(world.runtime, broadcast_id)).status == BroadcastStatus.DONE

    await eventually(done)


async def test_scheduled_broadcast_waits_for_its_time(
    fake_api: FakeBotApi, world: World, clock: ManualClock
) -> None:
    cast = await _cast(fake_api, world)
    coordinator, emil = cast["coordinator"], cast["emil"]
    _preview, control = await preview_broadcast(coordinator, [COHORT], "Studerende", TEXT)
    await coordinator.press(control, "Planlæg")
    assert "Europe/Copenhagen" in (await coordinator.wait_edit(control)).text
    await coordinator.send("i morgen tidlig")
    assert "kunne jeg ikke læse" in (await coordinator.next_message()).text
    await coordinator.send("2027-02-01 08:00")
    assert "allerede passeret" in (await coordinator.next_message()).text
    await coordinator.send("2027-02-10 08:00")
    confirmation = await coordinator.expect_text("planlagt til 2027-02-10 08:00")
    clock.set(datetime(2027, 2, 10, 6, 59, tzinfo=UTC))  # 07:59 in Copenhagen
    await asyncio.sleep(1.5)
    assert _copies(emil) == []
    assert (await _outbox(world.runtime, "broadcast:1")) == Counter(pending=2)
    clock.set(datetime(2027, 2, 10, 7, 0, 1, tzinfo=UTC))
    await emil.expect_text("flyttes")
    await cast["sofie"].expect_text("flyttes")
    await fake_api.wait_for(lambda: "Færdig" in confirmation.text, timeout=10)
    assert "Sendt: 2" in confirmation.text


async def test_cancelled_broadcast_is_never_sent(
    fake_api: FakeBotApi, world: World, clock: ManualClock
) -> None:
    cast = await _cast(fake_api, world)
    coordinator = cast["coordinator"]
    _preview, control = await preview_broadcast(
        coordinator, [COHORT], "Studerende og vejledere", TEXT
    )
    await coordinator.press(control, "Planlæg")
    await coordinator.wait_edit(control)
    await coordinator.send("10.02.2027 kl. 8.00")
    await coordinator.expect_text("planlagt")
    await coordinator.send("/broadcasts")
    listing = await coordinator.next_message()
    assert "#1" in listing.text
    assert "flyttes" in listing.text
    await coordinator.press(listing, "Annuller #1")
    assert "3 beskeder bliver ikke sendt" in (await coordinator.wait_edit(listing)).text
    clock.set(datetime(2027, 2, 11, tzinfo=UTC))
    await asyncio.sleep(1.5)
    assert [_copies(cast[n]) for n in ("sofie", "emil", "mads")] == [[], [], []]
    assert (await _outbox(world.runtime, "broadcast:1")) == Counter(cancelled=3)
    await coordinator.send("/broadcasts")
    assert "ingen planlagte" in (await coordinator.next_message()).text


async def test_photo_attachment_reaches_recipients(
    fake_api: FakeBotApi, world: World, tmp_path: Path
) -> None:
    cast = await _cast(fake_api, world)
    coordinator = cast["coordinator"]
    await draft_broadcast(coordinator, [COHORT], "Vejledere", "Se <b>vagtplanen</b> her")
    await coordinator.send_photo()
    preview = await coordinator.next_message()
    control = await coordinator.next_message()
    assert preview.kind == "photo"
    assert preview.caption == "Se <b>vagtplanen</b> her"
    assert "Modtagere: 1" in control.text
    await coordinator.press(control, "Send nu")
    got = await cast["mads"].expect_text("vagtplanen")
    assert got.kind == "photo"
    assert got.file_bytes == TINY_PNG
    assert got.caption == preview.caption
    assert list((tmp_path / "broadcasts" / "1").iterdir())


async def test_students_cannot_broadcast(fake_api: FakeBotApi, world: World) -> None:
    cast = await _cast(fake_api, world)
    emil = cast["emil"]
    for command, refusal in (
        ("/broadcast", "Kun koordinatorer kan sende"),
        ("/broadcasts", "Kun koordinatorer kan sende"),
        ("/velkomst", "Kun koordinatorer kan ændre"),
    ):
        await emil.send(command)
        assert refusal in (await emil.next_message()).text
    coordinator = cast["coordinator"]
    await coordinator.send("/broadcast")
    draft_id = _draft_id(await coordinator.next_message())
    await emil.press_data(emil.messages[-1].message_id, f"bc:t:{draft_id}:{world.cohort.id}")
    assert "din rolle" in (await emil.next_message()).text


async def test_forged_button_for_another_cohort_is_refused(
    fake_api: FakeBotApi, world: World
) -> None:
    coordinator = fake_api.user(3201, first_name="Karin")
    student = fake_api.user(3202, first_name="Sofie")
    await enrol(coordinator, world.codes[Role.COORDINATOR])
    other = await make_world(world.runtime, name="Andet hold")
    await enrol(student, other.codes[Role.STUDENT])
    await coordinator.send("/broadcast")
    choice = await coordinator.next_message()
    assert choice.button_texts()[0] == f"✅ {COHORT}"
    draft_id = _draft_id(choice)
    await coordinator.press_data(choice.message_id, f"bc:t:{draft_id}:{other.cohort.id}")
    assert "din rolle" in (await coordinator.next_message()).text
    row = await _broadcast(world.runtime, draft_id)
    assert row.cohorts == [world.cohort.id]
    await coordinator.press(choice, "Næste")
    await coordinator.wait_edit(choice)
    await coordinator.press(choice, "Studerende")
    await coordinator.wait_edit(choice)
    await coordinator.send(TEXT)
    question = await coordinator.expect_text("vedhæfte")
    await coordinator.press(question, "Ingen vedhæftning")
    await coordinator.next_message()
    assert "Ingen ville modtage" in (await coordinator.next_message()).text
    await student.no_message(0.5)
