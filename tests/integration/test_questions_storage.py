"""The question repository, service and `praktikbot gaps` on real SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.bootstrap import open_services
from bot.cli.questions import gaps_cmd
from bot.config import load_settings
from bot.services.delivery.outbox import OutboxStatus, OutgoingMessage, Settlement
from bot.services.identity.access import Actor
from bot.services.identity.coordination import CoordinationService
from bot.services.identity.domain import GapReason, Profession, Question, Role
from bot.services.onboarding.enrolment import Enrolled, EnrolmentService
from bot.services.questions.service import HandOff, QuestionService
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.questions.models import QuestionForwardRow
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock
from tests.unit.fakes_broadcasts import FakeOutbox

CLI = Actor.cli()


async def _people(uow_factory: SqlUnitOfWorkFactory, clock: ManualClock) -> tuple[int, int, int]:
    """Return (cohort id, student person id, coordinator person id); telegram ids 1 and 2."""
    coordination = CoordinationService(uow_factory, FakeOutbox(), clock)
    enrolment = EnrolmentService(uow_factory, clock, default_timezone="UTC")
    await coordination.create_department(CLI, "Akutmodtagelsen", "Region Hovedstaden")
    cohort = await coordination.create_cohort(
        CLI,
        name="Hold 1",
        department_ref="akutmodtagelsen",
        profession=Profession.NURSING,
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 6, 30),
    )
    ids = []
    for telegram_id, role in ((1, Role.STUDENT), (2, Role.COORDINATOR)):
        code = (await coordination.create_invite(CLI, cohort.id, role)).code
        result = await enrolment.enrol(telegram_id, code, language="da", display_name="X")
        assert isinstance(result, Enrolled)
        ids.append(result.person.id)
    return cohort.id, ids[0], ids[1]


def _question(
    text: str, clock: ManualClock, person_id: int | None, cohort_id: int | None
) -> Question:
    return Question(0, text, "da", clock.now(), person_id, cohort_id, False, 0.8, "Svar [1]")


async def test_repository_round_trip_and_gap_filters(
    uow_factory: SqlUnitOfWorkFactory, clock: ManualClock
) -> None:
    cohort_id, student_id, coordinator_id = await _people(uow_factory, clock)
    async with uow_factory() as uow:
        mine = await uow.questions.add(_question("Hvor møder jeg?", clock, student_id, cohort_id))
        clock.advance(minutes=5)
        anonymous = await uow.questions.add(_question("Parkering?", clock, None, None))
        assert await uow.questions.mark_handed_off(mine.id, clock.now())
        assert not await uow.questions.mark_handed_off(mine.id, clock.now())
        await uow.questions.set_helpful(anonymous.id, False)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.questions.get(mine.id)
        assert stored is not None
        assert stored.handed_off_at == clock.now()
        assert stored.gap_reasons() == {GapReason.WAITING}
        assert [q.id for q in await uow.questions.for_person(student_id)] == [mine.id]
        assert [q.id for q in await uow.questions.gaps(None, True)] == [anonymous.id, mine.id]
        assert [q.id for q in await uow.questions.gaps([cohort_id], False)] == [mine.id]
        assert [q.id for q in await uow.questions.gaps(None, False)] == [mine.id]
        assert await uow.questions.gaps([cohort_id + 1], False) == []
        await uow.questions.record_reply(mine.id, coordinator_id, "Klokken 7.", clock.now())
        await uow.commit()
    async with uow_factory() as uow:
        answered = await uow.questions.get(mine.id)
        assert answered is not None
        assert answered.reply == "Klokken 7."
        assert [q.id for q in await uow.questions.gaps(None, True)] == [anonymous.id]


async def test_forwards_are_found_through_the_outbox_and_old_ones_by_message_id(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: ManualClock
) -> None:
    cohort_id, student_id, coordinator_id = await _people(uow_factory, clock)
    outbox = SqlOutboxStore(engine)
    async with uow_factory() as uow:
        mine = await uow.questions.add(_question("Hvor møder jeg?", clock, student_id, cohort_id))
        old = await uow.questions.add(_question("Parkering?", clock, student_id, cohort_id))
        await uow.questions.add_forward(mine.id, coordinator_id, "question:1:to:2")
        await uow.questions.add_forward(mine.id, coordinator_id, "question:1:to:2")  # ignored
        await uow.commit()
    async with engine.begin() as conn:  # a forward from before the outbox carried them
        await conn.execute(
            insert(QuestionForwardRow).values(
                question_id=old.id, person_id=coordinator_id, message_id=5
            )
        )
    message = OutgoingMessage(
        2, {"text": "?"}, "question", clock.now(), dedupe_key="question:1:to:2"
    )
    await outbox.enqueue([message])
    async with uow_factory() as uow:
        assert await uow.questions.by_forward(coordinator_id, 2, 7) is None  # not sent yet
    (item,) = await outbox.claim("w", clock.now(), timedelta(minutes=1), 10)
    await outbox.settle([Settlement(item.id, OutboxStatus.SENT, message_id=7, at=clock.now())])
    async with uow_factory() as uow:
        found = await uow.questions.by_forward(coordinator_id, 2, 7)
        assert found is not None
        assert found.id == mine.id
        assert await uow.questions.by_forward(coordinator_id, 1, 7) is None  # another chat
        assert await uow.questions.by_forward(student_id, 2, 7) is None
        before = await uow.questions.by_forward(coordinator_id, 2, 5)
        assert before is not None
        assert before.id == old.id
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(QuestionForwardRow)) == 2


async def test_concurrent_hand_offs_notify_once(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory, clock: ManualClock
) -> None:
    cohort_id, _student_id, coordinator_id = await _people(uow_factory, clock)
    service = QuestionService(uow_factory, SqlOutboxStore(engine), clock, None, [])
    asked = await service.ask(1, "Hvad koster kaffen?")
    assert asked.question_id is not None
    results = await asyncio.gather(
        *(service.hand_off(1, asked.question_id) for _ in range(4)), return_exceptions=True
    )
    notified = [r for r in results if isinstance(r, HandOff) and r.recipients]
    assert len(notified) == 1
    assert [p.telegram_id for p in notified[0].recipients] == [2]
    async with engine.connect() as conn:
        queued = (await conn.execute(select(OutboxRow.chat_id, OutboxRow.dedupe_key))).all()
    assert queued == [(2, f"question:{asked.question_id}:to:{coordinator_id}")]
    (gap,) = await service.gaps(CLI, cohort_id)
    assert gap.reasons == {GapReason.ABSTAINED, GapReason.WAITING}


async def test_gaps_command_prints_the_gaps(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(_env_file=None, database_url=database_url, data_dir=tmp_path)
    async with open_services(settings) as services:
        await services.questions.ask(5, "Hvor parkerer jeg?")
        await services.questions.ask(6, "hvor parkerer jeg")
    assert await gaps_cmd(argparse.Namespace(cohort=None, json=True), settings) == 0
    (gap,) = json.loads(capsys.readouterr().out)
    assert (gap["count"], gap["reasons"], gap["anonymous"]) == (2, ["abstained"], True)
    assert await gaps_cmd(argparse.Namespace(cohort=None, json=False), settings) == 0
    assert "2x" in capsys.readouterr().out
