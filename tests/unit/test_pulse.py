"""The weekly pulse on fakes: who is asked when, one answer per person and week, refusals,
and switching it per cohort (coordinators only, audited)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from bot.services.delivery.choices import choices_of
from bot.services.delivery.outbox import OutgoingMessage
from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Role
from bot.services.kernel.errors import NotAllowed, NotFound
from bot.services.pulse.config import PulseConfig
from bot.services.pulse.messages import PulseAction
from bot.services.pulse.service import PulseService, pulse_week, week_end
from bot.services.pulse.types import PulseOutcome
from bot.tg.delivery.choices import choice_rows
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

WEEK = date(2027, 3, 8)  # Monday; the pulse comes on Thursday 11 March at 12:00 local
NOW = datetime(2027, 3, 11, 10, 59, tzinfo=UTC)
CPH = "Europe/Copenhagen"


class Place:
    """A pulse-enabled cohort, a cohort without the pulse and one that has ended."""

    def __init__(self) -> None:
        self.uow, self.outbox = FakeUowFactory(), FakeOutbox()
        self.clock = ManualClock(NOW)
        self.service = PulseService(self.uow, self.outbox, self.clock, PulseConfig())
        self.people: dict[str, int] = {}

    async def build(self) -> Place:
        running, past = (
            (date(2027, 2, 1), date(2027, 6, 30)),
            (date(2026, 9, 1), date(2027, 1, 31)),
        )
        async with self.uow() as tx:
            on = await tx.cohorts.add(1, "On", Profession.NURSING, *running)
            off = await tx.cohorts.add(1, "Off", Profession.NURSING, *running)
            ended = await tx.cohorts.add(1, "Ended", Profession.NURSING, *past)
            for name, language, zone, cohort, role in (
                ("ida", "da", CPH, on.id, Role.STUDENT),
                ("night", "en", CPH, on.id, Role.STUDENT),
                ("nyc", "en", "America/New_York", on.id, Role.STUDENT),
                ("vera", "da", CPH, on.id, Role.SUPERVISOR),
                ("karin", "da", CPH, on.id, Role.COORDINATOR),
                ("other", "da", CPH, off.id, Role.STUDENT),
                ("old", "da", CPH, ended.id, Role.STUDENT),
            ):
                person = await tx.people.add(70 + len(self.people), name, language, zone, NOW)
                self.people[name] = person.id
                await tx.memberships.add(person.id, cohort, role)
            await tx.memberships.add(self.people["ida"], ended.id, Role.STUDENT)  # two cohorts
            await tx.commit()
        # The night worker sleeps from 08:00 to 16:00: the question waits until then.
        self.uow.store.schedules[self.people["night"]] = SimpleNamespace(
            quiet_start=8 * 60, quiet_end=16 * 60
        )
        self.on, self.off = on.id, off.id
        await self.service.set_enabled(Actor.cli(), on.id, True)
        return self

    def asked(self) -> dict[int, OutgoingMessage]:
        return {r.message.person_id: r.message for r in self.outbox.rows}  # type: ignore[misc]

    def telegram(self, name: str) -> int:
        return self.uow.store.people[self.people[name]].telegram_id


@pytest.fixture
async def place() -> Place:
    return await Place().build()


async def test_each_running_student_is_asked_once_at_the_local_pulse_time(place: Place) -> None:
    assert await place.service.tick() == 0  # 11:59 in Copenhagen
    place.clock.set(datetime(2027, 3, 11, 11, 0, tzinfo=UTC))
    assert await place.service.tick() == 2
    assert await place.service.tick() == 0  # asked already: nothing twice
    p = place.people
    asked = place.asked()
    assert set(asked) == {p["ida"], p["night"]}
    assert asked[p["ida"]].not_before == datetime(2027, 3, 11, 11, 0, tzinfo=UTC)
    assert asked[p["night"]].not_before == datetime(2027, 3, 11, 15, 0, tzinfo=UTC)  # 16:00
    assert asked[p["ida"]].dedupe_key == f"pulse:{p['ida']}:2027-03-08"
    assert "Hvor tryg føler du dig" in asked[p["ida"]].payload["text"]
    night = asked[p["night"]].payload
    assert "How safe do you feel asking questions" in night["text"]
    assert "anonymous" in night["text"]
    [scores] = choices_of(night)
    assert [(c.action, c.target_id, c.value) for c in scores] == [
        (PulseAction.ANSWER, "2027-03-08", score) for score in range(1, 6)
    ]
    data = [data for _label, data in choice_rows(night)[0]]
    assert data == [f"pu:20270308:{score}" for score in range(1, 6)]  # no person in it
    place.clock.set(datetime(2027, 3, 11, 17, 0, tzinfo=UTC))  # noon in New York
    assert await place.service.tick() == 1
    assert p["nyc"] in place.asked()
    assert place.uow.store.pulse_asks[(p["ida"], WEEK)].cohort_id == place.on


async def test_one_answer_per_person_and_week(place: Place) -> None:
    place.clock.set(datetime(2027, 3, 11, 11, 0, tzinfo=UTC))
    await place.service.tick()
    answer = place.service.answer
    assert await answer(place.telegram("ida"), WEEK, 4) is PulseOutcome.COUNTED
    assert await answer(place.telegram("ida"), WEEK, 2) is PulseOutcome.ALREADY
    assert place.uow.store.pulse_ballots == [(place.on, WEEK, 4)]  # no person with the score
    assert place.uow.store.pulse_scores == []  # one answer alone is never counted
    async with place.uow() as tx:
        assert await tx.pulse.distribution(place.on, WEEK, WEEK) == {}
    place.clock.set(datetime(2027, 3, 17, 11, 0, tzinfo=UTC))  # the week after next begins
    await place.service.tick()  # a closed week's ballots are counted, however few
    assert place.uow.store.pulse_ballots == []
    async with place.uow() as tx:
        assert await tx.pulse.distribution(place.on, WEEK, WEEK) == {WEEK: {4: 1}}


@pytest.mark.parametrize(
    ("who", "week", "score"),
    [
        ("ida", WEEK, 7),
        ("ida", WEEK, 0),
        ("ida", date(2027, 3, 1), 3),  # a week she was not asked
        ("vera", WEEK, 3),  # a supervisor was never asked
        ("other", WEEK, 3),  # her cohort has no pulse
    ],
)
async def test_forged_answers_are_refused(place: Place, who: str, week: date, score: int) -> None:
    place.clock.set(datetime(2027, 3, 11, 11, 0, tzinfo=UTC))
    await place.service.tick()
    assert await place.service.answer(place.telegram(who), week, score) is PulseOutcome.INVALID
    assert await place.service.answer(999_999, WEEK, 3) is PulseOutcome.INVALID
    assert place.uow.store.pulse_scores == []
    assert place.uow.store.pulse_ballots == []


async def test_an_answer_after_the_week_is_over_is_refused(place: Place) -> None:
    place.clock.set(datetime(2027, 3, 11, 11, 0, tzinfo=UTC))
    await place.service.tick()
    place.clock.set(datetime(2027, 3, 14, 22, 59, tzinfo=UTC))  # Sunday 23:59 in Copenhagen
    assert await place.service.answer(place.telegram("ida"), WEEK, 5) is PulseOutcome.COUNTED
    place.clock.set(datetime(2027, 3, 14, 23, 0, tzinfo=UTC))  # Monday 00:00
    assert await place.service.answer(place.telegram("night"), WEEK, 5) is PulseOutcome.CLOSED
    assert len(place.uow.store.pulse_ballots) == 1
    place.clock.set(datetime(2027, 3, 18, 11, 0, tzinfo=UTC))  # next Thursday: asked again
    assert await place.service.tick() == 2


async def test_only_the_cohorts_coordinators_switch_it_and_it_is_audited(place: Place) -> None:
    service, p = place.service, place.people
    for name in ("ida", "vera"):
        with pytest.raises(NotAllowed):
            await service.set_enabled(Actor(f"person:{p[name]}", p[name]), place.on, False)
    karin = Actor(f"person:{p['karin']}", p["karin"])
    with pytest.raises(NotAllowed):
        await service.set_enabled(karin, place.off, True)  # not her cohort
    assert await service.set_enabled(karin, place.on, False) is True
    assert await service.set_enabled(karin, place.on, False) is False  # already off
    with pytest.raises(NotFound):
        await service.set_enabled(Actor.cli(), 999, True)
    actions = [(a.actor, a.action, a.cohort_id) for a in place.uow.store.audit]
    assert actions == [
        ("cli", "cohort.pulse_on", place.on),
        (f"person:{p['karin']}", "cohort.pulse_off", place.on),
    ]
    place.clock.set(datetime(2027, 3, 11, 11, 0, tzinfo=UTC))
    assert await service.tick() == 0  # off: nobody is asked


def test_the_pulse_week_in_a_time_zone() -> None:
    now = datetime(2027, 3, 28, 10, 0, tzinfo=UTC)  # Sunday; clocks went forward at 02:00
    week = pulse_week(now, CPH, weekday=3, hour=12)
    assert (week.week_start, week.today) == (date(2027, 3, 22), date(2027, 3, 28))
    assert week.opens == datetime(2027, 3, 25, 11, 0, tzinfo=UTC)  # winter time: UTC+1
    assert week.closes == datetime(2027, 3, 28, 22, 0, tzinfo=UTC)  # summer time: UTC+2
    assert week_end(date(2027, 3, 22), "UTC") == datetime(2027, 3, 29, tzinfo=UTC)
