"""Enrolment over real HTTP: the happy path, every invalid invite, consent declined."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.bootstrap import Runtime
from bot.services.identity.access import Actor
from bot.services.identity.domain import Role
from bot.storage.identity.models import MembershipRow, PersonRow
from tests.e2e.conftest import World
from tests.e2e.flows import enrol
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock


async def _count(runtime: Runtime, model: type) -> int:
    async with runtime.engine.connect() as conn:
        return await conn.scalar(select(func.count()).select_from(model))


async def test_newcomer_enrols_in_danish(fake_api: FakeBotApi, world: World) -> None:
    user = fake_api.user(1001, first_name="Anna", last_name="Berg", language_code="da")
    await user.send(f"/start {world.codes[Role.STUDENT]}")
    invitation = await user.next_message()
    assert "Sygeplejersker F27" in invitation.text
    assert "Medicinsk Afdeling M2" in invitation.text
    assert invitation.button_texts() == ["🇩🇰 Dansk", "🇬🇧 English"]
    await user.press(invitation, "Dansk")
    consent = await user.wait_edit(invitation)
    assert "CPR" in consent.text
    assert "/eksport" in consent.text
    assert "/slet" in consent.text
    await user.press(consent, "Ja, det accepterer jeg")
    welcome = await user.wait_edit(consent)
    assert "Velkommen" in welcome.text
    assert "studerende" in welcome.text
    name_question = await user.next_message()
    assert "Anna Berg" in name_question.text
    await user.press(name_question, "Ja, brug det")
    assert "Fint, Anna Berg" in (await user.wait_edit(name_question)).text
    help_text = await user.next_message()
    assert "/sprog" in help_text.text
    assert "/link" not in help_text.text
    menu = fake_api.commands[(f"chat:{user.id}", "")]
    assert {c["command"] for c in menu} == {
        *("help", "spoerg", "sprog", "navn", "eksport", "slet"),
        *("refleksion", "logbog", "maal", "samtaler", "feedback", "indstillinger"),
        *("pause", "genoptag"),
    }
    profile = await world.runtime.services.access.profile(user.id)
    assert profile is not None
    assert profile.person.language == "da"
    assert profile.roles() == {Role.STUDENT}


async def test_newcomer_enrols_in_english_and_changes_name(
    fake_api: FakeBotApi, world: World
) -> None:
    user = fake_api.user(1002, first_name="Sam", language_code="en")
    await enrol(user, world.codes[Role.SUPERVISOR], language="en", name_ok=False)
    question = user.messages[-1]
    await user.press(question, "Change name")
    await user.wait_edit(question)
    await user.send("Sam Jensen, sygeplejerske")
    assert "Thank you, Sam Jensen, sygeplejerske!" in (await user.next_message()).text
    await user.send("/help")
    assert "As a supervisor" in (await user.expect_text("Commands:")).text


async def test_name_that_is_too_long_is_refused_kindly(fake_api: FakeBotApi, world: World) -> None:
    user = fake_api.user(1003)
    await enrol(user, world.codes[Role.STUDENT])
    await user.send("/navn")
    await user.next_message()
    await user.send("x" * 500)
    assert "1 til 64" in (await user.next_message()).text
    await user.send("Anna 010190-1234")
    assert "ligner et CPR-nummer" in (await user.next_message()).text
    await user.send("/annuller")
    assert "Annulleret" in (await user.next_message()).text
    person = (await world.runtime.services.access.profile(user.id)).person
    assert person.display_name == "Anna"
    assert person.awaiting is None


@pytest.mark.parametrize("problem", ["unknown", "expired", "used_up", "revoked", "ended"])
async def test_invalid_invites_get_a_clear_reply_and_store_nothing(
    fake_api: FakeBotApi, bot: Runtime, clock: ManualClock, problem: str
) -> None:
    from tests.e2e.conftest import make_world

    world = await make_world(bot)
    coordination, cli = bot.services.coordination, Actor.cli()
    code = "ukendt-kode-123"
    if problem != "unknown":
        expires = clock.now() + timedelta(hours=1) if problem == "expired" else None
        invite = await coordination.create_invite(
            cli, world.cohort.id, Role.STUDENT, expires_at=expires, max_uses=1
        )
        code = invite.code
    if problem == "expired":
        clock.advance(hours=2)
    elif problem == "used_up":
        await enrol(fake_api.user(2000), code)
    elif problem == "revoked":
        await coordination.revoke_invite(cli, code)
    elif problem == "ended":
        clock.advance(days=200)
    before = await _count(bot, PersonRow)
    user = fake_api.user(2001)
    await user.send(f"/start {code}")
    expected = {
        "unknown": "genkender jeg ikke",
        "expired": "udløbet",
        "used_up": "allerede brugt",
        "revoked": "trukket tilbage",
        "ended": "er slut",
    }[problem]
    reply = await user.next_message()
    assert expected in reply.text
    assert reply.reply_markup is None
    assert await _count(bot, PersonRow) == before


async def test_declining_consent_stores_nothing(fake_api: FakeBotApi, world: World) -> None:
    user = fake_api.user(1004, language_code="en")
    await user.send(f"/start {world.codes[Role.STUDENT]}")
    invitation = await user.next_message()
    await user.press(invitation, "English")
    consent = await user.wait_edit(invitation)
    await user.press(consent, "No thanks")
    declined = await user.wait_edit(consent)
    assert "nothing about you has been stored" in declined.text
    assert await _count(world.runtime, PersonRow) == 0
    assert await _count(world.runtime, MembershipRow) == 0


async def test_double_tap_on_consent_enrols_once(fake_api: FakeBotApi, world: World) -> None:
    user = fake_api.user(1005)
    await user.send(f"/start {world.codes[Role.STUDENT]}")
    invitation = await user.next_message()
    await user.press(invitation, "Dansk")
    consent = await user.wait_edit(invitation)
    await user.press(consent, "Ja, det accepterer jeg")
    await user.press_data(consent.message_id, consent.buttons()[0]["callback_data"])
    await user.wait_edit(consent)
    await user.expect_text("Skal jeg kalde dig")
    await user.wait_edit(consent)
    assert "allerede med" in fake_api.message(user.id, consent.message_id).text
    assert await _count(world.runtime, MembershipRow) == 1


async def test_start_without_code(fake_api: FakeBotApi, world: World) -> None:
    stranger = fake_api.user(1006, language_code="en")
    await stranger.send("/start")
    assert "invite link" in (await stranger.next_message()).text
    member = fake_api.user(1007)
    await enrol(member, world.codes[Role.STUDENT])
    await member.send("/start")
    assert "Hej Anna" in (await member.next_message()).text


async def test_member_joins_a_second_cohort_without_consent_again(
    fake_api: FakeBotApi, world: World
) -> None:
    from tests.e2e.conftest import make_world

    user = fake_api.user(1008)
    await enrol(user, world.codes[Role.SUPERVISOR])
    other = await make_world(world.runtime, name="SOSU-assistenter F27")
    await user.send(f"/start {other.codes[Role.SUPERVISOR]}")
    assert "SOSU-assistenter F27" in (await user.expect_text("Velkommen")).text
    profile = await world.runtime.services.access.profile(user.id)
    assert len(profile.memberships) == 2
