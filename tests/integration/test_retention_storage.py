"""Retention's SQL on SQLite and PostgreSQL (issue #15 point 4): finished outbox texts are
emptied after their time and only once; /slet cancels and empties the messages about a
person, sent or waiting, and leaves other messages alone; old anonymous questions go."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.delivery.outbox import OutgoingMessage
from bot.services.identity.domain import SupervisionLink
from bot.storage.delivery.models import OutboxRow
from bot.storage.delivery.outbox import SqlOutboxStore
from bot.storage.identity.models import PersonRow
from bot.storage.questions.models import QuestionRow
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.integration.seed import enrol_student
from tests.support import ManualClock

pytestmark = pytest.mark.integration


def _message(key: str, person: int, about: int | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        chat_id=42,
        payload={"text": f"Anna skriver: hemmelig {key}"},
        origin="feedback",
        not_before=ManualClock().now(),
        person_id=person,
        dedupe_key=key,
        about_id=about,
    )


async def _rows(engine: AsyncEngine) -> dict[str, tuple[str, dict]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(OutboxRow.dedupe_key, OutboxRow.status, OutboxRow.payload))
        ).all()
    return {key: (status, payload) for key, status, payload in rows}


async def test_outbox_texts_are_emptied_after_their_time_and_about_a_deleted_person(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine, clock: ManualClock
) -> None:
    anna = await enrol_student(uow_factory, clock, 901)
    vera = await enrol_student(uow_factory, clock, 902)
    store = SqlOutboxStore(engine)
    await store.enqueue(
        [
            _message("old-sent", vera),
            _message("new-sent", vera),
            _message("waiting", vera),
            _message("about-waiting", vera, about=anna),
            _message("about-sent", vera, about=anna),
        ]
    )
    now = clock.now()
    async with engine.begin() as conn:
        finished = {"old-sent": now - timedelta(days=8), "new-sent": now - timedelta(days=1)}
        finished["about-sent"] = now - timedelta(days=1)
        for key, at in finished.items():
            await conn.execute(
                update(OutboxRow)
                .where(OutboxRow.dedupe_key == key)
                .values(status="sent", finished_at=at)
            )
    async with uow_factory() as uow:
        changed = await uow.retention.purge_older(
            anonymous_before=now - timedelta(days=180),
            digests_before=now - timedelta(days=180),
            uploads_before=now - timedelta(days=1),
            payloads_before=now - timedelta(days=7),
        )
        again = await uow.retention.purge_older(
            anonymous_before=now - timedelta(days=180),
            digests_before=now - timedelta(days=180),
            uploads_before=now - timedelta(days=1),
            payloads_before=now - timedelta(days=7),
        )
        await uow.commit()
    assert (changed, again) == (1, 0)  # emptied once, not rewritten every day
    rows = await _rows(engine)
    assert rows["old-sent"] == ("sent", {"text": ""})
    assert "hemmelig" in rows["new-sent"][1]["text"]

    async with uow_factory() as uow:
        assert await uow.retention.scrub_about(anna) == 2
        await uow.commit()
    rows = await _rows(engine)
    assert rows["about-waiting"] == ("cancelled", {"text": ""})
    assert rows["about-sent"] == ("sent", {"text": ""})
    assert rows["waiting"][0] == "pending"  # not about her: untouched
    assert "hemmelig" in rows["waiting"][1]["text"]


async def test_anonymous_questions_go_after_retention(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine, clock: ManualClock
) -> None:
    now = clock.now()
    async with engine.begin() as conn:
        for days in (200, 10):
            await conn.execute(
                QuestionRow.__table__.insert().values(
                    person_id=None,
                    language="da",
                    text=f"Hvor er kantinen ({days})?",
                    asked_at=now - timedelta(days=days),
                    abstained=True,
                    confidence=0.0,
                )
            )
    async with uow_factory() as uow:
        await uow.retention.purge_older(
            anonymous_before=now - timedelta(days=180),
            digests_before=now - timedelta(days=180),
            uploads_before=now - timedelta(days=1),
            payloads_before=now - timedelta(days=7),
        )
        await uow.commit()
    async with engine.connect() as conn:
        texts = (await conn.execute(select(QuestionRow.text))).scalars().all()
    assert texts == ["Hvor er kantinen (10)?"]


async def test_slet_takes_the_name_out_of_a_waiting_reminder_that_names_several(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine, clock: ManualClock
) -> None:
    anna = await enrol_student(uow_factory, clock, 911)
    vera = await enrol_student(uow_factory, clock, 912)
    other = await enrol_student(uow_factory, clock, 913)
    async with uow_factory() as uow:
        [cohort] = await uow.cohorts.list()
        await uow.links.add(SupervisionLink(cohort.id, vera, anna), None)
        await uow.commit()
    text = "🗓 Forberedelse til samtaler med Anna &lt;3 og Bo"
    store = SqlOutboxStore(engine)
    for key, reader in (("prep-vera", vera), ("prep-other", other)):
        message = _message(key, reader)
        await store.enqueue([dataclasses.replace(message, payload={"text": text})])
    async with engine.begin() as conn:  # Anna's chosen name, with markup in it
        await conn.execute(
            update(PersonRow).where(PersonRow.id == anna).values(display_name="Anna <3")
        )
    async with uow_factory() as uow:
        assert await uow.retention.scrub_about(anna) == 1
        await uow.commit()
    rows = await _rows(engine)
    assert rows["prep-vera"] == ("pending", {"text": "🗓 Forberedelse til samtaler med … og Bo"})
    assert rows["prep-other"][1]["text"] == text  # not her supervisor: untouched
