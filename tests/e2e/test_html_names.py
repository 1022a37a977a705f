"""Issue #15 point 7: names are escaped in every HTML message. A student called "Anna <3" and
supervisors whose names look like markup go through the whole feedback loop (request, pass-on,
decline, feedback given, link notice): every message is accepted by the Bot API server (which
refuses markup it cannot parse, as Telegram does), shows the names literally, and no name
becomes a link or formatting in anyone's chat."""

from __future__ import annotations

from bot.services.identity.domain import Role
from tests.e2e.conftest import World
from tests.e2e.flows import enrol, link
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser

ANNA = "Anna <3"
VERA = "Vera & <b>Co</b>"
KIM = 'Kim <a href="https://evil.example">klik</a>'


def _plain(message: BotMessage, *names: str) -> None:
    """The names are shown as typed, and no entity links or formats any of them."""
    for name in names:
        assert name in message.text, (name, message.text)
    for entity in message.entities:
        assert entity["type"] != "text_link", message.text
        shown = message.text[entity["offset"] : entity["offset"] + entity["length"]]
        for name in names:
            assert shown not in name or not shown.strip(), (entity, message.text)


async def _self_assess(student: SimUser) -> BotMessage:
    await student.send("/feedback")
    await student.next_message()
    for answer in ("Stuegang", "Jeg lyttede"):
        await student.send(answer)
        await student.next_message()
    await student.send("At forklare kortere")
    return await student.expect_text("Din selvevaluering er klar")


async def test_markup_in_names_is_shown_as_text_everywhere(
    fake_api: FakeBotApi, world: World
) -> None:
    anna, vera = fake_api.user(8601, first_name=ANNA), fake_api.user(8602, first_name=VERA)
    kim = fake_api.user(8603, first_name=KIM)
    await enrol(anna, world.codes[Role.STUDENT])
    await enrol(vera, world.codes[Role.SUPERVISOR])
    await enrol(kim, world.codes[Role.SUPERVISOR])
    await link(world.runtime, world.cohort.id, anna, vera)

    ready = await _self_assess(anna)
    await anna.press(ready, f"Send til {VERA}")
    _plain(await anna.wait_edit(ready), VERA)
    request = await vera.expect_text("beder om din feedback")
    _plain(request, ANNA)

    await vera.press(request, "Giv videre til en kollega")
    choice = await vera.expect_text("Hvem skal overtage anmodningen?")
    await vera.press(choice, KIM)
    _plain(await vera.wait_edit(choice), KIM)
    _plain(await kim.expect_text("har givet denne anmodning videre til dig"), VERA, ANNA)
    _plain(await anna.expect_text("har givet din anmodning om feedback videre til"), VERA, KIM)

    await kim.send("/feedback")
    listing = await kim.next_message()
    await kim.press(listing, ANNA)
    again = await kim.expect_text("beder om din feedback")
    _plain(again, ANNA)
    await kim.press(again, "Ikke muligt")
    _plain(await kim.wait_edit(again), ANNA)
    _plain(await anna.expect_text("kan ikke give feedback"), KIM)

    ready = await _self_assess(anna)
    await anna.press(ready, f"Send til {VERA}")
    request = await vera.expect_text("beder om din feedback")
    await vera.press(request, "Giv feedback")
    situation = await vera.expect_text("Hvilken situation")
    await vera.press(situation, "Som beskrevet")
    await vera.expect_text("Hvad så du")
    await vera.send("Du lyttede.")
    await vera.next_message()
    await vera.send("Patienten faldt til ro.")
    well = await vera.next_message()
    await vera.press(well, "Enig med selvevalueringen")
    await vera.next_message()
    await vera.send("Kortere sætninger.")
    _plain(await vera.expect_text("på vej til"), ANNA)
    _plain(await anna.expect_text("Feedback fra"), VERA)
