"""Issue #6 point 4 on fakes: conversations planned from cohort dates, reminders to students and
supervisors (once, in each person's language and out of quiet hours), the question about the
plan, "not held yet", the plan in the logbook, and role checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services.conversations.config import ConversationConfig
from bot.services.conversations.messages import ConversationAction
from bot.services.conversations.service import ConversationService, NotYet, PlanRecorded
from bot.services.conversations.types import Kind
from bot.services.delivery.choices import choices_of
from bot.services.identity.domain import Person, Profession, Role, SupervisionLink
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.reflection.schedules import ScheduleService
from bot.services.reflection.types import EntryStatus
from bot.tg.delivery.choices import choice_rows
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

FRIDAY = datetime(2027, 2, 26, 11, 0, tzinfo=UTC)  # before a placement from Monday 1 March
REMIND = datetime(2027, 3, 2, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Copenhagen
ASK = datetime(2027, 3, 5, 13, 0, tzinfo=UTC)  # Friday 14:00, the day after the conversation
ANNA, VERA, BO, KARIN = 11, 12, 13, 14


class Setup:
    """A cohort (1 March to 30 April) with students Anna and Bo, an English-speaking supervisor
    Vera linked to both, and a coordinator."""

    def __init__(self) -> None:
        self.clock = ManualClock(FRIDAY)
        self.uow, self.outbox = FakeUowFactory(), FakeOutbox()
        self.service = ConversationService(self.uow, self.outbox, self.clock, ConversationConfig())
        self.people: dict[int, Person] = {}

    async def start(self) -> None:
        async with self.uow() as uow:
            cohort = await uow.cohorts.add(
                1, "F27", Profession.NURSING, date(2027, 3, 1), date(2027, 4, 30)
            )
            for tid, name, language, role in (
                (ANNA, "Anna", "da", Role.STUDENT),
                (VERA, "Vera", "en", Role.SUPERVISOR),
                (BO, "Bo", "da", Role.STUDENT),
                (KARIN, "Karin", "da", Role.COORDINATOR),
            ):
                person = await uow.people.add(tid, name, language, "Europe/Copenhagen", FRIDAY)
                await uow.memberships.add(person.id, cohort.id, role)
                self.people[tid] = person
            for student in (ANNA, BO):
                link = SupervisionLink(cohort.id, self.people[VERA].id, self.people[student].id)
                await uow.links.add(link, None)
            await uow.commit()
        self.cohort = cohort
        for student in (ANNA, BO):
            await ScheduleService(self.uow, self.clock).student_joined(
                self.people[student], cohort
            )

    def texts(self, telegram_id: int) -> list[str]:
        return [
            r.message.payload["text"] for r in self.outbox.rows if r.message.chat_id == telegram_id
        ]

    def conversation(self, telegram_id: int, kind: Kind):
        person = self.people[telegram_id]
        return next(
            c
            for c in self.uow.store.conversations.values()
            if c.student_id == person.id and c.kind is kind
        )


@pytest.fixture
async def s() -> Setup:
    setup = Setup()
    await setup.start()
    return setup


async def test_the_tick_plans_three_conversations_per_student_once(s: Setup) -> None:
    assert await s.service.tick() == 0
    assert await s.service.tick() == 0
    rows = s.uow.store.conversations.values()
    assert len(rows) == 6
    anna = s.conversation(ANNA, Kind.EXPECTATION)
    assert anna.due_on == date(2027, 3, 4)
    assert anna.remind_at == REMIND
    assert anna.followup_at == ASK
    assert s.conversation(ANNA, Kind.MIDWAY).due_on == date(2027, 3, 31)
    assert s.conversation(ANNA, Kind.FINAL).due_on == date(2027, 4, 27)


async def test_reminders_reach_both_students_and_one_message_reaches_the_supervisor(
    s: Setup,
) -> None:
    await s.service.tick()
    s.clock.set(REMIND - timedelta(hours=1))
    assert await s.service.tick() == 0  # 08:00 local: not yet
    s.clock.set(REMIND)
    assert await s.service.tick() == 3
    assert await s.service.tick() == 0
    [anna] = s.texts(ANNA)
    assert "forventningssamtale" in anna
    assert "torsdag den 4. marts" in anna
    for label in ("Relation", "Reaktioner", "Indhold", "Coaching"):
        assert label in anna
    [vera] = s.texts(VERA)
    assert "Expectation conversation with Anna and Bo, planned for Thursday 4 March" in vera
    assert "Relationship" in vera
    assert all(r.message.not_before == REMIND for r in s.outbox.rows)
    # Of no use once the conversation's day is over in Copenhagen (23:00 UTC in winter).
    end = datetime(2027, 3, 4, 23, 0, tzinfo=UTC)
    assert all(r.message.useful_until == end for r in s.outbox.rows)
    assert s.conversation(ANNA, Kind.EXPECTATION).remind_at is None


async def test_quiet_hours_hold_the_reminder_back_for_that_person_only(s: Setup) -> None:
    await s.service.tick()
    await ScheduleService(s.uow, s.clock).change(ANNA, quiet_end=10 * 60)
    s.clock.set(REMIND)
    await s.service.tick()
    by_chat = {r.message.chat_id: r.message.not_before for r in s.outbox.rows}
    assert by_chat[ANNA] == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 local
    assert by_chat[BO] == by_chat[VERA] == REMIND


async def test_a_failed_enqueue_is_finished_by_the_next_tick_without_repeats(s: Setup) -> None:
    await s.service.tick()
    s.clock.set(REMIND)

    class Broken(FakeOutbox):
        async def enqueue(self, messages):  # type: ignore[no-untyped-def]
            raise RuntimeError("database went away")

    broken = ConversationService(s.uow, Broken(), s.clock, ConversationConfig())
    with pytest.raises(RuntimeError):
        await broken.tick()
    claimed = s.conversation(ANNA, Kind.EXPECTATION)
    assert claimed.reminded_at is not None
    assert claimed.remind_at is not None
    assert await s.service.tick() == 3
    assert await s.service.tick() == 0
    assert len(s.texts(VERA)) == 1


async def test_a_late_joiner_is_reminded_at_once_and_not_of_past_conversations(
    s: Setup,
) -> None:
    s.clock.set(datetime(2027, 3, 3, 11, 0, tzinfo=UTC))  # Wednesday noon, the day before
    assert await s.service.tick() == 3
    s.clock.set(datetime(2027, 4, 1, 11, 0, tzinfo=UTC))
    async with s.uow() as uow:
        late = await uow.people.add(15, "Cai", "da", "Europe/Copenhagen", s.clock.now())
        await uow.memberships.add(late.id, s.cohort.id, Role.STUDENT)
        await uow.commit()
    await s.service.tick()
    theirs = [c for c in s.uow.store.conversations.values() if c.student_id == late.id]
    assert {c.kind: c.remind_at is None for c in theirs} == {
        Kind.EXPECTATION: True,
        Kind.MIDWAY: True,
        Kind.FINAL: False,
    }
    assert s.texts(15) == []


async def test_question_postponement_and_the_plan_in_the_logbook(s: Setup) -> None:
    await s.service.tick()
    s.clock.set(ASK)
    await s.service.tick()
    asks = [r.message for r in s.outbox.rows if r.message.dedupe_key.startswith("cv:ask:")]
    assert {m.chat_id for m in asks} == {ANNA, BO}
    anna_ask = next(m for m in asks if m.chat_id == ANNA)
    conversation = s.conversation(ANNA, Kind.EXPECTATION)
    assert "Hvordan gik din forventningssamtale torsdag den 4. marts?" in anna_ask.payload["text"]
    choices = [(c.action, c.target_id) for row in choices_of(anna_ask.payload) for c in row]
    assert choices == [
        (ConversationAction.WRITE_PLAN, conversation.id),
        (ConversationAction.NOT_HELD, conversation.id),
    ]
    buttons = [data for row in choice_rows(anna_ask.payload) for _label, data in row]
    assert buttons == [f"cv:w:{conversation.id}", f"cv:l:{conversation.id}"]

    assert await s.service.postpone(ANNA, conversation.id) == date(2027, 3, 8)
    s.clock.set(datetime(2027, 3, 8, 13, 0, tzinfo=UTC))
    await s.service.tick()
    assert len([t for t in s.texts(ANNA) if "Hvordan gik" in t]) == 2

    await s.service.ask_plan(ANNA, conversation.id)
    async with s.uow() as uow:
        assert (await uow.people.get(s.people[ANNA].id)).awaiting == f"cv:{conversation.id}"
    with pytest.raises(ContainsCpr):
        await s.service.save_plan(ANNA, conversation.id, "Tal om patienten 010190-1234")
    with pytest.raises(Invalid):
        await s.service.save_plan(ANNA, conversation.id, "x" * 1501)
    assert s.conversation(ANNA, Kind.EXPECTATION).plan is None

    saved = await s.service.save_plan(
        ANNA, conversation.id, "Jeg øver  medicinrunder\n  hver dag."
    )
    assert saved.plan == "Jeg øver medicinrunder\nhver dag."
    assert saved.followup_at is None
    entry = s.uow.store.reflections[saved.entry_id]
    assert entry.status is EntryStatus.DONE
    assert entry.prompt_id == "conversation:expectation"
    assert entry.answer("plan") == saved.plan
    assert entry.answers[0].question == (
        "Planen fra din forventningssamtale (torsdag den 4. marts)"
    )
    again = await s.service.save_plan(ANNA, conversation.id, "Ny plan.")
    assert again.entry_id == saved.entry_id
    assert s.uow.store.reflections[saved.entry_id].answer("plan") == "Ny plan."
    with pytest.raises(PlanRecorded):
        await s.service.postpone(ANNA, conversation.id)
    async with s.uow() as uow:
        assert (await uow.people.get(s.people[ANNA].id)).awaiting is None


async def test_only_the_student_of_a_conversation_may_act_on_it(s: Setup) -> None:
    await s.service.tick()
    annas = s.conversation(ANNA, Kind.EXPECTATION)
    for telegram_id in (BO, VERA, KARIN):
        with pytest.raises(NotFound):
            await s.service.ask_plan(telegram_id, annas.id)
        with pytest.raises(NotFound):
            await s.service.postpone(telegram_id, annas.id)
        with pytest.raises(NotFound):
            await s.service.save_plan(telegram_id, annas.id, "En plan.")
    with pytest.raises(NotAllowed):
        await s.service.ask_plan(999, annas.id)
    with pytest.raises(NotFound):
        await s.service.ask_plan(ANNA, 9999)
    with pytest.raises(NotYet):
        await s.service.ask_plan(ANNA, annas.id)  # 26 February: not held yet


async def test_overview_for_student_supervisor_and_refusal_for_others(s: Setup) -> None:
    await s.service.tick()
    own = await s.service.overview(ANNA)
    assert own.is_student
    assert not own.is_supervisor
    assert [c.kind for c in own.own] == [Kind.EXPECTATION, Kind.MIDWAY, Kind.FINAL]
    supervised = await s.service.overview(VERA)
    assert supervised.is_supervisor
    assert not supervised.own
    assert [(c.student, c.kind) for c in supervised.supervised[:2]] == [
        ("Anna", Kind.EXPECTATION),
        ("Bo", Kind.EXPECTATION),
    ]
    with pytest.raises(NotAllowed):
        await s.service.overview(KARIN)
    with pytest.raises(NotAllowed):
        await s.service.overview(999)


async def test_a_plan_goes_when_its_logbook_entry_is_deleted(s: Setup) -> None:
    await s.service.tick()
    conversation = s.conversation(ANNA, Kind.EXPECTATION)
    s.clock.set(ASK)
    saved = await s.service.save_plan(ANNA, conversation.id, "Min plan.")
    del s.uow.store.reflections[saved.entry_id]  # retention deleted the cohort's entries
    await s.service.tick()
    forgotten = s.conversation(ANNA, Kind.EXPECTATION)
    assert forgotten.plan is None
    assert forgotten.plan_at is not None
