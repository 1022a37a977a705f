"""Issue #15 point 4: one marker string planted through every feature (display name,
reflection, goal, share notice, feedback both ways, question and the coordinator's reply,
placement conversation plan, broadcast) is gone from every table and every outbox payload
after the student's /slet, and after retention for an ended placement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from bot.bootstrap import Runtime
from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Role
from bot.storage.conversations.models import ConversationRow
from bot.storage.identity.models import MembershipRow
from bot.storage.schema import metadata
from tests.e2e.conftest import World
from tests.e2e.flows import enrol, link, preview_broadcast, write_reflection
from tests.fakebotapi import BotMessage, FakeBotApi, SimUser
from tests.support import ManualClock

MARK = "Qwzmarker"


async def _tables_holding(runtime: Runtime, needle: str) -> dict[str, int]:
    """Every table (all columns, as text) with rows that hold the needle."""
    found: dict[str, int] = {}
    async with runtime.engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            hits = sum(1 for row in rows if needle in repr(tuple(row)))
            if hits:
                found[table.name] = hits
    return found


def _index_holding(runtime: Runtime, needle: str) -> int:
    """How many entries of the search index (chunks, sentences, vocabulary) hold the needle."""
    index = runtime.knowledge.current().index
    return sum(needle in entry.text for name in index.stores for entry in index.stored(name))


async def _self_assess(student: SimUser, words: str) -> BotMessage:
    await student.send("/feedback")
    await student.expect_text("Hvilken situation")
    await student.send(f"Situation {words}")
    await student.expect_text("Hvad gik godt")
    await student.send(f"Godt {words}")
    await student.expect_text("Hvad vil du blive bedre til")
    await student.send(f"Bedre {words}")
    return await student.expect_text("Din selvevaluering er klar")


async def _everything(
    runtime: Runtime, world: World, student: SimUser, vera: SimUser, karin: SimUser
) -> None:
    """The student, her supervisor and coordinator plant the marker through every feature."""
    await link(runtime, world.cohort.id, student, vera)
    await write_reflection(student, f"Refleksion {MARK}")
    await student.send("/maal")
    goals = await student.expect_text("læringsmål")
    await student.press(goals, "Tilføj et læringsmål")
    await student.next_message()
    await student.send(f"Mål {MARK}")
    await student.expect_text("Gemt.")
    await student.send("/logbog")
    page = await student.expect_text("logbog")
    await student.press(page, "Refleksion")
    entry = await student.wait_edit(page)
    await student.press(entry, "Del med min vejleder")
    await student.wait_edit(entry)
    await vera.expect_text("har delt en refleksion med dig")

    ready = await _self_assess(student, MARK)
    await student.press(ready, "Send til Vera")
    request = await vera.expect_text("beder om din feedback")
    await vera.press(request, "Giv feedback")
    situation = await vera.expect_text("Hvilken situation")
    await vera.press(situation, "Som beskrevet")
    await vera.expect_text("Hvad så du")
    await vera.send(f"Adfærd {MARK}")
    await vera.next_message()
    await vera.send(f"Virkning {MARK}")
    well = await vera.next_message()
    await vera.send(f"Godt {MARK}")
    await vera.next_message()
    await vera.send(f"Juster {MARK}")
    await vera.expect_text("på vej til")
    assert well.text
    await student.expect_text("Feedback fra Vera")

    await student.send(f"/spoerg Hvor parkerer {MARK}-gæster?")
    offer = await student.expect_text("Det ved jeg desværre ikke")
    await student.press(offer, "Spørg en person")
    forwarded = await karin.expect_text(MARK)
    await karin.press(forwarded, "Svar")
    await karin.next_message()
    await karin.send(f"Ved {MARK}-porten.")
    await karin.expect_text("Jeg har sendt dit svar")
    await student.expect_text(f"Ved {MARK}-porten.")

    async with runtime.engine.begin() as conn:  # a plan, as the conversation flow records it
        profile = await runtime.services.access.profile(student.id)
        assert profile is not None
        planned = await conn.execute(  # the feedback tick may have planned them already
            update(ConversationRow)
            .where(ConversationRow.student_id == profile.person.id)
            .values(plan=f"Plan {MARK}")
        )
        if not planned.rowcount:
            await conn.execute(
                ConversationRow.__table__.insert().values(
                    student_id=profile.person.id,
                    cohort_id=world.cohort.id,
                    kind="midway",
                    due_on=date(2027, 3, 1),
                    plan=f"Plan {MARK}",
                )
            )
    _preview, control = await preview_broadcast(
        karin, [world.cohort.name], "Studerende", f"Husk mødet, {MARK}"
    )
    await karin.press(control, "Send nu")
    await student.expect_text(f"Husk mødet, {MARK}")


async def test_slet_leaves_no_trace_of_what_a_student_wrote_or_her_name(
    fake_api: FakeBotApi, world: World
) -> None:
    runtime = world.runtime
    student = fake_api.user(7701, first_name=f"Anna {MARK}")
    vera, karin = fake_api.user(7702, first_name="Vera"), fake_api.user(7703, first_name="Karin")
    await enrol(karin, world.codes[Role.COORDINATOR])
    await enrol(vera, world.codes[Role.SUPERVISOR])
    await enrol(student, world.codes[Role.STUDENT])
    await _everything(runtime, world, student, vera, karin)
    before = await _tables_holding(runtime, MARK)
    for table in ("person", "reflection", "learning_goal", "feedback_request", "question"):
        assert table in before, before  # the journey did plant it there
    assert "outbox" in before

    await student.send("/slet")
    question = await student.expect_text("slet")
    await student.press(question, "Ja, slet alt")
    await student.wait_edit(question)
    left = await _tables_holding(runtime, MARK)
    # The coordinator's own broadcast is hers, not the student's; nothing else may remain.
    assert set(left) <= {"broadcast"}, left
    assert _index_holding(runtime, MARK) == 0


async def test_retention_of_an_ended_placement_leaves_no_trace(
    fake_api: FakeBotApi, world: World, clock: ManualClock
) -> None:
    runtime = world.runtime
    student = fake_api.user(7711, first_name=f"Bo {MARK}")
    vera, karin = fake_api.user(7712, first_name="Vera"), fake_api.user(7713, first_name="Karin")
    await enrol(karin, world.codes[Role.COORDINATOR])
    await enrol(vera, world.codes[Role.SUPERVISOR])
    await enrol(student, world.codes[Role.STUDENT])
    await _everything(runtime, world, student, vera, karin)
    # Another cohort that goes on keeps Karin; the ended one takes Bo and Vera with it.
    other = await runtime.services.coordination.create_cohort(
        Actor.cli(),
        name="Næste hold",
        department_ref="medicinsk-afdeling-m2",
        profession=Profession.NURSING,
        starts_on=date(2027, 8, 1),
        ends_on=date(2027, 12, 31),
    )
    karin_id = (await runtime.services.access.profile(karin.id)).person.id  # type: ignore[union-attr]
    async with runtime.engine.begin() as conn:
        await conn.execute(
            MembershipRow.__table__.insert().values(
                person_id=karin_id, cohort_id=other.id, role=Role.COORDINATOR.value
            )
        )
    days = runtime.settings.retention_days
    clock.set(datetime(2027, 6, 30, 12, tzinfo=UTC) + timedelta(days=days + 1))
    report = await runtime.services.retention.run()
    assert report.deleted >= 1
    assert report.people == 2  # Bo and Vera; Karin coordinates the next cohort
    assert await _tables_holding(runtime, MARK) == {}
    assert _index_holding(runtime, MARK) == 0
    assert await runtime.services.access.profile(karin.id) is not None
