"""The steps of a feedback loop, and what a finished one leaves in the logbook: pure rules."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import gettext_for
from bot.services.feedback.messages import (
    SBI_ADJUST,
    SBI_BEHAVIOUR,
    SBI_IMPACT,
    SBI_SITUATION,
    SBI_WELL,
    SELF_IMPROVE,
    SELF_SITUATION,
    SELF_WELL,
)
from bot.services.feedback.types import (
    FEEDBACK_FIELDS,
    SELF_FIELDS,
    FeedbackRequest,
    RequestStatus,
)
from bot.services.kernel.cpr import contains_cpr
from bot.services.kernel.errors import ContainsCpr, Invalid
from bot.services.reflection.types import Answer

MAX_FIELD_LENGTH = 1000
FEEDBACK_PROMPT = "feedback"
ACTION = "action"
LABELS = {
    "situation": SELF_SITUATION,
    "went_well": SELF_WELL,
    "improve": SELF_IMPROVE,
    "fb_situation": SBI_SITUATION,
    "fb_behaviour": SBI_BEHAVIOUR,
    "fb_impact": SBI_IMPACT,
    "fb_well": SBI_WELL,
    "fb_adjust": SBI_ADJUST,
}
# For these feedback steps a button takes over the student's own words.
QUICK_FROM = {"fb_situation": "situation", "fb_well": "went_well", "fb_adjust": "improve"}


@dataclass(frozen=True, slots=True)
class Ask:
    """The next thing to write: a field of the request, by whom (`by_student`)."""

    request: FeedbackRequest
    field: str
    number: int
    total: int
    quick: str | None = None

    @property
    def by_student(self) -> bool:
        """Return whether the student writes this step (else the supervisor)."""
        return self.request.verbal or self.field in SELF_FIELDS or self.field == ACTION


def fields_of(request: FeedbackRequest) -> tuple[str, ...]:
    """Return the fields written in the request's current status."""
    if request.status is RequestStatus.DRAFT:
        return SELF_FIELDS
    if request.status is RequestStatus.ANSWERING:
        return FEEDBACK_FIELDS
    if request.status is RequestStatus.ANSWERED:
        return (ACTION,)
    return ()


def ask_for(request: FeedbackRequest) -> Ask | None:
    """Return the step to write next in the current status, or None when there is none."""
    fields = fields_of(request)
    if not fields:
        return None
    index = min(request.step, len(fields) - 1)
    field = fields[index]
    quick = request.field(QUICK_FROM[field]) if field in QUICK_FROM else None
    return Ask(request, field, index + 1, len(fields), quick)


def clean(text: str) -> str:
    """Return a field fit to store; raise Invalid or ContainsCpr (nothing is stored)."""
    cleaned = text.strip()
    if not cleaned:
        raise Invalid("empty")
    if len(cleaned) > MAX_FIELD_LENGTH:
        raise Invalid("too long")
    if contains_cpr(cleaned):
        raise ContainsCpr("holds a CPR number")
    return cleaned


def logbook_answers(request: FeedbackRequest, language: str) -> tuple[Answer, ...]:
    """Return what a feedback loop leaves in the logbook: every field that was written."""
    _ = gettext_for(language)
    answers = [
        Answer(name, _(LABELS[name]), value)
        for name in (*SELF_FIELDS, *FEEDBACK_FIELDS)
        if (value := request.field(name))
    ]
    if request.action:
        answers.append(Answer(ACTION, _("Next shift I will"), request.action))
    return tuple(answers)
