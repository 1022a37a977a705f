"""Issue #6 point 5 on fakes: the weekly supervisor digest holds names, counts and dates, never
what students wrote; it comes once per supervisor and week, at the set hour in their zone, out
of their quiet hours, and only while one of their students' placements runs."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services.conversations.config import ConversationConfig
from bot.services.conversations.service import ConversationService
from bot.services.digest.config import DigestConfig
from bot.services.digest.service import DigestService
from bot.services.identity.domain import Person, Profession, Role, SupervisionLink
from bot.services.reflection.types import Answer, EntryStatus, NewReflection
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox
from tests.unit.fakes_conversations import FakeRequest

SECRET = "Fru Jensen var bange for at dø i nat"
MONDAY_8 = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)  # Monday 1 March, 08:00 in Copenhagen
ANNA, BO, VERA, OLE = 11, 13, 12, 16


class Setup:
    """Vera (English) supervises Anna and Bo in a running cohort; Ole supervises a student in
    a cohort that ended long ago."""

    def __init__(self, config: DigestConfig | None = None) -> None:
        self.clock = ManualClock(MONDAY_8 - timedelta(days=3))
        self.uow, self.outbox = FakeUowFactory(), FakeOutbox()
        self.config = config or DigestConfig()
        self.digest = DigestService(self.uow, self.outbox, self.clock, self.config)
        self.conversations = ConversationService(
            self.uow, self.outbox, self.clock, ConversationConfig()
        )
        self.people: dict[int, Person] = {}

    async def start(self) -> None:
        async with self.uow() as uow:
            running = await uow.cohorts.add(
                1, "F27", Profession.NURSING, date(2027, 2, 22), date(2027, 3, 26)
            )
            ended = await uow.cohorts.add(
                1, "E26", Profession.NURSING, date(2026, 9, 1), date(2026, 12, 18)
            )
            for tid, name, language, cohort, role in (
                (ANNA, "Anna", "da", running, Role.STUDENT),
                (BO, "Bo", "da", running, Role.STUDENT),
                (VERA, "Vera", "en", running, Role.SUPERVISOR),
                (15, "Cai", "da", ended, Role.STUDENT),
                (OLE, "Ole", "da", ended, Role.SUPERVISOR),
            ):
                person = await uow.people.add(tid, name, language, "Europe/Copenhagen", MONDAY_8)
                await uow.memberships.add(person.id, cohort.id, role)
                self.people[tid] = person
            p = self.people
            for cohort, supervisor, student in ((running, VERA, ANNA), (running, VERA, BO)):
                await uow.links.add(
                    SupervisionLink(cohort.id, p[supervisor].id, p[student].id), None
                )
            await uow.links.add(SupervisionLink(ended.id, p[OLE].id, p[15].id), None)
            await uow.commit()

    async def write(self, telegram_id: int, shared_at: datetime | None) -> None:
        """Store a finished entry with the secret in its answer (shared or not)."""
        async with self.uow() as uow:
            entry = await uow.reflections.add(
                NewReflection(
                    self.people[telegram_id].id,
                    None,
                    "rolfe-what",
                    shared_at.date() if shared_at else date(2027, 2, 26),
                    MONDAY_8 - timedelta(days=5),
                    status=EntryStatus.DONE,
                )
            )
            await uow.reflections.update(
                entry.id, answers=(Answer("what", "Hvad skete der?", SECRET),), shared_at=shared_at
            )
            if shared_at is not None:  # shared with the student's supervisors of the time
                links = await uow.links.supervisors_of(self.people[telegram_id].id)
                await uow.reflections.add_shares(
                    entry.id, [link.supervisor_id for link in links], shared_at
                )
            await uow.commit()

    def request(self, supervisor: int, student: int, status: str, since: datetime) -> None:
        self.uow.store.requests.append(
            FakeRequest(self.people[supervisor].id, self.people[student].id, status, since)
        )

    def digests(self, telegram_id: int) -> list[str]:
        return [
            r.message.payload["text"]
            for r in self.outbox.rows
            if r.message.chat_id == telegram_id and r.message.origin == "digest"
        ]


@pytest.fixture
async def s() -> Setup:
    setup = Setup()
    await setup.start()
    return setup


async def test_the_digest_has_names_counts_and_dates_and_no_private_text(s: Setup) -> None:
    await s.conversations.tick()  # plans the conversations: Anna's and Bo's on 25 February ...
    await s.write(ANNA, MONDAY_8 - timedelta(days=2))
    await s.write(ANNA, MONDAY_8 - timedelta(days=1))
    await s.write(ANNA, MONDAY_8 - timedelta(days=10))  # shared, but not in the last 7 days
    await s.write(BO, None)  # private
    s.request(VERA, ANNA, "open", MONDAY_8 - timedelta(days=4, hours=1))
    s.request(VERA, BO, "answering", MONDAY_8 - timedelta(hours=2))
    s.request(VERA, BO, "done", MONDAY_8 - timedelta(days=9))
    s.request(OLE, 15, "open", MONDAY_8 - timedelta(days=1))
    async with s.uow() as uow:  # a plan with the secret in it
        cid = next(
            c.id for c in uow.store.conversations.values() if c.student_id == s.people[ANNA].id
        )
        await uow.conversations.update(cid, plan=SECRET, plan_at=MONDAY_8)
        await uow.commit()
    s.clock.set(MONDAY_8 - timedelta(minutes=1))
    assert await s.digest.tick() == 0
    s.clock.set(MONDAY_8)
    assert await s.digest.tick() == 1
    [text] = s.digests(VERA)
    assert "Your week as a supervisor, week 9" in text
    assert "Your students:</b> Anna and Bo" in text
    assert "Feedback requests waiting for you:</b> 2" in text
    assert "• Anna, waiting 4 days" in text
    assert "• Bo, waiting since today" in text
    assert "Wednesday 10 March: midway evaluation with Anna" in text  # ... the midpoint
    assert "Wednesday 10 March: midway evaluation with Bo" in text
    assert "• Anna: 2 entries" in text
    assert "Bo:" not in text.split("last 7 days")[1]
    assert "/delt" in text
    assert "/samtaler" in text
    assert SECRET not in text
    assert s.digests(OLE) == []  # his cohort ended months ago


async def test_one_digest_per_week_at_the_hour_and_again_next_week(s: Setup) -> None:
    s.clock.set(MONDAY_8)
    assert await s.digest.tick() == 1
    s.clock.advance(hours=3)
    assert await s.digest.tick() == 0
    s.clock.set(MONDAY_8 + timedelta(days=6, hours=15))  # Sunday evening
    assert await s.digest.tick() == 0
    s.clock.set(MONDAY_8 + timedelta(days=7))
    assert await s.digest.tick() == 1
    assert len(s.digests(VERA)) == 2
    assert sorted(week for _pid, week in s.uow.store.digests) == [
        date(2027, 3, 1),
        date(2027, 3, 8),
    ]


async def test_a_digest_in_quiet_hours_waits_and_ended_placements_stop_it() -> None:
    s = Setup(DigestConfig(hour=5))
    await s.start()
    s.clock.set(MONDAY_8 - timedelta(hours=3))  # 05:00 local
    assert await s.digest.tick() == 1
    [row] = s.outbox.rows
    assert row.message.not_before == datetime(2027, 3, 1, 6, 0, tzinfo=UTC)  # 07:00 local
    assert row.message.dedupe_key == f"digest:{s.people[VERA].id}:2027-03-01"
    # The placement ends on Friday 26 March: digests come that week and the week after.
    for monday, expected in (
        (date(2027, 3, 22), 1),
        (date(2027, 3, 29), 1),
        (date(2027, 4, 5), 0),
    ):
        s.clock.set(datetime.combine(monday, datetime.min.time(), tzinfo=UTC) + timedelta(hours=6))
        assert await s.digest.tick() == expected, monday


async def test_inactive_supervisors_get_no_digest(s: Setup) -> None:
    vera = s.people[VERA]
    s.uow.store.people[vera.id] = dataclasses.replace(vera, active=False)
    s.clock.set(MONDAY_8)
    assert await s.digest.tick() == 0
