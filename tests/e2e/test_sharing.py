"""Issue #15 point 3 over real HTTP: sharing is per supervisor. A supervisor linked later sees
nothing shared before until the student shares again; the student is told of every new link;
a coordinator who is also a supervisor cannot link themselves; a coordinator undoes a wrong
link and both are told, and what was shared through it is private again."""

from __future__ import annotations

from bot.services.identity.domain import Role
from tests.e2e.conftest import World
from tests.e2e.flows import enrol, write_reflection
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser
from tests.support import ManualClock


async def _open_entry(student: SimUser, title: str) -> BotMessage:
    await student.send("/logbog")
    page = await student.next_message()
    await student.press(page, title)
    return await student.wait_edit(page)


async def _pair(coordinator: SimUser, student: str, supervisor: str) -> BotMessage:
    """Choose the student and then the supervisor in /link; return the result."""
    await coordinator.send("/link")
    students = await coordinator.expect_text("hvilken studerende")
    await coordinator.press(students, student)
    supervisors = await coordinator.wait_edit(students)
    await coordinator.press(supervisors, supervisor)
    return await coordinator.wait_edit(supervisors)


async def _shared_view(supervisor: SimUser) -> str:
    await supervisor.send("/delt")
    answers = (
        "Refleksioner delt med dig",
        "Ingen af dine studerende",
        "vejledere med tilknyttede",
    )
    while True:  # notices may arrive in between
        text = (await supervisor.next_message()).text
        if any(a in text for a in answers):
            return text


async def test_sharing_is_per_supervisor_and_links_can_be_undone(
    fake_api: FakeBotApi, world: World, clock: ManualClock
) -> None:
    karin = fake_api.user(7501, first_name="Karin")
    ida = fake_api.user(7502, first_name="Ida")
    vera, kim = fake_api.user(7503, first_name="Vera"), fake_api.user(7504, first_name="Kim")
    await enrol(karin, world.codes[Role.COORDINATOR])
    await karin.send(f"/start {world.codes[Role.SUPERVISOR]}")  # she also supervises
    await karin.expect_text("som vejleder")
    await enrol(ida, world.codes[Role.STUDENT])
    for user in (vera, kim):
        await enrol(user, world.codes[Role.SUPERVISOR])

    assert "Vera er nu vejleder for Ida" in (await _pair(karin, "Ida", "Vera")).text
    assert "Din vejleder er Vera" in (await ida.expect_text("Din vejleder er")).text
    await write_reflection(ida, "Første vagt med Vera")
    entry = await _open_entry(ida, "Første vagt")
    await ida.press(entry, "Del med min vejleder")
    shared = await ida.wait_edit(entry)
    assert "👀 Delt med Vera" in shared.text
    await vera.expect_text("Ida har delt en refleksion med dig")

    # Kim is linked later: he is told, Ida is told, and he sees nothing shared before.
    assert "Kim er nu vejleder for Ida" in (await _pair(karin, "Ida", "Kim")).text
    await ida.expect_text("Din vejleder er Kim")
    await kim.expect_text("Du er nu vejleder for Ida")
    assert "Første vagt med Vera" not in await _shared_view(kim)
    assert "Første vagt med Vera" in await _shared_view(vera)

    # Ida shares again: Kim sees it now, Vera is not told twice.
    entry = await _open_entry(ida, "Første vagt")
    assert "Del også med min nye vejleder" in entry.button_texts()
    await ida.press(entry, "Del også med min nye vejleder")
    both = await ida.wait_edit(entry)
    assert "👀 Delt med Vera og Kim" in both.text
    await kim.expect_text("Ida har delt en refleksion med dig")
    assert "Første vagt med Vera" in await _shared_view(kim)
    told = [m for m in vera.messages if "har delt en refleksion" in (m.text or "")]
    assert len(told) == 1

    # Karin cannot make herself Ida's supervisor.
    await karin.send("/link")
    students = await karin.expect_text("hvilken studerende")
    await karin.press(students, "Ida")
    supervisors = await karin.wait_edit(students)
    assert "Karin" in supervisors.button_texts()
    await karin.press(supervisors, "Karin")
    assert "din rolle" in (await karin.next_message()).text
    await karin.send("/delt")
    assert "vejledere med tilknyttede studerende" in (await karin.next_message()).text

    # A wrong link is undone: both are told, and Vera no longer sees the entry.
    again = await _pair(karin, "Ida", "Vera")
    assert "allerede" in again.text
    await karin.press(again, "Fjern koblingen")
    assert "Fjernet: Vera er ikke længere vejleder for Ida" in (await karin.wait_edit(again)).text
    await ida.expect_text("Vera er ikke længere koblet til dig")
    await vera.expect_text("Du er ikke længere vejleder for Ida")
    assert "Første vagt med Vera" not in await _shared_view(vera)
    assert "Første vagt med Vera" in await _shared_view(kim)
    # Linked again (a minute later), Vera still sees nothing until Ida shares once more.
    clock.advance(minutes=1)
    await _pair(karin, "Ida", "Vera")
    await vera.expect_text("Du er nu vejleder for Ida")
    assert "Første vagt med Vera" not in await _shared_view(vera)
