"""Question rules on in-memory fakes: privacy, scopes, votes, hand-offs, replies and gaps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.services.identity.access import Actor
from bot.services.identity.domain import GapReason, Role
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound, Unavailable
from bot.services.privacy.service import PrivacyService
from bot.services.questions.knowledge import AbstainReason, Answer, Citation
from bot.services.questions.service import AWAITING_QUESTION, QuestionService
from bot.tg.delivery.choices import reply_markup
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox
from tests.unit.wards import two_wards

CLI = Actor.cli()
STUDENT, OTHER_STUDENT, COORDINATOR, OTHER_COORDINATOR, ADMIN, STRANGER = 1, 2, 3, 4, 9, 77
GUIDE = Citation("Velkommen til M2", "Første dag", 1, "guide.md", "dept:medicinsk-m2")
STRATEGY = Citation("Strategi", None, 6, "strategi.md")


class FakeAnswerer:
    """Answers like the real one would for a tiny corpus; remembers what it searched."""

    def __init__(self) -> None:
        self.searched: list[str] = []

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Abstain on coffee; the ward guide only within the ward's scope."""
        self.searched.append(question)
        if "kaffe" in question.lower():
            return Answer("", (), abstained=True, confidence=0.3)
        if "første dag" in question.lower() and GUIDE.scope in scopes:
            return Answer("Du møder klokken 07.30. [1]", (GUIDE,), False, 0.9)
        return Answer("Der er simulationsrum. [1]", (STRATEGY,), False, 0.7)


@dataclass
class Setup:
    """Services on one fake database with a cast of people in two cohorts."""

    uow: FakeUowFactory
    outbox: FakeOutbox
    clock: ManualClock
    answerer: FakeAnswerer
    questions: QuestionService
    cohort_id: int
    other_cohort_id: int
    ids: dict[int, int]  # telegram id -> person id


@pytest.fixture
async def setup(clock: ManualClock) -> Setup:
    """Create two cohorts in two departments, students, coordinators and an admin."""
    uow = FakeUowFactory()
    outbox = FakeOutbox(uow.store)
    cast = [
        (STUDENT, 0, Role.STUDENT),
        (OTHER_STUDENT, 0, Role.STUDENT),
        (COORDINATOR, 0, Role.COORDINATOR),
        (OTHER_COORDINATOR, 1, Role.COORDINATOR),
        (ADMIN, 1, Role.SUPERVISOR),
    ]
    cohorts, ids = await two_wards(uow, outbox, clock, cast, english=[OTHER_COORDINATOR])
    answerer = FakeAnswerer()
    questions = QuestionService(uow, outbox, clock, answerer, admin_telegram_ids=[ADMIN])
    return Setup(uow, outbox, clock, answerer, questions, cohorts[0], cohorts[1], ids)


async def test_cpr_is_refused_before_anything_is_stored_or_searched(setup: Setup) -> None:
    for asker in (STUDENT, STRANGER):
        with pytest.raises(ContainsCpr):
            await setup.questions.ask(asker, "Må jeg skrive 010190-1234 i journalen?")
    assert setup.uow.store.questions == {}
    assert setup.answerer.searched == []


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 1001])
async def test_empty_or_too_long_questions_are_invalid(setup: Setup, text: str) -> None:
    with pytest.raises(Invalid):
        await setup.questions.ask(STUDENT, text)
    assert setup.uow.store.questions == {}


async def test_a_members_question_is_answered_in_their_scope_and_stored_with_them(
    setup: Setup,
) -> None:
    asked = await setup.questions.ask(STUDENT, "  Hvornår møder jeg første dag? ")
    assert asked.enrolled
    assert "07.30" in asked.answer.text
    stored = setup.uow.store.questions[asked.question_id]
    assert stored.text == "Hvornår møder jeg første dag?"
    assert (stored.person_id, stored.cohort_id) == (setup.ids[STUDENT], setup.cohort_id)
    assert not stored.abstained
    other = await setup.questions.ask(OTHER_COORDINATOR, "Hvornår møder jeg første dag?")
    assert "07.30" not in other.answer.text  # another department's guide stays out of reach


