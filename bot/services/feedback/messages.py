"""Feedback messages the services put in the outbox, rendered in the reader's language.

Callback data: the student's "fb:<action>:<request id>" and "fs:<request id>:<supervisor id>",
the supervisor's "fq:<action>:<request id>" and "fp:<request id>:<colleague id>".
"""

from __future__ import annotations

import html
from typing import Any

from bot.i18n import N_, gettext_for
from bot.services.feedback.types import FeedbackRequest

NUDGE = N_(
    "💬 <b>Feedback today?</b>\n"
    "Ask your supervisor (or a colleague on your shift) for feedback on one situation today. "
    'A minute at the end of a task is enough: "Could you give me feedback on how I …?"'
)
NUDGE_HINT = N_(
    "Start with a short self-assessment (what went well, what you want to improve); "
    "then you choose whether to send it to your supervisor."
)
BUTTON_START = N_("✍️ Self-assessment")
BUTTON_NOT_TODAY = N_("Not today")
REQUEST = N_("💬 <b>{name} asks for your feedback</b>")
PASSED = N_("{colleague} passed this request on to you.")
REMINDER = N_(
    "A gentle reminder: {name} asked for your feedback {days} days ago. "
    "Five short answers are enough; it takes about a minute."
)
SELF_SITUATION = N_("The situation")
SELF_WELL = N_("What went well")
SELF_IMPROVE = N_("What I want to improve")
BUTTON_ANSWER = N_("✍️ Give feedback")
BUTTON_PASS = N_("↪️ Pass to a colleague")
BUTTON_DECLINE = N_("Not possible")
FEEDBACK_FROM = N_("💬 <b>Feedback from {name}</b>")
SBI_SITUATION = N_("Situation")
SBI_BEHAVIOUR = N_("Behaviour")
SBI_IMPACT = N_("Impact")
SBI_WELL = N_("Went well")
SBI_ADJUST = N_("To adjust")
ASK_ACTION = N_("What will you do differently on your next shift? It goes into your logbook.")
BUTTON_ACTION = N_("✍️ Next shift I will …")
DECLINED = N_(
    "{name} cannot give feedback on this request. That is all right: ask someone on your "
    "shift in person, and record what they say here."
)
PASSED_ON = N_("{name} passed your feedback request on to {colleague}.")
EXPIRED = N_(
    "Your feedback request from {date} was not answered within {days} days, so I have closed "
    "it. Ask in person next shift, and record the feedback here when you have had it."
)
BUTTON_VERBAL = N_("📝 Record verbal feedback")


def _esc(text: str | None) -> str:
    return html.escape(text or "–", quote=False)


def _buttons(rows: list[list[tuple[str, str]]], language: str) -> dict[str, Any]:
    _ = gettext_for(language)
    return {
        "inline_keyboard": [
            [{"text": _(label), "callback_data": data} for label, data in row] for row in rows
        ]
    }


def nudge_payload(language: str) -> dict[str, Any]:
    """Return the twice-weekly nudge to ask for feedback."""
    _ = gettext_for(language)
    rows = [[(BUTTON_START, "fb:new:0"), (BUTTON_NOT_TODAY, "fb:later:0")]]
    return {
        "text": f"{_(NUDGE)}\n\n<i>{_(NUDGE_HINT)}</i>",
        "reply_markup": _buttons(rows, language),
    }


def self_assessment(request: FeedbackRequest, language: str) -> list[str]:
    """Return the student's self-assessment as HTML lines."""
    _ = gettext_for(language)
    return [
        f"<b>{_(SELF_SITUATION)}:</b> {_esc(request.situation)}",
        f"<b>{_(SELF_WELL)}:</b> {_esc(request.went_well)}",
        f"<b>{_(SELF_IMPROVE)}:</b> {_esc(request.improve)}",
    ]


def feedback_lines(request: FeedbackRequest, language: str) -> list[str]:
    """Return the feedback (SBI, went well, to adjust) as HTML lines."""
    _ = gettext_for(language)
    labels = (SBI_SITUATION, SBI_BEHAVIOUR, SBI_IMPACT, SBI_WELL, SBI_ADJUST)
    values = (
        request.fb_situation,
        request.fb_behaviour,
        request.fb_impact,
        request.fb_well,
        request.fb_adjust,
    )
    return [
        f"<b>{_(label)}:</b> {_esc(value)}" for label, value in zip(labels, values, strict=True)
    ]


def supervisor_keyboard(request_id: int, language: str) -> dict[str, Any]:
    """Return the supervisor's buttons on a request."""
    rows = [
        [(BUTTON_ANSWER, f"fq:go:{request_id}")],
        [(BUTTON_PASS, f"fq:pass:{request_id}"), (BUTTON_DECLINE, f"fq:no:{request_id}")],
    ]
    return _buttons(rows, language)


def request_payload(
    request: FeedbackRequest, student: str, language: str, *, passed_by: str | None = None
) -> dict[str, Any]:
    """Return the request to the supervisor: the student's self-assessment and buttons."""
    _ = gettext_for(language)
    lines = [_(REQUEST).format(name=_esc(student))]
    if passed_by:
        lines.append(f"<i>{_(PASSED).format(colleague=_esc(passed_by))}</i>")
    lines += ["", *self_assessment(request, language)]
    return {"text": "\n".join(lines), "reply_markup": supervisor_keyboard(request.id, language)}


def reminder_payload(
    request: FeedbackRequest, student: str, days: int, language: str
) -> dict[str, Any]:
    """Return the gentle reminder of an open request, with the request again."""
    _ = gettext_for(language)
    head = _(REMINDER).format(name=_esc(student), days=days)
    lines = [head, "", *self_assessment(request, language)]
    return {"text": "\n".join(lines), "reply_markup": supervisor_keyboard(request.id, language)}


def feedback_payload(request: FeedbackRequest, supervisor: str, language: str) -> dict[str, Any]:
    """Return the supervisor's feedback to the student, asking for one action."""
    _ = gettext_for(language)
    lines = [
        _(FEEDBACK_FROM).format(name=_esc(supervisor)),
        "",
        *feedback_lines(request, language),
    ]
    lines += ["", _(ASK_ACTION)]
    rows = [[(BUTTON_ACTION, f"fb:act:{request.id}")]]
    return {"text": "\n".join(lines), "reply_markup": _buttons(rows, language)}


def declined_payload(request: FeedbackRequest, supervisor: str, language: str) -> dict[str, Any]:
    """Return the note to the student that the supervisor declined."""
    _ = gettext_for(language)
    rows = [[(BUTTON_VERBAL, f"fb:verbal:{request.id}")]]
    return {
        "text": _(DECLINED).format(name=_esc(supervisor)),
        "reply_markup": _buttons(rows, language),
    }


def passed_payload(supervisor: str, colleague: str, language: str) -> dict[str, Any]:
    """Return the note to the student that the request went to a colleague."""
    _ = gettext_for(language)
    return {"text": _(PASSED_ON).format(name=_esc(supervisor), colleague=_esc(colleague))}


def expired_payload(
    request: FeedbackRequest, sent_on: str, days: int, language: str
) -> dict[str, Any]:
    """Return the note to the student that an unanswered request was closed."""
    _ = gettext_for(language)
    rows = [[(BUTTON_VERBAL, f"fb:verbal:{request.id}")]]
    return {
        "text": _(EXPIRED).format(date=_esc(sent_on), days=days),
        "reply_markup": _buttons(rows, language),
    }
