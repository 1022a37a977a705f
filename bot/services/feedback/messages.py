"""Feedback messages the services put in the outbox, rendered in the reader's language.

Their buttons are choices (`FeedbackAction` on a request); the Telegram side makes them
buttons.
"""

from __future__ import annotations

import html
from enum import StrEnum
from typing import Any

from bot.i18n import N_, gettext_for
from bot.services.delivery.choices import Choice, with_choices
from bot.services.feedback.types import FeedbackRequest


class FeedbackAction(StrEnum):
    """What a feedback message offers; the target is a request (0 for none yet)."""

    START = "feedback.start"
    NOT_TODAY = "feedback.not_today"
    ANSWER = "feedback.answer"
    PASS = "feedback.pass"
    DECLINE = "feedback.decline"
    NEXT_ACTION = "feedback.next_action"
    RECORD_VERBAL = "feedback.record_verbal"


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


def nudge_payload(language: str) -> dict[str, Any]:
    """Return the twice-weekly nudge to ask for feedback."""
    _ = gettext_for(language)
    rows = [
        [
            Choice(FeedbackAction.START, 0, BUTTON_START),
            Choice(FeedbackAction.NOT_TODAY, 0, BUTTON_NOT_TODAY),
        ]
    ]
    return with_choices({"text": f"{_(NUDGE)}\n\n<i>{_(NUDGE_HINT)}</i>"}, rows, language)


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


def supervisor_choices(request_id: int) -> list[list[Choice]]:
    """Return the supervisor's choices on a request."""
    return [
        [Choice(FeedbackAction.ANSWER, request_id, BUTTON_ANSWER)],
        [
            Choice(FeedbackAction.PASS, request_id, BUTTON_PASS),
            Choice(FeedbackAction.DECLINE, request_id, BUTTON_DECLINE),
        ],
    ]


def request_payload(
    request: FeedbackRequest, student: str, language: str, *, passed_by: str | None = None
) -> dict[str, Any]:
    """Return the request to the supervisor: the student's self-assessment and buttons."""
    _ = gettext_for(language)
    lines = [_(REQUEST).format(name=_esc(student))]
    if passed_by:
        lines.append(f"<i>{_(PASSED).format(colleague=_esc(passed_by))}</i>")
    lines += ["", *self_assessment(request, language)]
    return with_choices({"text": "\n".join(lines)}, supervisor_choices(request.id), language)


def reminder_payload(
    request: FeedbackRequest, student: str, days: int, language: str
) -> dict[str, Any]:
    """Return the gentle reminder of an open request, with the request again."""
    _ = gettext_for(language)
    head = _(REMINDER).format(name=_esc(student), days=days)
    lines = [head, "", *self_assessment(request, language)]
    return with_choices({"text": "\n".join(lines)}, supervisor_choices(request.id), language)


def feedback_payload(request: FeedbackRequest, supervisor: str, language: str) -> dict[str, Any]:
    """Return the supervisor's feedback to the student, asking for one action."""
    _ = gettext_for(language)
    lines = [
        _(FEEDBACK_FROM).format(name=_esc(supervisor)),
        "",
        *feedback_lines(request, language),
    ]
    lines += ["", _(ASK_ACTION)]
    rows = [[Choice(FeedbackAction.NEXT_ACTION, request.id, BUTTON_ACTION)]]
    return with_choices({"text": "\n".join(lines)}, rows, language)


def declined_payload(request: FeedbackRequest, supervisor: str, language: str) -> dict[str, Any]:
    """Return the note to the student that the supervisor declined."""
    _ = gettext_for(language)
    rows = [[Choice(FeedbackAction.RECORD_VERBAL, request.id, BUTTON_VERBAL)]]
    return with_choices({"text": _(DECLINED).format(name=_esc(supervisor))}, rows, language)


def passed_payload(supervisor: str, colleague: str, language: str) -> dict[str, Any]:
    """Return the note to the student that the request went to a colleague."""
    _ = gettext_for(language)
    return {"text": _(PASSED_ON).format(name=_esc(supervisor), colleague=_esc(colleague))}


def expired_payload(
    request: FeedbackRequest, sent_on: str, days: int, language: str
) -> dict[str, Any]:
    """Return the note to the student that an unanswered request was closed."""
    _ = gettext_for(language)
    rows = [[Choice(FeedbackAction.RECORD_VERBAL, request.id, BUTTON_VERBAL)]]
    text = _(EXPIRED).format(date=_esc(sent_on), days=days)
    return with_choices({"text": text}, rows, language)