async def test_a_strangers_question_is_answered_and_stored_anonymously(setup: Setup) -> None:
    asked = await setup.questions.ask(STRANGER, "Hvornår møder jeg første dag?", "en")
    assert asked.question_id is None
    assert not asked.enrolled
    assert "07.30" not in asked.answer.text
    (stored,) = setup.uow.store.questions.values()
    assert (stored.person_id, stored.cohort_id, stored.language) == (None, None, "en")
    assert all(p.telegram_id != STRANGER for p in setup.uow.store.people.values())


async def test_without_an_answerer_every_question_abstains_and_is_a_gap(setup: Setup) -> None:
    questions = QuestionService(setup.uow, setup.outbox, setup.clock, None, [ADMIN])
    asked = await questions.ask(STUDENT, "Hvor parkerer jeg?")
    assert asked.answer.abstained
    (gap,) = await questions.gaps(CLI)
    assert gap.reasons == {GapReason.ABSTAINED}


async def test_asking_later_waits_for_the_next_text_then_stops(setup: Setup) -> None:
    person = await setup.questions.ask_later(STUDENT)
    assert person.awaiting == AWAITING_QUESTION
    await setup.questions.ask(STUDENT, "Hvor parkerer jeg?")
    assert setup.uow.store.people[setup.ids[STUDENT]].awaiting is None


async def test_only_the_asker_votes_and_a_repeated_vote_changes_nothing(setup: Setup) -> None:
    asked = await setup.questions.ask(STUDENT, "Kan jeg øve før jeg møder patienten?")
    qid = asked.question_id
    for intruder in (OTHER_STUDENT, COORDINATOR):
        with pytest.raises(NotAllowed):
            await setup.questions.feedback(intruder, qid, helpful=False)
    with pytest.raises(NotAllowed):
        await setup.questions.feedback(STRANGER, qid, helpful=False)
    with pytest.raises(NotFound):
        await setup.questions.feedback(STUDENT, 999, helpful=True)
    await setup.questions.feedback(STUDENT, qid, helpful=True)
    await setup.questions.feedback(STUDENT, qid, helpful=True)
    assert setup.uow.store.questions[qid].helpful is True
    assert await setup.questions.gaps(CLI) == []
    await setup.questions.feedback(STUDENT, qid, helpful=False)
    (gap,) = await setup.questions.gaps(CLI)
    assert gap.reasons == {GapReason.UNHELPFUL}


async def test_hand_off_goes_once_to_the_coordinators_of_the_askers_cohort(setup: Setup) -> None:
    asked = await setup.questions.ask(STUDENT, "Hvad koster kaffen?")
    with pytest.raises(NotAllowed):
        await setup.questions.hand_off(OTHER_STUDENT, asked.question_id)
    first = await setup.questions.hand_off(STUDENT, asked.question_id)
    again = await setup.questions.hand_off(STUDENT, asked.question_id)
    assert [p.telegram_id for p in first.recipients] == [COORDINATOR]
    assert first.cohort is not None
    assert first.cohort.id == setup.cohort_id
    assert not first.already
    assert again.already
    assert again.recipients == ()


async def test_hand_off_falls_back_to_admins_and_says_when_nobody_is_there(
    setup: Setup,
) -> None:
    lonely = QuestionService(setup.uow, setup.outbox, setup.clock, setup.answerer, [ADMIN])
    asked = await lonely.ask(OTHER_COORDINATOR, "Hvad koster kaffen?")  # cohort 2: no one else
    result = await lonely.hand_off(OTHER_COORDINATOR, asked.question_id)
    assert [p.telegram_id for p in result.recipients] == [ADMIN]
    nobody = QuestionService(setup.uow, setup.outbox, setup.clock, setup.answerer, [])
    asked = await nobody.ask(OTHER_COORDINATOR, "Hvad koster kaffen?")
    result = await nobody.hand_off(OTHER_COORDINATOR, asked.question_id)
    assert result.recipients == ()
    assert not result.already
    assert setup.uow.store.questions[asked.question_id].handed_off_at is None


