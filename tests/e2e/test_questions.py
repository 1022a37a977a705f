"""Onboarding questions over real HTTP with the real answerer on the small test corpus."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Role
from bot.storage.delivery.models import OutboxRow
from tests.e2e.conftest import World
from tests.e2e.flows import enrol
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser
from tests.support import eventually

CATHETER = "Kan jeg øve kateteranlæggelse, før jeg møder patienten?"
COFFEE = "Hvad koster en kop kaffe i kantinen?"
FIRST_DAY = "Hvornår møder jeg første dag?"
SEVEN_ROLES = "Hvilke syv roller har en speciallæge?"
STRATEGY_TITLE = "Grunduddannelse er en kerneopgave for regionale arbejdspladser"


async def _member(fake_api: FakeBotApi, world: World, user_id: int, role: Role, **kw) -> SimUser:
    user = fake_api.user(user_id, **kw)
    await enrol(user, world.codes[role], language=kw.get("language_code", "da"))
    return user


async def _stored_questions(world: World, user: SimUser) -> list:
    return (await world.runtime.services.privacy.export(user.id)).questions


async def _callback_text(user: SimUser) -> str:
    """Return the text of the next callback answer that has one (enrolment's have none)."""
    while "text" not in (answer := await user.wait_callback_answer()):
        pass
    return answer["text"]


async def _outbox_to(world: World, user: SimUser) -> list[tuple[str, str, int | None]]:
    """Return (origin, status, Telegram message id) of the outbox messages to someone."""
    query = select(OutboxRow.origin, OutboxRow.status, OutboxRow.telegram_message_id).where(
        OutboxRow.chat_id == user.id
    )
    async with world.runtime.engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(query.order_by(OutboxRow.id))]


def _question_id(message: BotMessage) -> int:
    data = next(b["callback_data"] for b in message.buttons() if b["callback_data"][3:5] == "ho")
    return int(data.rsplit(":", 1)[1])


async def test_a_student_asks_by_text_and_by_command_and_gets_sources(
    fake_api: FakeBotApi, world: World
) -> None:
    student = await _member(fake_api, world, 7001, Role.STUDENT)
    await student.send(CATHETER)
    answer = await student.next_message()
    assert "simulation" in answer.text
    assert f"📄 {STRATEGY_TITLE}" in answer.text
    assert "**" not in answer.text  # the documents' Markdown is shown as formatting
    assert any(e["type"] == "bold" for e in answer.entities)  # the answering sentence
    assert answer.button_texts() == ["Læs mere", "👍", "👎", "Spørg en person"]
    assert (student.id, "typing") in [
        (chat, action) for chat, action, _at in fake_api.chat_actions
    ]
    await student.send(f"/spoerg {CATHETER}")
    assert STRATEGY_TITLE in (await student.next_message()).text
    await student.send("/spoerg")
    assert "Skriv dit spørgsmål" in (await student.next_message()).text
    await student.send(CATHETER)
    assert STRATEGY_TITLE in (await student.next_message()).text
    assert [q.text for q in await _stored_questions(world, student)] == [CATHETER] * 3
    profile = await world.runtime.services.access.profile(student.id)
    assert profile.person.awaiting is None


async def test_an_unanswerable_question_abstains_and_offers_a_person(
    fake_api: FakeBotApi, world: World
) -> None:
    student = await _member(fake_api, world, 7002, Role.STUDENT)
    await student.send(COFFEE)
    answer = await student.next_message()
    assert "Det ved jeg desværre ikke." in answer.text
    assert "Skal jeg spørge din koordinator?" in answer.text
    assert answer.button_texts() == ["Spørg en person"]
    (question,) = await _stored_questions(world, student)
    assert question.abstained


