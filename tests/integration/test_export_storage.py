"""The export's read of every record that points at a person, on SQLite and PostgreSQL;
and every table with a person in it is exported or left out for a stated reason."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.services.privacy.export_json import SECTIONS, export_document
from bot.services.privacy.service import PrivacyService
from bot.storage import schema
from bot.storage.broadcasts.models import BroadcastRow
from bot.storage.conversations.models import ConversationRow, DigestRow
from bot.storage.delivery.models import OutboxRow
from bot.storage.feedback.models import FeedbackNudgeRow, FeedbackRequestRow
from bot.storage.identity.models import (
    AuditRow,
    CohortRow,
    DepartmentRow,
    InviteRow,
    MembershipRow,
    OrganisationRow,
    PersonRow,
    SupervisionLinkRow,
)
from bot.storage.knowledge.models import KnowledgeFaqRow, KnowledgeUploadRow
from bot.storage.privacy.repository import EXPORTED, NOT_EXPORTED
from bot.storage.pulse.models import PulseAskRow
from bot.storage.questions.models import QuestionRow
from bot.storage.reflection.models import GoalRow, ReflectionRow, ScheduleRow
from bot.storage.uow import SqlUnitOfWorkFactory
from tests.support import ManualClock

AT = datetime(2027, 3, 4, 10, 0, tzinfo=UTC)
WEEK = date(2027, 3, 1)


def test_every_table_that_points_at_a_person_is_exported_or_excused() -> None:
    pointing = {"person"} | {
        table.name
        for table in schema.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.column.table.name == "person"
    }
    unaccounted = pointing - EXPORTED.keys() - NOT_EXPORTED.keys()
    assert not unaccounted, f"add these tables to the export or to NOT_EXPORTED: {unaccounted}"
    assert not (EXPORTED.keys() | NOT_EXPORTED.keys()) - pointing  # no stale names
    assert all(reason.strip() for reason in NOT_EXPORTED.values())
    for table, sections in EXPORTED.items():
        for section in sections.split(", "):
            assert section in SECTIONS, f"{table}: no export section {section!r}"


async def _plant(session: AsyncSession) -> tuple[int, int]:
    """Store something in every table about a student and their supervisor."""
    org = OrganisationRow(name="Region H")
    session.add(org)
    await session.flush()
    dep = DepartmentRow(organisation_id=org.id, name="M2", key="m2")
    session.add(dep)
    await session.flush()
    cohort = CohortRow(
        department_id=dep.id,
        name="F27",
        profession="nursing",
        starts_on=date(2027, 2, 1),
        ends_on=date(2027, 6, 30),
    )
    student = PersonRow(
        telegram_id=1,
        display_name="Åse",
        language="da",
        timezone="Europe/Copenhagen",
        consent_at=AT,
    )
    mentor = PersonRow(
        telegram_id=2,
        display_name="Birte",
        language="en",
        timezone="Europe/Copenhagen",
        consent_at=AT,
    )
    session.add_all([cohort, student, mentor])
    await session.flush()
    s, m, c = student.id, mentor.id, cohort.id
    goal = GoalRow(person_id=s, cohort_id=c, text="mål", created_at=AT)
    session.add(goal)
    await session.flush()
    session.add_all(
        [
            MembershipRow(person_id=s, cohort_id=c, role="student"),
            MembershipRow(person_id=m, cohort_id=c, role="supervisor"),
            MembershipRow(
                person_id=m, cohort_id=c, role="coordinator", may_invite_coordinators=True
            ),
            SupervisionLinkRow(cohort_id=c, supervisor_id=m, student_id=s, created_by=m),
            ScheduleRow(
                person_id=s,
                cohort_id=c,
                mode="time",
                at_minutes=900,
                shift="day",
                days=31,
                quiet_start=1320,
                quiet_end=420,
                paused_until=date(2027, 3, 10),
            ),
            FeedbackNudgeRow(person_id=s, next_date=date(2027, 3, 8)),
            ReflectionRow(
                person_id=s,
                cohort_id=c,
                prompt_id="p",
                status="done",
                entry_date=AT.date(),
                created_at=AT,
                answers=[{"key": "what", "question": "Hvad?", "text": "refleksion"}],
                shared_at=AT,
                goal_id=goal.id,
            ),
            ConversationRow(
                student_id=s, cohort_id=c, kind="midway", due_on=date(2027, 4, 1), plan="plan"
            ),
            FeedbackRequestRow(
                student_id=s,
                cohort_id=c,
                supervisor_id=m,
                status="done",
                created_at=AT,
                situation="selv",
                fb_behaviour="skrevet af Birte",
                action="handling",
            ),
            QuestionRow(
                person_id=s,
                cohort_id=c,
                language="da",
                text="spørgsmål?",
                asked_at=AT,
                abstained=True,
                confidence=0.1,
                handed_off_at=AT,
                answered_at=AT,
                answered_by=m,
                reply="svar fra Birte",
            ),
            PulseAskRow(person_id=s, week_start=WEEK, cohort_id=c, asked_at=AT, answered=True),
            PulseAskRow(
                person_id=s,
                week_start=date(2027, 3, 8),
                cohort_id=c,
                asked_at=AT,
                answered=False,
            ),
            DigestRow(person_id=m, week_start=WEEK, queued_at=AT),
            OutboxRow(
                chat_id=1,
                person_id=s,
                payload={"text": "x"},
                origin="t",
                not_before=AT,
                status="sent",
            ),
            BroadcastRow(status="done", cohorts=[c], text="udsendelse", created_by=m),
            InviteRow(code="abc", cohort_id=c, role="student", created_by=m),
            KnowledgeFaqRow(
                department_id=dep.id,
                question="faq?",
                answer="faq-svar",
                created_at=AT,
                created_by=m,
            ),
            KnowledgeUploadRow(
                person_id=m, file_id="f", file_name="guide.pdf", file_size=1, created_at=AT
            ),
            AuditRow(at=AT, actor="cli", action="link.create", target_person_id=s),
        ]
    )
    await session.commit()
    return s, m


async def test_export_reads_everything_about_student_and_supervisor(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await _plant(session)
    privacy = PrivacyService(uow_factory, ManualClock(AT))

    student = export_document(await privacy.export(1))
    assert student["settings"]["prompt_time"] == "15:00"
    assert student["settings"]["paused_until"] == "2027-03-10"
    assert student["settings"]["next_feedback_nudge_on"] == "2027-03-08"
    assert [m["role"] for m in student["memberships"]] == ["student"]
    assert student["supervision_links"][0]["supervisor"] == "Birte"
    assert [g["text"] for g in student["learning_goals"]] == ["mål"]
    [entry] = student["logbook"]
    assert entry["answers"][0]["text"] == "refleksion"
    assert entry["shared_with_supervisor_at"] == AT.isoformat()
    assert student["conversations"][0]["plan"] == "plan"
    [about] = student["feedback_about_me"]
    assert about["fields"] == {"situation": "selv", "fb_behaviour": "skrevet af Birte"}
    assert about["action"] == "handling"
    assert student["questions"][0]["coordinator_reply"] == "svar fra Birte"
    assert student["pulse"] == {"asked": 2, "answered": 1}
    assert student["messages_to_me"] == {"sent": 1}
    assert student["audit_about_me"] == [{"at": AT.isoformat(), "action": "link.create"}]
    assert student["feedback_i_wrote"] == []
    assert student["replies_i_wrote"] == []

    mentor = export_document(await privacy.export(2))
    assert sorted(m["role"] for m in mentor["memberships"]) == ["coordinator", "supervisor"]
    assert mentor["profile"]["may_invite_coordinators_in"] == ["F27"]
    [written] = mentor["feedback_i_wrote"]
    assert written["student"] == "Åse"
    assert written["fields"] == {"fb_behaviour": "skrevet af Birte"}  # not her self-assessment
    assert mentor["replies_i_wrote"] == [
        {"question": "spørgsmål?", "reply": "svar fra Birte", "replied_at": AT.isoformat()}
    ]
    assert mentor["digests_received"] == 1
    made = {(a["kind"], a["text"]) for a in mentor["created_by_me"]}
    assert made == {
        ("broadcast", "udsendelse"),
        ("invite", "F27: student"),
        ("faq", "faq?\nfaq-svar"),
        ("upload", "guide.pdf"),
    }
    assert mentor["logbook"] == []
    assert mentor["pulse"] == {"asked": 0, "answered": 0}
