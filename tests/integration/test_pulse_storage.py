"""The pulse repository on real SQLite and PostgreSQL: who is due (in one statement per
batch), insert-or-skip asks, one answer per person and week even when two presses race,
and scores stored without the person."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.identity.domain import Profession, Role
from bot.services.pulse.types import PulseAsk, PulseRecipient
from bot.storage.pulse.models import PulseAskRow, PulseBallotRow, PulseTallyRow
from bot.storage.uow import SqlUnitOfWorkFactory

NOW = datetime(2027, 3, 11, 11, 0, tzinfo=UTC)
WEEK, TODAY = date(2027, 3, 8), date(2027, 3, 11)
CPH = "Europe/Copenhagen"


async def _world(factory: SqlUnitOfWorkFactory) -> tuple[dict[str, int], dict[str, int]]:
    """Cohorts on, off and ended; students, staff, an inactive and a far-away student."""
    async with factory() as uow:
        org = await uow.organisations.get_or_create_organisation("Region H")
        dept = await uow.organisations.add_department(org.id, "M2", "m2")
        cohorts = {}
        for name, start, end in (
            ("on", date(2027, 2, 1), date(2027, 6, 30)),
            ("on2", date(2027, 2, 1), date(2027, 6, 30)),
            ("off", date(2027, 2, 1), date(2027, 6, 30)),
            ("ended", date(2026, 9, 1), date(2027, 1, 31)),
        ):
            cohort = await uow.cohorts.add(dept.id, name, Profession.NURSING, start, end)
            cohorts[name] = cohort.id
        people = {}
        for index, (name, zone, cohort, role) in enumerate(
            (
                ("ida", CPH, "on", Role.STUDENT),
                ("bo", CPH, "on", Role.STUDENT),
                ("nyc", "America/New_York", "on", Role.STUDENT),
                ("away", CPH, "on", Role.STUDENT),
                ("vera", CPH, "on", Role.SUPERVISOR),
                ("other", CPH, "off", Role.STUDENT),
                ("old", CPH, "ended", Role.STUDENT),
            )
        ):
            person = await uow.people.add(4000 + index, name, "da", zone, NOW)
            people[name] = person.id
            await uow.memberships.add(person.id, cohorts[cohort], role)
        await uow.memberships.add(people["bo"], cohorts["on2"], Role.STUDENT)  # two cohorts
        await uow.people.update(people["away"], active=False)
        for name in ("on", "on2"):
            await uow.pulse.set_enabled(cohorts[name], True)
        await uow.commit()
    return cohorts, people


async def test_who_is_due_and_asks_are_stored_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    cohorts, p = await _world(uow_factory)
    async with uow_factory() as uow:
        assert sorted(await uow.pulse.timezones()) == ["America/New_York", CPH]
        due = await uow.pulse.due(CPH, WEEK, TODAY, 10)
        assert due == [
            PulseRecipient(p["ida"], 4000, "da", cohorts["on"]),
            PulseRecipient(p["bo"], 4001, "da", cohorts["on"]),  # once, for the first cohort
        ]
        assert await uow.pulse.due(CPH, WEEK, TODAY, 1) == due[:1]
        assert [d.person_id for d in await uow.pulse.due("America/New_York", WEEK, TODAY, 10)] == [
            p["nyc"]
        ]
        assert await uow.pulse.due(CPH, WEEK, date(2027, 7, 1), 10) == []  # placement over
        await uow.pulse.add_asks([PulseAsk(p["ida"], WEEK, cohorts["on"], NOW)])
        await uow.pulse.add_asks(
            [
                PulseAsk(p["ida"], WEEK, cohorts["on2"], NOW),  # already asked: skipped
                PulseAsk(p["bo"], WEEK, cohorts["on"], NOW),
            ]
        )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.pulse.due(CPH, WEEK, TODAY, 10) == []
        assert [d.person_id for d in await uow.pulse.due(CPH, date(2027, 3, 15), TODAY, 10)] == [
            p["ida"],
            p["bo"],
        ]
        ask = await uow.pulse.ask(p["ida"], WEEK)
        assert ask == PulseAsk(p["ida"], WEEK, cohorts["on"], NOW)
        assert await uow.pulse.ask(p["vera"], WEEK) is None
        assert await uow.pulse.enabled(cohorts["off"]) is False
        assert await uow.pulse.enabled(999) is None


async def test_two_racing_presses_count_once(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    cohorts, p = await _world(uow_factory)
    async with uow_factory() as uow:
        await uow.pulse.add_asks([PulseAsk(p["ida"], WEEK, cohorts["on"], NOW)])
        await uow.commit()

    async def press(score: int) -> bool:
        async with uow_factory() as uow:
            counted = await uow.pulse.record(p["ida"], WEEK, score)
            await asyncio.sleep(0.05)  # hold the transaction open while the other presses
            await uow.commit()
        return counted

    assert sorted(await asyncio.gather(press(4), press(2))) == [False, True]
    async with uow_factory() as uow:
        assert not await uow.pulse.record(p["ida"], WEEK, 5)
        assert not await uow.pulse.record(p["bo"], WEEK, 5)  # never asked
        found = await uow.pulse.distribution(cohorts["on"], WEEK, WEEK)
        assert (await uow.pulse.ask(p["ida"], WEEK)).answered  # type: ignore[union-attr]
        assert found == {}  # one ballot waits; nothing is counted alone
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(PulseBallotRow)) == 1
        assert await conn.scalar(select(func.count()).select_from(PulseAskRow)) == 1
    assert {c.name for c in PulseBallotRow.__table__.columns} == {
        "token",
        "cohort_id",
        "week_start",
        "score",
    }
    assert {c.name for c in PulseTallyRow.__table__.columns} == {
        "cohort_id",
        "week_start",
        "score",
        "answers",
    }


async def _many_students(factory: SqlUnitOfWorkFactory, count: int) -> tuple[int, list[int]]:
    async with factory() as uow:
        org = await uow.organisations.get_or_create_organisation("Region H")
        dept = await uow.organisations.add_department(org.id, "M3", "m3")
        cohort = await uow.cohorts.add(
            dept.id, "F27", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30)
        )
        people = []
        for index in range(count):
            person = await uow.people.add(5000 + index, f"s{index}", "da", CPH, NOW)
            await uow.memberships.add(person.id, cohort.id, Role.STUDENT)
            people.append(person.id)
        await uow.pulse.set_enabled(cohort.id, True)
        await uow.pulse.add_asks([PulseAsk(p, WEEK, cohort.id, NOW) for p in people])
        await uow.commit()
    return cohort.id, people


async def _answer(factory: SqlUnitOfWorkFactory, person: int, score: int, mix: bool) -> None:
    async with factory() as uow:
        assert await uow.pulse.record(person, WEEK, score)
        await uow.commit()
    if mix:
        async with factory() as uow:
            await uow.pulse.mix(5, date(2027, 1, 1))
            await uow.commit()


async def test_ballots_are_counted_five_at_a_time(uow_factory: SqlUnitOfWorkFactory) -> None:
    cohort, people = await _many_students(uow_factory, 12)
    for index, person in enumerate(people[:4]):
        await _answer(uow_factory, person, 1 + index % 5, mix=True)
    async with uow_factory() as uow:
        assert await uow.pulse.distribution(cohort, WEEK, WEEK) == {}
    await _answer(uow_factory, people[4], 4, mix=True)
    for person in people[5:8]:
        await _answer(uow_factory, person, 4, mix=True)  # three more wait for two others
    async with uow_factory() as uow:
        assert await uow.pulse.distribution(cohort, WEEK, WEEK) == {WEEK: {1: 1, 2: 1, 3: 1, 4: 2}}
        # After the week, what still waits is counted (figures under 5 stay withheld).
        assert await uow.pulse.mix(5, date(2027, 3, 16)) == 3
        assert await uow.pulse.mix(5, date(2027, 3, 16)) == 0
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.pulse.distribution(cohort, WEEK, WEEK) == {WEEK: {1: 1, 2: 1, 3: 1, 4: 5}}


async def test_a_counted_score_shares_no_transaction_with_its_ask(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    """On PostgreSQL, a row's `xmin` is the transaction that wrote it: the ask flipped in an
    answer's transaction must not share it with any counted score."""
    if engine.dialect.name != "postgresql":
        pytest.skip("transaction ids are PostgreSQL's (SQLite has no xmin)")
    cohort, people = await _many_students(uow_factory, 10)
    for index, person in enumerate(people):
        await _answer(uow_factory, person, 1 + index % 5, mix=True)
    async with engine.connect() as conn:
        asks = {
            row[0]
            for row in await conn.execute(
                text("SELECT xmin::text FROM pulse_ask WHERE cohort_id = :c"), {"c": cohort}
            )
        }
        tallies = {
            row[0]
            for row in await conn.execute(
                text("SELECT xmin::text FROM pulse_tally WHERE cohort_id = :c"), {"c": cohort}
            )
        }
        waiting = await conn.scalar(select(func.count()).select_from(PulseBallotRow))
    assert len(asks) == 10  # each answer flipped its ask in a transaction of its own
    assert tallies
    assert not asks & tallies
    assert waiting == 0
