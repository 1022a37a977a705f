"""Feedback requests and placement conversations for the e2e coordinator view, inserted as
rows (the feedback and conversation flows have their own tests): what /status should show
on Monday 15 March 2027 for the seven students of tests/e2e/test_pulse.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert

from bot.bootstrap import Runtime
from bot.storage.conversations.models import ConversationRow
from bot.storage.feedback.models import FeedbackRequestRow
from tests.fakebotapi import SimUser

SENT = datetime(2027, 3, 9, 9, 0, tzinfo=UTC)
EXPECTED_LINES = (
    "Sendt til en vejleder: 8",
    "Besvaret af vejlederen: 5",
    "Andel besvaret: 62\xa0%",
    "Mediantid til svar: 20 timer",  # of 3, 5, 20, 26 and 48 hours
    "Venter på en vejleder nu: 1",
    "Udløbet uden svar: 1",
    "Afvist af vejlederen: 1",
    "Mundtlig feedback noteret af de studerende: 1",
    "Handlinger til næste vagt noteret: 2",
    "Samtaler, der skulle være holdt indtil nu: 7",
    "Heraf med noteret plan: 5",
    "Forsinkede (over 7 dage, ingen plan): 2",
)


def _request(student: int, cohort: int, status: str, **fields: Any) -> dict[str, Any]:
    row = {
        "student_id": student,
        "cohort_id": cohort,
        "status": status,
        "verbal": False,
        "created_at": SENT,
        "sent_at": SENT,
        "answered_at": None,
        "closed_at": None,
    }
    return row | fields


def _after(hours: float) -> datetime:
    return SENT + timedelta(hours=hours)


async def seed_feedback_and_conversations(
    runtime: Runtime, cohort: int, students: dict[str, SimUser]
) -> None:
    """Insert the requests and conversations of the seven students."""
    ids = []
    for user in students.values():
        profile = await runtime.services.access.profile(user.id)
        assert profile is not None
        ids.append(profile.person.id)
    requests = [
        _request(ids[0], cohort, "done", answered_at=_after(3), closed_at=_after(4)),
        _request(ids[1], cohort, "answered", answered_at=_after(5)),
        _request(ids[2], cohort, "answered", answered_at=_after(20)),
        _request(ids[3], cohort, "done", answered_at=_after(26), closed_at=_after(27)),
        _request(ids[4], cohort, "answered", answered_at=_after(48)),
        _request(ids[5], cohort, "open"),
        _request(ids[0], cohort, "expired", sent_at=SENT - timedelta(days=15)),
        _request(ids[1], cohort, "declined"),
        _request(ids[6], cohort, "answered", verbal=True, sent_at=None, answered_at=_after(1)),
    ]
    conversations = []
    for index, student in enumerate(ids):
        plan = SENT - timedelta(days=30) if index < 5 else None
        for kind, due in (
            ("expectation", date(2027, 2, 5)),
            ("midway", date(2027, 4, 15)),
            ("final", date(2027, 6, 30)),
        ):
            conversations.append(
                {
                    "student_id": student,
                    "cohort_id": cohort,
                    "kind": kind,
                    "due_on": due,
                    "plan_at": plan if kind == "expectation" else None,
                }
            )
    async with runtime.engine.begin() as conn:
        await conn.execute(insert(FeedbackRequestRow), requests)
        # The conversation tick may have planned these students' conversations already:
        # the seeded ones (with known dates and plans) replace them.
        await conn.execute(
            delete(ConversationRow).where(
                ConversationRow.cohort_id == cohort, ConversationRow.student_id.in_(ids)
            )
        )
        await conn.execute(insert(ConversationRow), conversations)
