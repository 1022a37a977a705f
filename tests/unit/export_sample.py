"""A person with something in every part of the export, for the export's unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services.conversations.types import Conversation, Kind
from bot.services.feedback.types import FeedbackRequest, RequestStatus
from bot.services.identity.domain import Cohort, Person, Profession, Question, Role
from bot.services.privacy.service import CohortRole, PersonalData
from bot.services.privacy.types import (
    AuditRecord,
    Authored,
    LinkRecord,
    PersonalRecords,
    WrittenFeedback,
    WrittenReply,
)
from bot.services.reflection.types import Answer, EntryStatus, Goal, Reflection, Schedule

AT = datetime(2027, 3, 4, 14, 30, tzinfo=UTC)
MARK = "Blåbærgrød"  # Danish letters must survive the PDF


def sample(language: str = "da") -> PersonalData:
    """Return personal data with every section filled (text marked with MARK)."""
    person = Person(7, 4711, "Åse Ørsted 🌷", language, "Europe/Copenhagen", AT)
    cohort = Cohort(
        1, 1, "Sygeplejersker F27", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30)
    )
    request = FeedbackRequest(
        3,
        7,
        1,
        9,
        RequestStatus.DONE,
        AT,
        situation=f"{MARK} situation",
        fb_behaviour=f"{MARK} feedback about me",
        action=f"{MARK} action",
    )
    written = FeedbackRequest(4, 8, 1, 7, RequestStatus.ANSWERED, AT, fb_well=f"{MARK} I wrote")
    records = PersonalRecords(
        registered_at=AT,
        updated_at=AT,
        links=(LinkRecord("Sygeplejersker F27", "Birte", "Åse Ørsted", AT),),
        feedback_written=(WrittenFeedback("Carl", written),),
        replies_written=(WrittenReply(f"{MARK} someone asked", f"{MARK} my reply", AT),),
        pulse_asked=3,
        pulse_answered=2,
        next_feedback_nudge=date(2027, 3, 8),
        digests_received=1,
        messages={"sent": 4, "pending": 1},
        authored=(Authored("broadcast", AT, f"{MARK} broadcast", "done"),),
        audit=(AuditRecord(AT, "link.create"),),
    )
    entry = Reflection(
        5,
        7,
        1,
        "rolfe-1",
        EntryStatus.DONE,
        date(2027, 3, 4),
        AT,
        shared_at=AT,
        goal_id=2,
        answers=(Answer("what", "What happened?", f"{MARK} reflection ✨"),),
    )
    return PersonalData(
        person,
        AT,
        records=records,
        schedule=Schedule(7, 1, paused_until=date(2027, 3, 10)),
        memberships=[CohortRole(cohort, Role.STUDENT)],
        supervisors=["Birte"],
        questions=[
            Question(
                6,
                f"{MARK} question?",
                language,
                AT,
                7,
                1,
                False,
                0.9,
                answer="An answer",
                helpful=True,
                handed_off_at=AT,
                answered_at=AT,
                reply=f"{MARK} coordinator reply",
            )
        ],
        goals=[Goal(2, 7, 1, f"{MARK} goal", AT, completed_at=AT)],
        reflections=[entry],
        feedback=[request],
        conversations=[Conversation(8, 7, 1, Kind.MIDWAY, date(2027, 4, 1), plan=f"{MARK} plan")],
    )