async def test_only_a_coordinator_of_the_cohort_answers_and_the_asker_gets_it(
    setup: Setup,
) -> None:
    asked = await setup.questions.ask(STUDENT, "Hvad koster kaffen?")
    qid = asked.question_id
    with pytest.raises(NotAllowed):  # not handed off yet
        await setup.questions.start_reply(COORDINATOR, qid)
    await setup.questions.hand_off(STUDENT, qid)
    for intruder in (OTHER_COORDINATOR, STUDENT, OTHER_STUDENT):
        with pytest.raises(NotAllowed):
            await setup.questions.start_reply(intruder, qid)
    await setup.questions.start_reply(COORDINATOR, qid)
    with pytest.raises(ContainsCpr):
        await setup.questions.reply(COORDINATOR, "Ring til 010190-1234")
    assert setup.uow.store.people[setup.ids[COORDINATOR]].awaiting == f"reply:{qid}"
    delivery = await setup.questions.reply(COORDINATOR, "12 kroner i kantinen.")
    assert delivery.asker is not None
    assert delivery.asker.telegram_id == STUDENT
    assert delivery.question.text == "Hvad koster kaffen?"
    assert setup.uow.store.questions[qid].reply == "12 kroner i kantinen."
    assert setup.uow.store.people[setup.ids[COORDINATOR]].awaiting is None
    (gap,) = await setup.questions.gaps(CLI)
    assert gap.reasons == {GapReason.ABSTAINED}  # answered: no longer waiting
    with pytest.raises(Invalid):  # nothing awaited any more
        await setup.questions.reply(COORDINATOR, "Og igen")


async def test_admin_answers_any_cohort_and_a_reply_to_a_forward_is_routed(setup: Setup) -> None:
    lonely = QuestionService(setup.uow, setup.outbox, setup.clock, setup.answerer, [ADMIN])
    asked = await lonely.ask(OTHER_COORDINATOR, "Hvad koster kaffen?")  # cohort 2: only admin
    qid = asked.question_id
    await lonely.hand_off(OTHER_COORDINATOR, qid)
    assert await lonely.forwarded(ADMIN, 1001) is None  # not sent yet
    (sent,) = setup.outbox.deliver(setup.clock.now())
    assert (sent.message.chat_id, sent.message_id) == (ADMIN, 1001)
    assert await lonely.forwarded(ADMIN, 1001) == qid
    assert await lonely.forwarded(COORDINATOR, 1001) is None
    assert await lonely.forwarded(ADMIN, 1000) is None
    delivery = await lonely.reply(ADMIN, "Det er gratis.", qid)
    assert delivery.question.reply == "Det er gratis."
    (answer,) = setup.outbox.to(OTHER_COORDINATOR)
    assert "Your coordinator has answered your question" in answer.payload["text"]
    assert "Det er gratis." in answer.payload["text"]


async def test_a_hand_off_queues_one_forward_per_coordinator_even_on_a_double_tap(
    setup: Setup,
) -> None:
    asked = await setup.questions.ask(STUDENT, "Hvad koster <kaffen>?")
    qid = asked.question_id
    first = await setup.questions.hand_off(STUDENT, qid)
    again = await setup.questions.hand_off(STUDENT, qid)
    assert (first.already, again.already) == (False, True)
    (forward,) = setup.outbox.rows
    message = forward.message
    assert (message.chat_id, message.origin) == (COORDINATOR, "question")
    assert message.dedupe_key == f"question:{qid}:to:{setup.ids[COORDINATOR]}"
    assert message.not_before == setup.clock.now()
    assert "<b>En studerende på Hold Medicinsk M2 spørger:</b>" in message.payload["text"]
    assert "Hvad koster &lt;kaffen&gt;?" in message.payload["text"]
    button = {"text": "Svar", "callback_data": f"qa:re:{qid}"}
    assert reply_markup(message.payload) == {"inline_keyboard": [[button]]}  # as sent
    assert "X" not in message.payload["text"]  # never the asker's name


