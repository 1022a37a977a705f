"""Placement conversations and the supervisor digest on real SQLite and PostgreSQL: the
repositories' semantics (insert-or-skip, claims under a token, compare-and-set, the digest's
selections), the ticks sending once under overlap, and the same messages as on the fakes."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.conversations.config import ConversationConfig
from bot.services.conversations.service import ConversationService
from bot.services.conversations.types import Kind, NewConversation
from bot.services.digest.config import DigestConfig
from bot.services.digest.service import DigestService
from bot.services.identity.domain import Profession, Role, SupervisionLink
from bot.services.reflection.schedules import ScheduleService
from bot.services.reflection.types import Answer, EntryStatus, NewReflection
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.feedback.models import FeedbackRequestRow
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox
from tests.unit.fakes_conversations import FakeRequest

NOW = datetime(2027, 2, 26, 11, 0, tzinfo=UTC)
CPH = "Europe/Copenhagen"


async def _seed(factory: SqlUnitOfWorkFactory, clock: ManualClock) -> dict[str, int]:
    """A cohort (1 March to 30 April) with students Anna and Bo, supervisors Vera (linked to
    both) and Ulla (linked to nobody), and a student Cai in a cohort that ended."""
    async with factory() as uow:
        org = await uow.organisations.get_or_create_organisation("Region H")
        dept = await uow.organisations.add_department(org.id, "M2", "m2")
        cohort = await uow.cohorts.add(
            dept.id, "F27", Profession.NURSING, date(2027, 3, 1), date(2027, 4, 30)
        )
        old = await uow.cohorts.add(
            dept.id, "E26", Profession.NURSING, date(2026, 9, 1), date(2026, 12, 18)
        )
        ids = {"cohort": cohort.id, "old": old.id}
        for tid, name, language, where, role in (
            (11, "Anna", "da", cohort, Role.STUDENT),
            (13, "Bo", "da", cohort, Role.STUDENT),
            (12, "Vera", "en", cohort, Role.SUPERVISOR),
            (14, "Ulla", "da", cohort, Role.SUPERVISOR),
            (15, "Cai", "da", old, Role.STUDENT),
        ):
            person = await uow.people.add(tid, name, language, CPH, NOW)
            await uow.memberships.add(person.id, where.id, role)
            ids[name] = person.id
        for student in ("Anna", "Bo"):
            await uow.links.add(SupervisionLink(cohort.id, ids["Vera"], ids[student]), None)
        await uow.commit()
    async with factory() as uow:
        anna = await uow.people.get(ids["Anna"])
    assert anna is not None
    await ScheduleService(factory, clock).student_joined(anna, cohort)
    return ids


async def test_conversation_repository(uow_factory: SqlUnitOfWorkFactory) -> None:
    ids = await _seed(uow_factory, ManualClock(NOW))
    async with uow_factory() as uow:
        missing = await uow.conversations.unplanned(date(2027, 2, 25), 10)
        assert {(m.student_id, m.quiet) for m in missing} == {
            (ids["Anna"], (22 * 60, 7 * 60)),
            (ids["Bo"], None),
        }
        remind = NOW + timedelta(days=4)
        rows = [
            NewConversation(ids[s], ids["cohort"], kind, date(2027, 3, 4), remind, None)
            for s in ("Anna", "Bo")
            for kind in Kind
        ]
        early = remind - timedelta(minutes=1)  # another cohort's reminder, due a minute earlier
        rows.append(
            NewConversation(ids["Cai"], ids["old"], Kind.FINAL, date(2027, 3, 4), early, None)
        )
        await uow.conversations.add_many(rows)
        await uow.conversations.add_many(rows[:2])  # repeats are skipped
        await uow.commit()
        assert await uow.conversations.unplanned(date(2027, 2, 25), 10) == []
        assert len(await uow.conversations.for_student(ids["Anna"])) == 3

    first, second, third = (remind + timedelta(microseconds=n) for n in (1, 2, 3))
    async with uow_factory() as uow:
        claim = uow.conversations.claim_reminders
        assert await claim(early - timedelta(seconds=1), first, 10) == 0
        assert await claim(remind, first, 10) == 1  # a cohort at a time: the earliest first
        assert await claim(remind, second, 4) == 4  # at most the limit
        assert await claim(remind, third, 10) == 2
        assert await claim(remind, third, 10) == 0
        await uow.commit()
    async with uow_factory() as uow:
        for token, count in ((first, 1), (second, 4), (third, 2)):
            claimed = await uow.conversations.claimed_reminders(remind)
            assert len(claimed) == count
            assert {c.conversation.reminded_at for c in claimed} == {token}
            await uow.conversations.finish_reminders([c.conversation.id for c in claimed], token)
        assert claimed[0].student.timezone == CPH
        assert await uow.conversations.claimed_reminders(remind) == []
        await uow.commit()

        pairs = [(ids["Anna"], ids["cohort"]), (ids["Bo"], ids["old"])]
        supervisors = await uow.conversations.supervisors(pairs)
        assert [(s.student_id, s.person.display_name) for s in supervisors] == [
            (ids["Anna"], "Vera")
        ]
        talks = await uow.conversations.for_supervisor(
            ids["Vera"], date(2027, 3, 1), date(2027, 3, 31)
        )
        assert [(t.student, t.kind) for t in talks[:2]] == [
            ("Anna", Kind.EXPECTATION),
            ("Anna", Kind.MIDWAY),
        ]
        assert (
            await uow.conversations.for_supervisor(
                ids["Ulla"], date(2027, 3, 1), date(2027, 3, 31)
            )
            == []
        )

    ask = NOW + timedelta(days=7)
    async with uow_factory() as uow:
        first = (await uow.conversations.for_student(ids["Anna"]))[0]
        await uow.conversations.update(first.id, followup_at=ask)
        await uow.commit()
        assert await uow.conversations.due_followups(ask - timedelta(seconds=1), 10) == []
        [due] = await uow.conversations.due_followups(ask, 10)
        await uow.conversations.mark_asked([(due.conversation.id, ask - timedelta(1))], ask)
        assert (await uow.conversations.get(first.id)).followup_at == ask  # stale: kept
        await uow.conversations.mark_asked([(due.conversation.id, ask)], ask)
        await uow.commit()
        done = await uow.conversations.get(first.id)
        assert done.followup_at is None
        assert done.asked_at == ask


async def test_plan_text_goes_with_its_logbook_entry(uow_factory: SqlUnitOfWorkFactory) -> None:
    ids = await _seed(uow_factory, ManualClock(NOW))
    async with uow_factory() as uow:
        await uow.conversations.add_many(
            [
                NewConversation(
                    ids["Anna"], ids["cohort"], Kind.EXPECTATION, date(2027, 3, 4), None, None
                )
            ]
        )
        [talk] = await uow.conversations.for_student(ids["Anna"])
        entry = await uow.reflections.add(
            NewReflection(
                ids["Anna"],
                ids["cohort"],
                "conversation:expectation",
                date(2027, 3, 5),
                NOW,
                status=EntryStatus.DONE,
            )
        )
        await uow.conversations.update(talk.id, plan="Planen", plan_at=NOW, entry_id=entry.id)
        await uow.commit()
        assert await uow.conversations.forget_orphan_plans() == 0
        assert await uow.reflections.delete_ended([ids["cohort"]]) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.forget_orphan_plans() == 1
        await uow.commit()
        kept = await uow.conversations.get(talk.id)
        assert (kept.plan, kept.entry_id, kept.plan_at) == (None, None, NOW)


async def test_digest_repository(engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory) -> None:
    ids = await _seed(uow_factory, ManualClock(NOW))
    week, first, last = date(2027, 3, 1), date(2027, 2, 22), date(2027, 3, 7)
    async with engine.begin() as conn:
        await conn.execute(
            insert(FeedbackRequestRow),
            [
                _request(ids["Anna"], ids["Vera"], "open", NOW - timedelta(days=3)),
                _request(ids["Bo"], ids["Vera"], "answering", NOW - timedelta(days=1)),
                _request(ids["Bo"], ids["Vera"], "done", NOW - timedelta(days=9)),
                _request(ids["Bo"], ids["Ulla"], "open", NOW),
                # verbal feedback the student records after a decline: not waiting for Vera
                {
                    **_request(ids["Anna"], ids["Vera"], "open", NOW - timedelta(days=2)),
                    "verbal": True,
                },
            ],
        )
    async with uow_factory() as uow:
        for student, shared in (("Anna", NOW), ("Anna", NOW - timedelta(days=9)), ("Bo", None)):
            entry = await uow.reflections.add(
                NewReflection(ids[student], ids["cohort"], "rolfe-1", date(2027, 2, 20), NOW)
            )
            answers = (Answer("what", "Hvad?", "privat"),)
            await uow.reflections.update(entry.id, answers=answers, shared_at=shared)
            if shared is not None:  # shared with Vera (Ulla never sees it)
                await uow.reflections.add_shares(entry.id, [ids["Vera"]], shared)
        await uow.conversations.add_many(
            [
                NewConversation(
                    ids["Bo"], ids["cohort"], Kind.EXPECTATION, date(2027, 3, 4), None, None
                )
            ]
        )
        await uow.commit()

        assert await uow.digests.timezones() == [CPH]
        due = await uow.digests.due_supervisors(CPH, week, first, last, 10)
        assert [r.person.display_name for r in due] == ["Vera"]  # Ulla has no students
        assert await uow.digests.due_supervisors("UTC", week, first, last, 10) == []
        ended = await uow.digests.due_supervisors(
            CPH, week, date(2027, 5, 10), date(2027, 5, 16), 10
        )
        assert ended == []
        students = await uow.digests.students([ids["Vera"]], first, last)
        assert [s.name for s in students] == ["Anna", "Bo"]
        waiting = await uow.digests.waiting_requests([ids["Vera"]])
        assert [(w.student, w.since) for w in waiting] == [
            ("Anna", NOW - timedelta(days=3)),
            ("Bo", NOW - timedelta(days=1)),
        ]
        talks = await uow.digests.conversations([ids["Bo"]], date(2027, 3, 1), date(2027, 3, 15))
        assert [(t.student, t.kind, t.due_on) for t in talks] == [
            ("Bo", Kind.EXPECTATION, date(2027, 3, 4))
        ]
        counts = await uow.digests.shared_counts(
            [ids["Vera"], ids["Ulla"]], NOW - timedelta(days=7), NOW
        )
        assert counts == {(ids["Vera"], ids["Anna"]): 1}
        await uow.digests.mark_sent([ids["Vera"]], week, NOW)
        await uow.digests.mark_sent([ids["Vera"]], week, NOW)  # a repeat is skipped
        await uow.commit()
        assert await uow.digests.due_supervisors(CPH, week, first, last, 10) == []
        next_week = week + timedelta(days=7)
        assert len(await uow.digests.due_supervisors(CPH, next_week, first, last, 10)) == 1


def _request(
    student: int, supervisor: int, status: str, sent: datetime, verbal: bool = False
) -> dict[str, object]:
    return {
        "verbal": verbal,
        "student_id": student,
        "supervisor_id": supervisor,
        "status": status,
        "went_well": "privat selvvurdering",
        "created_at": sent - timedelta(hours=1),
        "sent_at": sent,
    }


async def _run_ticks(
    factory: SqlUnitOfWorkFactory, outbox: object, clock: ManualClock, overlapping: bool
) -> None:
    """Step through March with conversation and digest ticks (twice at once if overlapping)."""
    conversations = ConversationService(factory, outbox, clock, ConversationConfig())  # type: ignore[arg-type]
    digest = DigestService(factory, outbox, clock, DigestConfig())  # type: ignore[arg-type]
    clock.set(NOW)
    while clock.now() < datetime(2027, 3, 15, tzinfo=UTC):
        runs = 2 if overlapping else 1
        await asyncio.gather(*(conversations.tick() for _ in range(runs)))
        await asyncio.gather(*(digest.tick() for _ in range(runs)))
        clock.advance(hours=1)


async def test_ticks_on_sql_send_once_and_match_the_fakes(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    clock = ManualClock(NOW)
    ids = await _seed(uow_factory, clock)
    async with engine.begin() as conn:
        await conn.execute(
            insert(FeedbackRequestRow), [_request(ids["Anna"], ids["Vera"], "open", NOW)]
        )
    await _run_ticks(uow_factory, SqlOutboxStore(engine), clock, overlapping=True)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(OutboxRow.chat_id, OutboxRow.origin, OutboxRow.payload))
        ).all()
        assert (await conn.scalar(select(func.count()).select_from(OutboxRow))) == len(rows)
    on_sql = sorted((chat, origin, payload["text"]) for chat, origin, payload in rows)

    fake, fake_clock = FakeUowFactory(), ManualClock(NOW)
    fake_ids = await _seed(fake, fake_clock)
    fake.store.requests.append(FakeRequest(fake_ids["Vera"], fake_ids["Anna"], "open", NOW))
    outbox = FakeOutbox()
    await _run_ticks(fake, outbox, fake_clock, overlapping=False)
    on_fakes = sorted(
        (r.message.chat_id, r.message.origin, r.message.payload["text"]) for r in outbox.rows
    )
    assert on_sql == on_fakes
    # Two students' reminders and questions, one reminder for Vera about both, two digests.
    assert [(chat, origin) for chat, origin, _text in on_sql].count((12, "digest")) == 2
    assert [chat for chat, origin, _text in on_sql if origin == "conversation"].count(12) == 1
    assert [chat for chat, origin, _text in on_sql if origin == "conversation"].count(11) == 2