async def test_votes_are_recorded_and_thumbs_down_shows_up_in_gaps(
    fake_api: FakeBotApi, world: World
) -> None:
    coordinator = await _member(fake_api, world, 7003, Role.COORDINATOR)
    student = await _member(fake_api, world, 7004, Role.STUDENT)
    await student.send(CATHETER)
    liked = await student.next_message()
    await student.press(liked, "👍")
    assert "Tak for din feedback" in await _callback_text(student)
    await student.wait_edit(liked)
    assert liked.button_texts() == ["Spørg en person"]
    await student.send(SEVEN_ROLES)
    disliked = await student.next_message()
    await student.press(disliked, "👎")
    await _callback_text(student)
    await student.press_data(disliked.message_id, f"qa:dn:{_question_id(disliked)}")  # again
    await _callback_text(student)
    votes = [q.helpful for q in await _stored_questions(world, student)]
    assert votes == [True, False]
    await student.send("/huller")
    assert "Kun koordinatorer" in (await student.next_message()).text
    await coordinator.send("/huller")
    gaps = await coordinator.next_message()
    assert f"1× {SEVEN_ROLES} — svaret hjalp ikke" in gaps.text
    assert CATHETER not in gaps.text


async def test_ask_a_person_reaches_the_coordinator_once_and_the_answer_comes_back(
    fake_api: FakeBotApi, world: World
) -> None:
    coordinator = await _member(fake_api, world, 7005, Role.COORDINATOR, first_name="Karin")
    student = await _member(
        fake_api, world, 7006, Role.STUDENT, first_name="Sofie", language_code="en"
    )
    await student.send(COFFEE)
    offer = await student.next_message()
    assert "I don't know that, I'm afraid." in offer.text
    assert "Shall I ask your coordinator?" in offer.text
    await student.press(offer, "Ask a person")
    assert "I have asked your coordinator" in (await student.next_message()).text
    forwarded = await coordinator.next_message()
    assert COFFEE in forwarded.text
    assert "Sofie" not in forwarded.text
    assert forwarded.button_texts() == ["Svar"]
    await student.press_data(offer.message_id, f"qa:ho:{_question_id_from(forwarded)}")
    assert "already asked" in await _callback_text(student)
    await coordinator.no_message(within=1.5)  # longer than the dispatcher's idle wait
    assert await _outbox_to(world, coordinator) == [("question", "sent", forwarded.message_id)]
    await coordinator.press(forwarded, "Svar")
    assert "Skriv dit svar" in (await coordinator.next_message()).text
    await coordinator.send("En kop kaffe koster 10 kroner.")
    assert "sendt dit svar" in (await coordinator.next_message()).text
    delivered = await student.next_message()
    assert "Your coordinator has answered your question" in delivered.text
    assert COFFEE in delivered.text
    assert "10 kroner" in delivered.text

    async def answered_once() -> bool:
        answers = [row for row in await _outbox_to(world, student) if row[0] == "question"]
        return answers == [("question", "sent", delivered.message_id)]

    await eventually(answered_once)
    await student.send("/export")
    documents = [await student.next_message(), await student.next_message()]
    (data,) = [d for d in documents if (d.file_name or "").endswith(".json")]
    [question] = json.loads(data.file_bytes)["questions"]
    assert question["text"] == COFFEE
    assert question["asked_at"].startswith("2027-02-03T08:00")
    assert question["coordinator_reply"] == "En kop kaffe koster 10 kroner."


async def test_a_reply_to_the_forwarded_message_is_delivered_too(
    fake_api: FakeBotApi, world: World
) -> None:
    coordinator = await _member(fake_api, world, 7007, Role.COORDINATOR)
    student = await _member(fake_api, world, 7008, Role.STUDENT)
    await student.send(COFFEE)
    await student.press(await student.next_message(), "Spørg en person")
    await student.next_message()
    forwarded = await coordinator.next_message()

    async def recorded() -> bool:  # the dispatcher records the message id it got
        return await _outbox_to(world, coordinator) == [("question", "sent", forwarded.message_id)]

    await eventually(recorded)
    await coordinator.send("Den er gratis for studerende.", reply_to=forwarded)
    assert "sendt dit svar" in (await coordinator.next_message()).text
    assert "gratis for studerende" in (await student.next_message()).text


async def test_forged_question_buttons_are_refused(fake_api: FakeBotApi, world: World) -> None:
    asker = await _member(fake_api, world, 7009, Role.STUDENT)
    intruder = await _member(fake_api, world, 7010, Role.STUDENT)
    await asker.send(CATHETER)
    question_id = _question_id(await asker.next_message())
    for action in ("up", "dn", "ho", "re"):
        await intruder.press_data(intruder.messages[-1].message_id, f"qa:{action}:{question_id}")
        assert "ikke til dig" in await _callback_text(intruder)
    await intruder.no_message(within=0.3)
    (question,) = await _stored_questions(world, asker)
    assert (question.helpful, question.handed_off_at) == (None, None)


