"""Issue #13, point 6: question or logbook? Free text that does not read as a question is
not answered (and shown to coordinators) as one: a student is asked, with buttons, and
nothing is stored until they choose. Over real HTTP, with the real answerer."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.bootstrap import Runtime, start_bot, stop_bot
from bot.config import Settings
from bot.retrieval.setup import KnowledgeBase
from bot.services.identity.domain import Role
from bot.storage.questions.models import QuestionRow
from bot.storage.reflection.models import ReflectionRow
from tests.e2e.conftest import World, make_world
from tests.e2e.flows import enrol, link
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser
from tests.support import ManualClock, eventually

STORY = "Min refleksion om patienten i stue 4 var svær"
WANTS_TO_PRACTISE = "Jeg vil øve kateteranlæggelse, før jeg møder patienten"
CATHETER = "Kan jeg øve kateteranlæggelse, før jeg møder patienten?"
STRATEGY_TITLE = "Grunduddannelse er en kerneopgave for regionale arbejdspladser"
CHOICE = "Er det et spørgsmål til mig, eller noget, du vil gemme i din logbog?"
BUTTONS = ["❓ Det er et spørgsmål", "📓 Gem i logbogen", "Ingen af delene"]


async def _rows(runtime: Runtime) -> tuple[int, int]:
    """Return how many question rows and logbook entries the database holds."""
    async with runtime.engine.connect() as conn:
        questions = (await conn.execute(select(func.count()).select_from(QuestionRow))).scalar()
        entries = (await conn.execute(select(func.count()).select_from(ReflectionRow))).scalar()
    return int(questions or 0), int(entries or 0)


async def _ask_about(user: SimUser, text: str) -> tuple[int, BotMessage]:
    """Send a text that is not a question; return its message id and the bot's choice."""
    update_id = await user.send(text)
    choice = await user.next_message()
    assert CHOICE in choice.text
    assert choice.button_texts() == BUTTONS
    message_id = user._update_to_message[update_id]
    assert choice.params["reply_parameters"]["message_id"] == message_id
    return message_id, choice


async def _callback_text(user: SimUser) -> str:
    """Return the text of the next callback answer that has one."""
    while "text" not in (answer := await user.wait_callback_answer()):
        pass
    return answer["text"]


async def test_a_story_is_kept_only_when_the_student_chooses_the_logbook(
    fake_api: FakeBotApi, world: World
) -> None:
    student, supervisor = fake_api.user(7501), fake_api.user(7502)
    await enrol(student, world.codes[Role.STUDENT])
    await enrol(supervisor, world.codes[Role.SUPERVISOR])
    await link(world.runtime, world.cohort.id, student, supervisor)
    _message_id, choice = await _ask_about(student, STORY)
    assert await _rows(world.runtime) == (0, 0)  # nothing is stored while they choose
    await student.press(choice, "📓 Gem i logbogen")
    await student.press(choice, "📓 Gem i logbogen")  # a double tap
    saved = await student.expect_text("📓 Gemt i din logbog.")
    assert "privat, medmindre du deler den med din vejleder" in saved.text
    assert saved.button_texts() == ["Del med min vejleder", "📖 Logbog"]
    assert "allerede klaret" in await _callback_text(student)
    await student.wait_edit(choice)
    assert choice.button_texts() == []
    await student.no_message(within=1.0)
    assert await _rows(world.runtime) == (0, 1)
    export = await world.runtime.services.privacy.export(student.id)
    (entry,) = export.reflections
    assert [(a.question, a.text) for a in entry.answers] == [("Med mine egne ord", STORY)]
    assert export.questions == []
    await student.send("/logbog")
    page = await student.next_message()
    assert STORY[:30] in page.text

    _message_id, choice = await _ask_about(student, WANTS_TO_PRACTISE)
    await student.press(choice, "❓ Det er et spørgsmål")
    answer = await student.next_message()
    assert f"📄 {STRATEGY_TITLE}" in answer.text
    assert answer.button_texts() == ["Læs mere", "👍", "👎", "Spørg en person"]
    assert [
        q.text for q in (await world.runtime.services.privacy.export(student.id)).questions
    ] == [WANTS_TO_PRACTISE]
    assert await _rows(world.runtime) == (1, 1)

    await student.send(CATHETER)  # a clear question is answered at once
    answer = await student.next_message()
    assert f"📄 {STRATEGY_TITLE}" in answer.text
    assert CHOICE not in answer.text
    assert await _rows(world.runtime) == (2, 1)

    _message_id, choice = await _ask_about(student, "I dag lærte jeg at lægge et kateter")
    await student.press(choice, "Ingen af delene")
    assert "jeg har ikke gemt noget" in (await student.next_message()).text
    await student.send("Tusind tak for hjælpen")
    assert "Skriv endelig" in (await student.next_message()).text
    assert await _rows(world.runtime) == (2, 1)