async def test_a_hand_off_in_the_night_waits_for_the_end_of_quiet_hours(setup: Setup) -> None:
    setup.clock.set(datetime(2027, 2, 3, 22, 30, tzinfo=UTC))  # 23:30 in Copenhagen
    asked = await setup.questions.ask(STUDENT, "Hvad koster kaffen?")
    await setup.questions.hand_off(STUDENT, asked.question_id)
    (message,) = setup.outbox.to(COORDINATOR)
    assert message.not_before == datetime(2027, 2, 4, 6, 0, tzinfo=UTC)  # 07:00 local
    assert setup.outbox.deliver(setup.clock.now()) == []


async def test_an_answer_is_queued_once_in_the_askers_language(setup: Setup) -> None:
    english = QuestionService(setup.uow, setup.outbox, setup.clock, setup.answerer, [ADMIN])
    asked = await english.ask(OTHER_COORDINATOR, "Hvad koster kaffen?")
    qid = asked.question_id
    await english.hand_off(OTHER_COORDINATOR, qid)
    for _ in range(2):  # the same answer again (e.g. Telegram redelivers the update)
        delivery = await english.reply(ADMIN, "Ti kroner.", qid)
        assert delivery.asker is not None
    (answer,) = setup.outbox.to(OTHER_COORDINATOR)
    assert answer.origin == "question"
    assert answer.payload["text"].startswith(
        "<b>Your coordinator has answered your question:</b>\n<i>Hvad koster kaffen?</i>"
    )
    await english.reply(ADMIN, "Elleve kroner.", qid)  # a corrected answer is sent too
    assert len(setup.outbox.to(OTHER_COORDINATOR)) == 2


async def test_gaps_are_grouped_counted_newest_first_and_limited_to_own_cohorts(
    setup: Setup,
) -> None:
    await setup.questions.ask(STUDENT, "Hvad koster kaffe?")
    setup.clock.advance(hours=1)
    await setup.questions.ask(OTHER_STUDENT, "hvad koster  KAFFE")
    await setup.questions.ask(STRANGER, "Hvad koster kaffe i kantinen?")
    await setup.questions.ask(OTHER_COORDINATOR, "Kaffe på K1?")
    setup.clock.advance(hours=1)
    voted = await setup.questions.ask(STUDENT, "Må jeg øve først?")
    await setup.questions.feedback(STUDENT, voted.question_id, helpful=False)
    await setup.questions.ask(STUDENT, "Kan jeg øve før patienten?")  # answered: no gap
    coordinator = await _actor(setup, COORDINATOR)
    gaps = await setup.questions.gaps(coordinator)
    assert [(g.text, g.count) for g in gaps] == [
        ("Må jeg øve først?", 1),
        ("hvad koster  KAFFE", 2),
    ]
    everything = await setup.questions.gaps(CLI)
    assert len(everything) == 4
    assert {None} in [g.cohort_ids for g in everything]  # the stranger's, anonymously
    only_first = await setup.questions.gaps(CLI, setup.cohort_id)
    assert len(only_first) == 2
    with pytest.raises(NotAllowed):
        await setup.questions.gaps(await _actor(setup, STUDENT))
    with pytest.raises(NotAllowed):
        await setup.questions.gaps(await _actor(setup, OTHER_COORDINATOR), setup.cohort_id)


async def test_export_includes_questions_and_deletion_removes_them(setup: Setup) -> None:
    privacy = PrivacyService(setup.uow, setup.clock)
    await setup.questions.ask(STUDENT, "Hvad koster kaffe?")
    await setup.questions.ask(STRANGER, "Hvad koster kaffe?")
    data = await privacy.export(STUDENT)
    assert [q.text for q in data.questions] == ["Hvad koster kaffe?"]
    assert await privacy.delete(STUDENT)
    remaining = list(setup.uow.store.questions.values())
    assert [q.person_id for q in remaining] == [None]