async def test_answers_stay_within_the_askers_department(
    fake_api: FakeBotApi, world: World
) -> None:
    cli = Actor.cli()
    coordination = world.runtime.services.coordination
    await coordination.create_department(cli, "Testafsnit T1", "Testhospitalet")
    cohort = await coordination.create_cohort(
        cli,
        name="Hold T1",
        department_ref="testafsnit-t1",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 6, 30),
    )
    invite = await coordination.create_invite(cli, cohort.id, Role.STUDENT)
    insider = fake_api.user(7011)
    await enrol(insider, invite.code)
    outsider = await _member(fake_api, world, 7012, Role.STUDENT)
    await insider.send(FIRST_DAY)
    inside = await insider.next_message()
    assert "07.30" in inside.text
    assert "Velkommen til Testafsnit T1" in inside.text
    await outsider.send(FIRST_DAY)
    outside = await outsider.next_message()
    assert "07.30" not in outside.text
    assert "Testafsnit" not in outside.text
    # never an unrelated passage from what is left: "I don't know", and why
    assert "Det ved jeg desværre ikke." in outside.text
    assert "Din afdeling har endnu ingen introduktion i Praktikbot" in outside.text
    assert outside.button_texts() == ["Spørg en person"]
    # the insider's "read more" key is refused to the outsider (a forged press)
    more = next(b["callback_data"] for b in inside.buttons() if b["text"] == "Læs mere")
    await outsider.press_data(outside.message_id, more)
    assert "ikke til dig" in await _callback_text(outsider)
    await insider.press(inside, "Læs mere")
    section = await insider.next_message()
    assert "mødelokale 3" in section.text
    assert "📄 Velkommen til Testafsnit T1 — Første dag" in section.text


async def test_read_more_shows_the_whole_section_and_forged_keys_are_refused(
    fake_api: FakeBotApi, world: World
) -> None:
    student = await _member(fake_api, world, 7015, Role.STUDENT)
    await student.send(SEVEN_ROLES)
    answer = await student.next_message()
    assert not answer.text.startswith("Det ved jeg")
    await student.press(answer, "Læs mere")
    section = await student.next_message()
    assert len(section.text) > len(answer.text.split("📄")[0])  # the section, not the window
    assert "📄 " in section.text
    await student.press_data(answer.message_id, "kb:more:0000000000notakey")
    assert "ikke til dig" in await _callback_text(student)
    await student.press_data(answer.message_id, "kb:more:")
    assert await _callback_text(student)


async def test_a_cpr_number_in_a_question_is_refused_and_not_stored(
    fake_api: FakeBotApi, world: World
) -> None:
    student = await _member(fake_api, world, 7013, Role.STUDENT)
    await student.send("Min patient har CPR 010190-1234, hvornår møder jeg?")
    assert "ligner et CPR-nummer" in (await student.next_message()).text
    assert await _stored_questions(world, student) == []
    assert await world.runtime.services.questions.gaps(Actor.cli()) == []


async def test_someone_not_enrolled_gets_an_answer_but_no_buttons(
    fake_api: FakeBotApi, world: World
) -> None:
    stranger = fake_api.user(7014)
    await stranger.send(CATHETER)
    answer = await stranger.next_message()
    assert STRATEGY_TITLE in answer.text
    assert "invitationslinket" in answer.text
    assert answer.button_texts() == ["Læs mere"]  # no votes or hand-off without enrolment
    await stranger.send(COFFEE)
    abstained = await stranger.next_message()
    assert "Det ved jeg desværre ikke." in abstained.text
    assert abstained.buttons() == []
    assert await world.runtime.services.access.profile(stranger.id) is None
    (gap,) = await world.runtime.services.questions.gaps(Actor.cli())
    assert gap.text == COFFEE
    assert gap.cohort_ids == {None}


def _question_id_from(forwarded: BotMessage) -> int:
    return int(forwarded.buttons()[0]["callback_data"].rsplit(":", 1)[1])
