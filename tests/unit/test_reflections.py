"""Issue #5 services on fakes: schedules, the tick, the conversation, goals, sharing, retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services.delivery.choices import choices_of
from bot.services.identity.domain import Person, Profession, Role, SupervisionLink
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound
from bot.services.privacy.retention import RetentionService
from bot.services.reflection.answering import Closed, Finished, ReflectionService
from bot.services.reflection.logbook import LogbookService
from bot.services.reflection.messages import PromptAction
from bot.services.reflection.prompt_library import Model, PromptLibrary, default_prompts_dir
from bot.services.reflection.prompting import PromptScheduler, ReflectionConfig
from bot.services.reflection.schedules import ScheduleService
from bot.services.reflection.types import EntryStatus
from bot.tg.delivery.choices import choice_rows
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

LIBRARY = PromptLibrary.load(default_prompts_dir())
MONDAY_NOON = datetime(2027, 2, 8, 11, 0, tzinfo=UTC)


class Setup:
    """A cohort with a student (telegram 11) and a linked supervisor (telegram 12)."""

    def __init__(self) -> None:
        self.clock = ManualClock(MONDAY_NOON)
        self.uow, self.outbox, self.config = FakeUowFactory(), FakeOutbox(), ReflectionConfig()
        self.schedules = ScheduleService(self.uow, self.clock)
        self.tick = PromptScheduler(self.uow, self.outbox, self.clock, LIBRARY, self.config)
        self.talk = ReflectionService(self.uow, self.outbox, self.clock, LIBRARY, self.config)
        self.logbook = LogbookService(self.uow, self.outbox, self.clock)

    async def people(self) -> tuple[Person, Person]:
        async with self.uow() as uow:
            cohort = await uow.cohorts.add(
                1, "F27", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30)
            )
            student = await uow.people.add(11, "Anna", "da", "Europe/Copenhagen", MONDAY_NOON)
            supervisor = await uow.people.add(12, "Vera", "da", "Europe/Copenhagen", MONDAY_NOON)
            await uow.memberships.add(student.id, cohort.id, Role.STUDENT)
            await uow.memberships.add(supervisor.id, cohort.id, Role.SUPERVISOR)
            await uow.links.add(SupervisionLink(cohort.id, supervisor.id, student.id), None)
            await uow.commit()
        await self.schedules.student_joined(student, cohort)
        return student, supervisor


@pytest.fixture
async def s() -> Setup:
    setup = Setup()
    await setup.people()
    return setup


async def test_the_tick_prompts_once_and_the_answers_finish_the_entry(s: Setup) -> None:
    assert (await s.tick.tick()).prompted == 0
    s.clock.set(datetime(2027, 2, 8, 14, 20, tzinfo=UTC))
    assert (await s.tick.tick()).prompted == 1
    assert (await s.tick.tick()).prompted == 0
    [row] = s.outbox.rows
    assert row.message.dedupe_key == "prompt:1:2027-02-08"
    entry = await s.talk.open_entry(11)
    assert entry is not None
    # Sent no later than the entry takes answers (an outage must not bring a stale prompt).
    assert row.message.useful_until == entry.expires_at == s.clock.now() + timedelta(hours=12)
    assert choices_of(row.message.payload)[0][0].action == PromptAction.ANSWER_NOW
    assert choice_rows(row.message.payload)[0][0][1].startswith("rf:go:")
    with pytest.raises(ContainsCpr):
        await s.talk.answer(11, "cpr 0101901234")
    for text in ("Hvad skete der", "Hvad betød det"):
        await s.talk.answer(11, text)
    done = await s.talk.answer(11, "Næste gang spørger jeg")
    assert isinstance(done, Finished)
    assert done.has_supervisor
    with pytest.raises(Closed):
        await s.talk.answer(11, "one more")


async def test_buttons_snooze_skip_and_hard_shift(s: Setup) -> None:
    s.clock.set(datetime(2027, 2, 8, 14, 20, tzinfo=UTC))
    await s.tick.tick()
    entry = await s.talk.open_entry(11)
    assert entry is not None
    until = await s.talk.snooze(11, entry.id)
    assert await s.talk.snooze(11, entry.id) == until  # a double tap: one reminder
    assert len(s.outbox.rows) == 2
    assert s.outbox.rows[1].message.useful_until == entry.expires_at
    assert await s.talk.open_entry(11) is None  # snoozed: free text is a question now
    s.clock.set(until)
    step = await s.talk.switch(11, entry.id, hard_shift=True)
    assert step.total == 6
    prompt = LIBRARY.get(step.entry.prompt_id)
    assert prompt is not None
    assert prompt.model is Model.GIBBS
    assert "hard_shift" in prompt.themes
    await s.talk.answer(11, "Det var en tung dag")
    with pytest.raises(Invalid):
        await s.talk.switch(11, entry.id, hard_shift=False)
    skipped = await s.talk.skip(11, entry.id)
    assert skipped.status is EntryStatus.SKIPPED
    with pytest.raises(NotFound):
        await s.talk.begin(12, entry.id)  # someone else's entry


async def test_prompts_expire_and_pauses_hold_them_back(s: Setup) -> None:
    s.clock.set(datetime(2027, 2, 8, 14, 20, tzinfo=UTC))
    await s.tick.tick()
    s.clock.advance(hours=13)
    assert (await s.tick.tick()).expired == 1
    assert await s.talk.open_entry(11) is None
    view = await s.schedules.pause(11, date(2027, 2, 15))
    assert view.schedule.next_slot == date(2027, 2, 15)
    view = await s.schedules.resume(11)
    assert view.schedule.next_slot == date(2027, 2, 9)
    with pytest.raises(Invalid):
        await s.schedules.pause(11, date(2027, 2, 1))
    with pytest.raises(NotAllowed):
        await s.schedules.view(12)  # supervisors have no prompts


async def test_goals_tagging_and_sharing(s: Setup) -> None:
    goal = await s.logbook.save_goal(11, "  Give struktureret   feedback ", None)
    assert goal.text == "Give struktureret feedback"
    with pytest.raises(ContainsCpr):
        await s.logbook.save_goal(11, "Patient 010190-1234", None)
    with pytest.raises(NotAllowed):
        await s.logbook.goals(12)
    step = await s.talk.start(11)
    for _ in range(step.total):
        result = await s.talk.answer(11, "svar")
    assert isinstance(result, Finished)
    view = await s.logbook.tag(11, result.entry.id, goal.id)
    assert view.goal == goal
    await s.logbook.share(11, result.entry.id, True)
    [shared] = await s.logbook.shared_for(12)
    assert shared.student == "Anna"
    notice = s.outbox.rows[-1].message
    assert notice.chat_id == 12
    assert "svar" not in notice.payload["text"]  # the notice carries no content
    await s.logbook.share(11, result.entry.id, False)
    assert await s.logbook.shared_for(12) == []
    with pytest.raises(NotFound):
        await s.logbook.tag(12, result.entry.id, None)
    reached = await s.logbook.complete_goal(11, goal.id)
    assert reached.completed_at is not None


async def test_a_free_text_is_kept_once_per_message_with_the_cpr_guard(s: Setup) -> None:
    story = "  I dag lærte jeg at lægge et kateter  "
    with pytest.raises(ContainsCpr):
        await s.logbook.write(11, "Patienten 010190-1234 fik et kateter", 41)
    with pytest.raises(Invalid):
        await s.logbook.write(11, "x" * 2001, 41)
    with pytest.raises(NotAllowed):
        await s.logbook.write(12, story, 41)  # supervisors have no logbook
    assert (await s.logbook.page(11, 0)).total == 0
    goal = await s.logbook.save_goal(11, "Lægge kateter", None)
    written = await s.logbook.write(11, story, 41)
    assert written.new
    assert written.has_supervisor
    assert written.goals == [goal]
    entry = written.entry
    assert (entry.prompt_id, entry.status, entry.step) == ("free:41", EntryStatus.DONE, 1)
    assert [(a.question, a.text) for a in entry.answers] == [
        ("Med mine egne ord", "I dag lærte jeg at lægge et kateter")
    ]
    assert entry.entry_date == date(2027, 2, 8)
    assert entry.completed_at == MONDAY_NOON
    again = await s.logbook.write(11, story, 41)  # a second tap on the same message
    assert not again.new
    assert again.entry.id == entry.id
    other = await s.logbook.write(11, story, 42)  # the same words sent again are new
    assert other.new
    page = await s.logbook.page(11, 0)
    assert page.total == 2
    view = await s.logbook.tag(11, entry.id, goal.id)
    assert view.goal == goal


async def test_a_share_notice_is_queued_once_and_waits_for_the_supervisors_morning(
    s: Setup,
) -> None:
    step = await s.talk.start(11)
    for _ in range(step.total):
        result = await s.talk.answer(11, "svar")
    assert isinstance(result, Finished)
    s.clock.set(datetime(2027, 2, 8, 22, 30, tzinfo=UTC))  # 23:30 in Copenhagen
    before = len(s.outbox.rows)
    for _ in range(2):  # a double tap on "share"
        await s.logbook.share(11, result.entry.id, True)
    (notice,) = [r.message for r in s.outbox.rows[before:]]
    assert (notice.chat_id, notice.origin) == (12, "share")
    assert notice.not_before == datetime(2027, 2, 9, 6, 0, tzinfo=UTC)  # 07:00 local


async def test_retention_reminds_then_deletes(s: Setup) -> None:
    await s.talk.start(11)
    retention = RetentionService(
        s.uow, s.outbox, s.clock, retention_days=30, reminder_days=7, timezone="Europe/Copenhagen"
    )
    s.clock.set(datetime(2027, 7, 25, 12, 0, tzinfo=UTC))
    assert (await retention.run()).reminded == 1
    assert (await retention.run()).reminded == 0  # once per student
    s.clock.advance(days=6)
    report = await retention.run()
    assert report.deleted == 1
    assert report.people == 2  # Anna and Vera are in no other cohort: they go too
    async with s.uow() as uow:
        assert await uow.reflections.for_person(1) == []
        assert await uow.people.by_telegram_id(11) is None