async def test_an_open_reflection_and_other_roles_are_not_asked(
    fake_api: FakeBotApi, world: World
) -> None:
    student, supervisor = fake_api.user(7511), fake_api.user(7512)
    stranger = fake_api.user(7513)
    await enrol(student, world.codes[Role.STUDENT])
    await enrol(supervisor, world.codes[Role.SUPERVISOR])
    await student.send("/refleksion")
    assert "Spørgsmål 1 af" in (await student.next_message()).text
    await student.send(STORY)  # the answer to the open reflection, as before
    assert "Spørgsmål 2 af" in (await student.next_message()).text
    (entry,) = (await world.runtime.services.privacy.export(student.id)).reflections
    assert entry.answers[0].text == STORY
    await supervisor.send(WANTS_TO_PRACTISE)  # no logbook: answered as a question
    assert f"📄 {STRATEGY_TITLE}" in (await supervisor.next_message()).text
    await stranger.send(WANTS_TO_PRACTISE)  # not enrolled: answered as before
    assert STRATEGY_TITLE in (await stranger.next_message()).text
    await student.send("/spoerg")
    await student.next_message()
    await student.send("/annuller")
    await student.next_message()
    assert await _rows(world.runtime) == (2, 1)


async def test_after_spoerg_a_story_is_a_question(fake_api: FakeBotApi, world: World) -> None:
    student = fake_api.user(7521)
    await enrol(student, world.codes[Role.STUDENT])
    await student.send("/spoerg")
    assert "Skriv dit spørgsmål" in (await student.next_message()).text
    await student.send(WANTS_TO_PRACTISE)
    assert f"📄 {STRATEGY_TITLE}" in (await student.next_message()).text
    assert await _rows(world.runtime) == (1, 0)


async def test_cpr_numbers_deleted_texts_and_forged_buttons_store_nothing(
    fake_api: FakeBotApi, world: World
) -> None:
    student = fake_api.user(7531)
    await enrol(student, world.codes[Role.STUDENT])
    _message_id, choice = await _ask_about(student, "Patienten 010190-1234 fik i dag et kateter")
    await student.press(choice, "📓 Gem i logbogen")
    assert "CPR-nummer" in (await student.next_message()).text
    message_id, choice = await _ask_about(student, STORY)
    for forged in (f"ft:lb:{message_id + 1}", "ft:xx:1", f"ft:lb:{message_id}:1", "ft:lb:-1"):
        await student.press_data(choice.message_id, forged)
        assert "ikke længere" in await _callback_text(student), forged
    student.delete(message_id)  # the student deletes what they wrote
    await student.press(choice, "📓 Gem i logbogen")
    assert "Send den gerne igen" in await _callback_text(student)
    await student.wait_edit(choice)
    assert choice.button_texts() == []
    await student.send("/logbog")
    answer = await student.next_message()
    await student.press_data(answer.message_id, f"ft:lb:{message_id}")  # not a choice
    assert "ikke længere" in await _callback_text(student)
    assert await _rows(world.runtime) == (0, 0)


async def test_the_choice_survives_a_restart(
    fake_api: FakeBotApi,
    bot_settings: Settings,
    clock: ManualClock,
    shared_knowledge: KnowledgeBase,
) -> None:
    runtime = await start_bot(
        bot_settings, clock=clock, poll_timeout=1, knowledge=shared_knowledge
    )
    student = fake_api.user(7541)
    try:
        world = await make_world(runtime)
        await enrol(student, world.codes[Role.STUDENT])
        _message_id, choice = await _ask_about(student, STORY)
    finally:
        await stop_bot(runtime)
    runtime = await start_bot(
        bot_settings, clock=clock, poll_timeout=1, knowledge=shared_knowledge
    )
    try:
        await student.press(choice, "📓 Gem i logbogen")
        await student.expect_text("📓 Gemt i din logbog.")

        async def kept() -> bool:
            return await _rows(runtime) == (0, 1)

        await eventually(kept)
    finally:
        await stop_bot(runtime)
