"""Issue #5: the logbook and learning goals over real HTTP: paging, reading an entry, tying it
to a goal, sharing and un-sharing it, editing and reaching goals, and the refusals."""

from __future__ import annotations

from bot.services.identity.domain import Role
from tests.e2e.conftest import World
from tests.e2e.flows import enrol, link, press_forged, write_reflection
from tests.fakebotapi import FakeBotApi


async def test_logbook_paging_sharing_and_goals(fake_api: FakeBotApi, world: World) -> None:
    student, supervisor = fake_api.user(7201, first_name="Ida"), fake_api.user(7202)
    await enrol(student, world.codes[Role.STUDENT])
    await enrol(supervisor, world.codes[Role.SUPERVISOR])
    await link(world.runtime, world.cohort.id, student, supervisor)
    await student.send("/logbog")
    assert "Din logbog er tom" in (await student.next_message()).text
    for day in range(6):
        await write_reflection(student, f"Indlæg {day + 1}, svar")
    await student.send("/logbog")
    page = await student.next_message()
    assert "(side 1 af 2)" in page.text
    await student.press(page, "Ældre »")
    older = await student.wait_edit(page)
    assert "(side 2 af 2)" in older.text
    assert "Indlæg 1, svar 1" in older.text
    await student.press(older, "Indlæg 1")
    entry = await student.wait_edit(older)
    assert "Indlæg 1, svar 3" in entry.text
    await student.press(entry, "Del med min vejleder")
    shared = await student.wait_edit(entry)
    assert "👀 Delt med " in shared.text
    await supervisor.expect_text("Ida har delt en refleksion med dig")
    await supervisor.send("/delt")
    assert "Indlæg 1, svar 2" in (await supervisor.expect_text("delt med dig")).text
    await student.press(shared, "Stop deling")
    await student.wait_edit(shared)
    await supervisor.send("/delt")
    assert "Ingen af dine studerende" in (await supervisor.next_message()).text

    await student.send("/maal")
    goals = await student.next_message()
    await student.press(goals, "Tilføj et læringsmål")
    await student.next_message()
    await student.send("Observere en indlæggelsessamtale")
    saved = await student.expect_text("Gemt.")
    await student.press(saved, "✏️ 1: ret")
    await student.expect_text("Skriv den nye formulering")
    await student.send("Gennemføre en indlæggelsessamtale med sparring")
    edited = await student.expect_text("Gemt.")
    assert "Gennemføre en indlæggelsessamtale" in edited.text
    assert "Observere" not in edited.text
    await student.press(edited, "✅ 1: nået")
    reached = await student.wait_edit(edited)
    assert "✅ Gennemføre" in reached.text


async def test_refusals_for_wrong_roles_and_forged_buttons(
    fake_api: FakeBotApi, world: World
) -> None:
    student, supervisor = fake_api.user(7211), fake_api.user(7212)
    await enrol(student, world.codes[Role.STUDENT])
    await enrol(supervisor, world.codes[Role.SUPERVISOR])
    await write_reflection(student, "Mit svar")
    for command, reply in (
        ("/maal", "for studerende"),
        ("/indstillinger", "for studerende"),
        ("/refleksion", "for studerende"),
        ("/pause 01-03-2027", "for studerende"),
        ("/delt", "for vejledere med tilknyttede studerende"),
    ):
        await supervisor.send(command)
        assert reply in (await supervisor.next_message()).text
    await student.send("/logbog")
    page = await student.next_message()
    entry_data = page.buttons()[0]["callback_data"]
    message = page.message_id
    for forged in ("rf:go:999999", "rg:1:999999", "gl:ok:999999", "st:day:9", "st:tz"):
        text = await press_forged(student, message, forged)
        assert "ikke længere" in text or "lukket" in text, forged
    await student.press_data(message, "lb:e:999999")
    assert "Jeg kunne ikke finde det indlæg" in (await student.next_message()).text
    # Someone else's entry, even with a genuine id, is not reachable.
    await supervisor.send("/logbog")
    own = await supervisor.next_message()
    await supervisor.press_data(own.message_id, entry_data)
    assert "Jeg kunne ikke finde det indlæg" in (await supervisor.next_message()).text
    await student.send("/pause 31-02-2027")
    assert "Skriv venligst en dato" in (await student.next_message()).text
