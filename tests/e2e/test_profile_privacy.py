"""Language switch, export and deletion over real HTTP."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.services.identity.domain import Role
from bot.storage.identity.models import MembershipRow, PersonRow
from tests.e2e.conftest import World
from tests.e2e.flows import enrol
from tests.fakebotapi import FakeBotApi


async def test_language_switch_changes_replies_and_menu(
    fake_api: FakeBotApi, world: World
) -> None:
    user = fake_api.user(5001)
    await enrol(user, world.codes[Role.STUDENT])
    await user.send("/sprog")
    choice = await user.next_message()
    await user.press(choice, "English")
    assert "in English from now on" in (await user.wait_edit(choice)).text
    await user.send("/help")
    assert "Change language" in (await user.next_message()).text
    menu = fake_api.commands[(f"chat:{user.id}", "")]
    assert any(c["description"].startswith("Get a copy") for c in menu)
    await user.send("/language")
    choice = await user.next_message()
    await user.press(choice, "Dansk")
    assert "på dansk" in (await user.wait_edit(choice)).text


async def test_default_menus_per_language(fake_api: FakeBotApi, world: World) -> None:
    danish = fake_api.commands[("all_private_chats", "da")]
    english = fake_api.commands[("all_private_chats", "en")]
    assert [c["command"] for c in danish] == ["start", "help", "spoerg", "sprog"]
    assert danish[0]["description"].startswith("Tilmeld")
    assert english[0]["description"].startswith("Join")


async def test_export_sends_a_document_with_the_persons_data(
    fake_api: FakeBotApi, world: World
) -> None:
    user = fake_api.user(5002, first_name="Eksport", last_name="Testesen")
    await enrol(user, world.codes[Role.STUDENT])
    await user.send("/eksport")
    pdf, document = await user.next_message(), await user.next_message()
    assert pdf.kind == "document"
    assert pdf.file_bytes.startswith(b"%PDF-")
    assert document.file_name is not None
    assert document.file_name.endswith(".json")
    body = document.file_bytes.decode()
    assert "Eksport Testesen" in body
    assert "Sygeplejersker F27" in body
    assert str(user.id) in body


async def test_delete_after_confirmation_removes_everything(
    fake_api: FakeBotApi, world: World
) -> None:
    user = fake_api.user(5003)
    await enrol(user, world.codes[Role.STUDENT])
    await user.send("/slet")
    question = await user.next_message()
    await user.press(question, "Nej, behold det")
    assert "Intet blev slettet" in (await user.wait_edit(question)).text
    await user.send("/slet")
    question = await user.next_message()
    await user.press(question, "Ja, slet alt")
    assert "er slettet" in (await user.wait_edit(question)).text
    await user.press_data(question.message_id, "del:yes")  # a late second tap
    assert "intet gemt" in (await user.wait_edit(question)).text
    async with world.runtime.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(PersonRow)) == 0
        assert await conn.scalar(select(func.count()).select_from(MembershipRow)) == 0
    await user.send("/help")
    assert "invitationslinket" in (await user.next_message()).text
