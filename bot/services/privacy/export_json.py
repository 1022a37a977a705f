"""The machine-readable export: everything stored about a person as JSON with stable
English keys, ISO 8601 dates (UTC for moments) and a schema version.

Raise `SCHEMA_VERSION` when a key changes meaning or disappears; adding a key keeps it.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot.services.feedback.types import FEEDBACK_FIELDS, SELF_FIELDS, FeedbackRequest
from bot.services.privacy.service import PersonalData
from bot.services.reflection.types import Reflection

SCHEMA = "praktikbot-export"
SCHEMA_VERSION = 1
SECTIONS = (
    "profile",
    "settings",
    "memberships",
    "supervision_links",
    "learning_goals",
    "logbook",
    "conversations",
    "feedback_about_me",
    "feedback_i_wrote",
    "questions",
    "replies_i_wrote",
    "pulse",
    "created_by_me",
    "messages_to_me",
    "digests_received",
    "audit_about_me",
)


def export_json(data: PersonalData) -> bytes:
    """Return the person's data as UTF-8 JSON (indented, keys in a stable order)."""
    return json.dumps(export_document(data), ensure_ascii=False, indent=2).encode()


def export_document(data: PersonalData) -> dict[str, Any]:
    """Return the person's data as a JSON-ready dict: every section, empty ones included."""
    r = data.records
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "exported_at": _iso(data.exported_at),
        "language": data.person.language,
        "profile": _profile(data),
        "settings": _settings(data),
        "memberships": [
            {
                "cohort": m.cohort.name,
                "profession": m.cohort.profession.value,
                "starts_on": _iso(m.cohort.starts_on),
                "ends_on": _iso(m.cohort.ends_on),
                "role": m.role.value,
            }
            for m in data.memberships
        ],
        "supervision_links": [
            {
                "cohort": link.cohort,
                "supervisor": link.supervisor,
                "student": link.student,
                "since": _iso(link.since),
            }
            for link in r.links
        ],
        "learning_goals": [
            {
                "id": g.id,
                "text": g.text,
                "created_at": _iso(g.created_at),
                "reached_at": _iso(g.completed_at),
            }
            for g in data.goals
        ],
        "logbook": [_entry(e, data.shared_with.get(e.id, [])) for e in data.reflections],
        "conversations": [
            {
                "kind": c.kind.value,
                "due_on": _iso(c.due_on),
                "plan": c.plan,
                "plan_at": _iso(c.plan_at),
            }
            for c in data.conversations
        ],
        "feedback_about_me": [
            _request(f, (*SELF_FIELDS, *FEEDBACK_FIELDS)) for f in data.feedback
        ],
        "feedback_i_wrote": [
            {"student": w.student, **_request(w.request, FEEDBACK_FIELDS, action=False)}
            for w in r.feedback_written
        ],
        "questions": [
            {
                "asked_at": _iso(q.asked_at),
                "text": q.text,
                "answer": q.answer,
                "helpful": q.helpful,
                "passed_to_coordinator_at": _iso(q.handed_off_at),
                "coordinator_reply": q.reply,
                "replied_at": _iso(q.answered_at),
            }
            for q in data.questions
        ],
        "replies_i_wrote": [
            {"question": w.question, "reply": w.reply, "replied_at": _iso(w.answered_at)}
            for w in r.replies_written
        ],
        # Counts only: the scores are anonymous and cannot be found again for anyone.
        "pulse": {"asked": r.pulse_asked, "answered": r.pulse_answered},
        "created_by_me": [
            {"kind": a.kind, "at": _iso(a.at), "text": a.text, "status": a.status}
            for a in r.authored
        ],
        "messages_to_me": dict(r.messages),
        "digests_received": r.digests_received,
        "audit_about_me": [{"at": _iso(a.at), "action": a.action} for a in r.audit],
    }
    return document


def _profile(data: PersonalData) -> dict[str, Any]:
    p, r = data.person, data.records
    return {
        "display_name": p.display_name,
        "telegram_id": p.telegram_id,
        "language": p.language,
        "timezone": p.timezone,
        "consent_at": _iso(p.consent_at),
        "active": p.active,
        "registered_at": _iso(r.registered_at),
        "updated_at": _iso(r.updated_at),
        "blocked_bot_at": _iso(r.blocked_at),
        "may_invite_coordinators_in": list(r.coordinator_invites_granted),
    }


def _settings(data: PersonalData) -> dict[str, Any] | None:
    s = data.schedule
    if s is None:
        return None
    return {
        "prompts_on": s.enabled,
        "mode": s.mode.value,
        "shift": s.shift.value,
        "prompt_time": _clock(s.at_minutes),
        "working_days": [d for d in range(7) if s.days >> d & 1],
        "quiet_hours": {"from": _clock(s.quiet_start), "to": _clock(s.quiet_end)},
        "paused_until": _iso(s.paused_until),
        "next_prompt_at": _iso(s.next_at),
        "next_feedback_nudge_on": _iso(data.records.next_feedback_nudge),
    }


def _entry(e: Reflection, shared_with: list[str]) -> dict[str, Any]:
    return {
        "id": e.id,
        "date": _iso(e.entry_date),
        "status": e.status.value,
        "prompt": e.prompt_id,
        "hard_shift": e.hard_shift,
        "goal_id": e.goal_id,
        "shared_with_supervisor_at": _iso(e.shared_at),
        "shared_with": shared_with,
        "follows_up_plan": e.followup_plan,
        "answers": [{"key": a.key, "question": a.question, "text": a.text} for a in e.answers],
        "completed_at": _iso(e.completed_at),
    }


def _request(
    f: FeedbackRequest, fields: tuple[str, ...], *, action: bool = True
) -> dict[str, Any]:
    written = {name: value for name in fields if (value := f.field(name))}
    out: dict[str, Any] = {
        "created_at": _iso(f.created_at),
        "status": f.status.value,
        "verbal": f.verbal,
        "answered_at": _iso(f.answered_at),
        "fields": written,
    }
    if action:
        out["action"] = f.action
    return out


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