async def _actor(setup: Setup, telegram_id: int) -> Actor:
    person_id = setup.ids[telegram_id]
    return Actor(f"person:{person_id}", person_id, is_admin=telegram_id == ADMIN)


def test_the_askers_own_name_is_masked_before_answering() -> None:
    from datetime import UTC, datetime

    from bot.services.identity.domain import Person
    from bot.services.questions.service import mask_name

    anna = Person(1, 11, "Anna Berg", "da", "UTC", datetime(2027, 1, 1, tzinfo=UTC))
    assert (
        mask_name("Jeg hedder anna berg, hvor møder jeg?", anna)
        == "Jeg hedder [navn], hvor møder jeg?"
    )
    assert mask_name("Hvor møder jeg?", None) == "Hvor møder jeg?"


class BrokenAnswerer:
    """An answerer whose index is down until `fixed`."""

    def __init__(self, working: FakeAnswerer) -> None:
        self.working = working
        self.fixed = False

    async def answer(self, question: str, scopes: Sequence[str]) -> Answer:
        """Fail like an unopened index, or answer once fixed."""
        if not self.fixed:
            raise Unavailable("index down")
        return await self.working.answer(question, scopes)


def _alerts(setup: Setup) -> list[int]:
    return [r.message.chat_id for r in setup.outbox.rows if r.message.origin == "alert:search"]


async def test_search_down_tells_coordinators_and_admins_once_per_period(setup: Setup) -> None:
    broken = BrokenAnswerer(setup.answerer)
    questions = QuestionService(setup.uow, setup.outbox, setup.clock, broken, [ADMIN])
    asked = await questions.ask(STUDENT, "Hvor er simulationsrummet?")
    assert asked.answer.abstained
    assert asked.answer.reason == AbstainReason.UNAVAILABLE
    assert asked.told
    assert sorted(_alerts(setup)) == [COORDINATOR, ADMIN]
    texts = [r.message.payload["text"] for r in setup.outbox.rows]
    assert not any("simulationsrummet" in t for t in texts)  # never the question itself
    assert (await questions.ask(OTHER_STUDENT, "Hvor er kantinen?")).told
    assert (await questions.ask(STRANGER, "Hvor er kantinen?")).told  # the admin knows
    assert sorted(_alerts(setup)) == [COORDINATOR, ADMIN]  # nobody told twice
    setup.clock.advance(hours=6)
    await questions.ask(STUDENT, "Hvor er kantinen?")
    assert sorted(_alerts(setup)) == [COORDINATOR, COORDINATOR, ADMIN, ADMIN]


async def test_search_back_answers_again_and_a_later_outage_is_told_again(setup: Setup) -> None:
    broken = BrokenAnswerer(setup.answerer)
    questions = QuestionService(setup.uow, setup.outbox, setup.clock, broken, [ADMIN])
    await questions.ask(STUDENT, "Hvor er simulationsrummet?")
    broken.fixed = True
    asked = await questions.ask(STUDENT, "Hvor er simulationsrummet?")
    assert not asked.answer.abstained
    assert not asked.told
    broken.fixed = False  # flapping within the period: told already, nothing new queued
    assert (await questions.ask(STUDENT, "Hvor er simulationsrummet?")).told
    assert len(_alerts(setup)) == 2
    setup.clock.advance(hours=6)
    await questions.ask(STUDENT, "Hvor er simulationsrummet?")
    assert len(_alerts(setup)) == 4


async def test_search_down_with_nobody_to_tell_says_so(clock: ManualClock) -> None:
    uow = FakeUowFactory()
    questions = QuestionService(
        uow, FakeOutbox(uow.store), clock, BrokenAnswerer(FakeAnswerer()), []
    )
    asked = await questions.ask(STRANGER, "Hvor er kantinen?")
    assert asked.answer.reason == AbstainReason.UNAVAILABLE
    assert not asked.told
