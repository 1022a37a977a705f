"""A cohort's feedback requests, placement conversations and pulse answers as plain rows,
shared by the unit tests (on fakes) and the storage tests (inserted into SQL), so both
tiers count the same scenario and expect the same figures.

Six students s0..s5 of cohort A; NOW is Monday 15 March 2027, 12:00 UTC; the averaging
period is the four weeks before NOW.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from bot.services.reports.types import ConversationCounts, FeedbackCounts, Window

NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
WINDOW = Window(week_start=NOW - timedelta(days=7), period_start=NOW - timedelta(days=28), now=NOW)
TODAY = NOW.date()
OVERDUE_BEFORE = TODAY - timedelta(days=7)
HOUR = timedelta(hours=1)

EXPECTED_FEEDBACK = FeedbackCounts(
    sent=9,
    senders=6,
    answered=5,
    answered_students=5,
    median_seconds=6 * 3600.0,  # of 2, 4, 6, 30 and 50 hours
    open_now=2,
    expired=1,
    declined=1,
    verbal=1,
    actions=4,
)
EXPECTED_CONVERSATIONS = ConversationCounts(due=6, planned=2, overdue=2)
# Pulse answers per week start: this week has four (withheld), the week before six.
PULSE_SCORES = {
    date(2027, 3, 15): [5, 4, 4, 3],
    date(2027, 3, 8): [5, 4, 4, 3, 2, 5],
    date(2027, 3, 1): [3, 3, 3, 3, 3],
    date(2027, 2, 8): [1, 1, 1, 1, 1, 1, 1],  # older than the five weeks shown
}


def _ago(days: float, plus_hours: float = 0) -> datetime:
    return NOW - timedelta(days=days) + plus_hours * HOUR


def _request(student: int, cohort: int, status: str, **fields: Any) -> dict[str, Any]:
    row = {
        "student_id": student,
        "cohort_id": cohort,
        "status": status,
        "verbal": False,
        "created_at": fields.get("sent_at") or _ago(1),
        "sent_at": None,
        "answered_at": None,
        "closed_at": None,
    }
    return row | fields


def feedback_rows(s: list[int], cohort: int, outsider: int) -> list[dict[str, Any]]:
    """Return the requests of students `s` (six) and of one person who is no student."""
    return [
        _request(s[0], cohort, "done", sent_at=_ago(10), answered_at=_ago(10, 2), closed_at=_ago(9)),
        _request(s[1], cohort, "answered", sent_at=_ago(5), answered_at=_ago(5, 4)),
        _request(s[2], cohort, "done", sent_at=_ago(3), answered_at=_ago(3, 30), closed_at=_ago(1)),
        _request(s[3], cohort, "answered", sent_at=_ago(2), answered_at=_ago(2, 6)),
        _request(
            s[4], cohort, "done", sent_at=_ago(20), answered_at=_ago(20, 50), closed_at=_ago(17)
        ),
        _request(s[5], cohort, "open", sent_at=_ago(1)),
        _request(s[0], cohort, "expired", sent_at=_ago(16), closed_at=_ago(2)),
        _request(s[1], cohort, "declined", sent_at=_ago(4), closed_at=_ago(3)),
        _request(
            s[2], cohort, "done", verbal=True, created_at=_ago(6), answered_at=_ago(6, 1),
            closed_at=_ago(6, 2),
        ),
        _request(s[4], cohort, "answering", sent_at=_ago(2)),
        # before the period: only the open/answering figure could see it, and it is done
        _request(
            s[5], cohort, "done", sent_at=_ago(35), answered_at=_ago(34), closed_at=_ago(33)
        ),
        _request(s[3], cohort, "draft", created_at=_ago(1)),  # never sent
        _request(outsider, cohort, "open", sent_at=_ago(1)),  # not a student of the cohort
    ]  # fmt: skip


def conversation_rows(s: list[int], cohort: int) -> list[dict[str, Any]]:
    """Return the students' conversations: due, planned, overdue and not yet due."""
    planned = _ago(30)

    def row(student: int, kind: str, due: date, plan_at: datetime | None = None) -> dict:
        return {
            "student_id": student,
            "cohort_id": cohort,
            "kind": kind,
            "due_on": due,
            "plan_at": plan_at,
        }

    return [
        row(s[0], "expectation", date(2027, 2, 5), planned),
        row(s[0], "midway", date(2027, 4, 15)),  # not due yet
        row(s[1], "expectation", date(2027, 2, 5)),  # overdue
        row(s[2], "expectation", date(2027, 3, 8)),  # exactly seven days: not overdue yet
        row(s[3], "expectation", date(2027, 3, 7)),  # overdue
        row(s[4], "expectation", date(2027, 3, 14), planned),
        row(s[5], "expectation", TODAY),  # due today
    ]


def as_objects(rows: list[dict[str, Any]]) -> list[SimpleNamespace]:
    """Return rows as objects, the way a fake store keeps them."""
    return [SimpleNamespace(**row) for row in rows]
