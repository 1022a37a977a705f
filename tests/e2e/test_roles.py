"""Coordinator flows and role checks over real HTTP."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.identity.access import Actor
from bot.services.identity.domain import Role
from bot.storage.identity.models import AuditRow
from tests.e2e.conftest import ADMIN_ID, World, make_world
from tests.e2e.flows import enrol
from tests.fakebotapi import FakeBotApi
from tests.support import ManualClock


async def _cast(fake_api: FakeBotApi, world: World) -> tuple:
    coordinator = fake_api.user(3001, first_name="Karin")
    student = fake_api.user(3002, first_name="Sofie")
    supervisor = fake_api.user(3003, first_name="Mads", language_code="en")
    await enrol(coordinator, world.codes[Role.COORDINATOR])
    await enrol(student, world.codes[Role.STUDENT])
    await enrol(supervisor, world.codes[Role.SUPERVISOR], language="en")
    return coordinator, student, supervisor


async def test_coordinator_links_student_to_supervisor(fake_api: FakeBotApi, world: World) -> None:
    coordinator, student, supervisor = await _cast(fake_api, world)
    await coordinator.send("/link")
    students = await coordinator.next_message()
    assert "hvilken studerende" in students.text
    await coordinator.press(students, "Sofie")
    supervisors = await coordinator.wait_edit(students)
    assert supervisors.button_texts() == ["Mads"]
    await coordinator.press(supervisors, "Mads")
    done = await coordinator.wait_edit(supervisors)
    assert "Mads er nu vejleder for Sofie" in done.text
    assert "Din vejleder er Mads" in (await student.next_message()).text
    assert "You are now supervisor for Sofie" in (await supervisor.next_message()).text
    export = await world.runtime.services.privacy.export(student.id)
    assert export.supervisors == ["Mads"]


async def test_student_and_supervisor_cannot_use_coordinator_commands(
    fake_api: FakeBotApi, world: World
) -> None:
    _coordinator, student, supervisor = await _cast(fake_api, world)
    for user, refusal in ((student, "Kun koordinatorer"), (supervisor, "Only coordinators")):
        await user.send("/link")
        assert refusal in (await user.next_message()).text
        await user.send("/invitation")
        assert refusal in (await user.next_message()).text
    stranger = fake_api.user(3999, language_code="en")
    await stranger.send("/link")
    assert "Only coordinators" in (await stranger.next_message()).text


async def test_forged_link_button_is_refused_server_side(
    fake_api: FakeBotApi, world: World
) -> None:
    _coordinator, student, _supervisor = await _cast(fake_api, world)
    people = await world.runtime.services.coordination.cohort_people(Actor.cli(), world.cohort.id)
    forged = f"lk:v:{world.cohort.id}:{people.students[0].id}:{people.supervisors[0].id}"
    await student.press_data(student.messages[-1].message_id, forged)
    assert "din rolle" in (await student.next_message()).text
    assert (await world.runtime.services.privacy.export(student.id)).supervisors == []


async def test_coordinator_cannot_reach_another_cohort(fake_api: FakeBotApi, world: World) -> None:
    coordinator, _student, _supervisor = await _cast(fake_api, world)
    other = await make_world(world.runtime, name="Andet hold")
    await coordinator.press_data(
        coordinator.messages[-1].message_id, f"iv:r:{other.cohort.id}:student"
    )
    assert "din rolle" in (await coordinator.next_message()).text
    await coordinator.press_data(coordinator.messages[-1].message_id, f"lk:c:{other.cohort.id}:0")
    assert "din rolle" in (await coordinator.next_message()).text


async def test_coordinator_creates_an_invite_with_qr_code(
    fake_api: FakeBotApi, world: World
) -> None:
    coordinator, _student, _supervisor = await _cast(fake_api, world)
    await coordinator.send("/invitation")
    roles = await coordinator.next_message()
    # No coordinator invites without an operator's grant.
    assert roles.button_texts() == ["Studerende", "Vejleder", "📋 Invitationer, der virker"]
    await coordinator.press(roles, "Vejleder")
    created = await coordinator.wait_edit(roles)
    assert f"https://t.me/{fake_api.bot_username}?start=" in created.text
    assert "Vejleder, virker til" in created.text  # 14 days from today
    assert "til én person" in created.text
    photo = await coordinator.next_message()
    assert photo.kind == "photo"
    assert photo.file_bytes.startswith(b"\x89PNG")
    code = photo.caption.rsplit("start=", 1)[1]
    newcomer = fake_api.user(3010, first_name="Ny")
    await enrol(newcomer, code)
    profile = await world.runtime.services.access.profile(newcomer.id)
    assert profile.roles() == {Role.SUPERVISOR}
    # Single use: whoever got the forwarded link next is turned away kindly.
    second = fake_api.user(3011, first_name="Videresendt")
    await second.send(f"/start {code}")
    assert "brugt" in (await second.next_message()).text
    assert await world.runtime.services.access.profile(second.id) is None
    # A forged coordinator-role press is refused by the service as well.
    await coordinator.press_data(
        coordinator.messages[-1].message_id, f"iv:r:{world.cohort.id}:coordinator"
    )
    assert "din rolle" in (await coordinator.next_message()).text
    invites = await world.runtime.services.coordination.list_invites(Actor.cli(), world.cohort.id)
    assert [i.role for i in invites].count(Role.COORDINATOR) == 1  # only the world's own


async def test_chat_invites_expire_are_listed_and_revoked(
    fake_api: FakeBotApi, world: World, clock: ManualClock
) -> None:
    coordinator, _student, _supervisor = await _cast(fake_api, world)
    await coordinator.send("/invitation")
    roles = await coordinator.next_message()
    await coordinator.press(roles, "Studerende")
    assert "brugt 0 gange" in (await coordinator.wait_edit(roles)).text
    poster = (await coordinator.next_message()).caption.rsplit("start=", 1)[1]
    await coordinator.send("/invitation")
    roles = await coordinator.next_message()
    await coordinator.press(roles, "📋 Invitationer, der virker")
    listing = await coordinator.wait_edit(roles)
    assert "Invitationer, der stadig virker:" in listing.text
    assert f"(…{poster[-4:]})" in listing.text
    mine = next(
        b["text"]
        for line, b in zip(listing.text.splitlines()[1:], listing.buttons(), strict=False)
        if poster[-4:] in line
    )
    await coordinator.press(listing, mine)
    revoked = await coordinator.wait_edit(listing)
    assert "Tilbagekaldt: Studerende" in revoked.text
    assert poster[-4:] not in revoked.text.split("Linket virker ikke længere.", 1)[1]
    latecomer = fake_api.user(3020, first_name="Sen")
    await latecomer.send(f"/start {poster}")
    assert "trukket tilbage" in (await latecomer.next_message()).text
    async with world.runtime.engine.connect() as conn:
        audit = (await conn.execute(select(AuditRow.action))).scalars().all()
    assert {"invite.create", "invite.revoke"} <= set(audit)
    # A second poster expires after INVITE_DAYS (14).
    await coordinator.send("/invitation")
    roles = await coordinator.next_message()
    await coordinator.press(roles, "Studerende")
    await coordinator.wait_edit(roles)
    fresh = (await coordinator.next_message()).caption.rsplit("start=", 1)[1]
    clock.advance(days=14, minutes=1)
    await latecomer.send(f"/start {fresh}")
    assert "udløbet" in (await latecomer.next_message()).text


async def test_granted_coordinator_may_invite_coordinators(
    fake_api: FakeBotApi, world: World
) -> None:
    coordinator, _student, _supervisor = await _cast(fake_api, world)
    await world.runtime.services.coordination.grant_coordinator_invites(
        Actor.cli(), world.cohort.id, coordinator.id
    )
    await coordinator.send("/invitation")
    roles = await coordinator.next_message()
    assert "Koordinator" in roles.button_texts()
    await coordinator.press(roles, "Koordinator")
    assert "Koordinator, virker til" in (await coordinator.wait_edit(roles)).text
    async with world.runtime.engine.connect() as conn:
        audit = (await conn.execute(select(AuditRow.action))).scalars().all()
    assert "invite.grant" in audit


async def test_admin_coordinates_every_cohort(fake_api: FakeBotApi, world: World) -> None:
    admin = fake_api.user(ADMIN_ID, first_name="Admin")
    await enrol(admin, world.codes[Role.SUPERVISOR])
    await make_world(world.runtime, name="Andet hold")
    await admin.send("/invitation")
    choice = await admin.next_message()
    assert sorted(choice.button_texts()) == ["Andet hold", "Sygeplejersker F27"]
