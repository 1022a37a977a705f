"""Messages the reflection services put in the outbox, rendered in the student's language
(the outbox stores messages ready to send). A prompt offers choices (`PromptAction` on the
entry); the Telegram side makes them buttons."""

from __future__ import annotations

import html
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.i18n import N_, gettext_for
from bot.services.delivery.choices import Choice, with_choices
from bot.services.reflection.flow import StepText
from bot.services.reflection.types import Reflection


class PromptAction(StrEnum):
    """What a reflection prompt offers; the target is the entry."""

    ANSWER_NOW = "reflection.answer_now"
    SNOOZE = "reflection.snooze"
    SKIP = "reflection.skip"
    HARD_SHIFT = "reflection.hard_shift"
    SHORT = "reflection.short"


PRIVACY_HINT = N_("Write without names or other details that could identify a patient.")
STEP_COUNTER = N_("Question {number} of {total}")
BUTTON_NOW = N_("✍️ Answer now")
BUTTON_SNOOZE = N_("⏰ In 1 hour")
BUTTON_SKIP = N_("Skip today")
BUTTON_HARD = N_("😣 Hard shift")
BUTTON_SHORT = N_("Short version instead")
REMINDER = N_("A gentle reminder:")
SHARED_NOTICE = N_(
    "{name} has shared a reflection with you. Read it with /delt. "
    "It stays private between the two of you."
)
FREE_HEADING = N_("In my own words")
RETENTION_REMINDER = N_(
    "Your placement in {cohort} has ended. Your reflections and learning goals will be "
    "deleted on {date}, as promised when you joined. Send /eksport to keep a copy."
)


def free_heading(language: str) -> str:
    """Return the heading of an entry the student wrote freely, as stored in the logbook."""
    return gettext_for(language)(FREE_HEADING)


def question_text(
    intro: str | None, step: StepText, number: int, total: int, language: str
) -> str:
    """Return one question as HTML: the intro (first question only), the question, a hint."""
    _ = gettext_for(language)
    lines = [f"<b>{html.escape(intro, quote=False)}</b>", ""] if intro else []
    lines.append(html.escape(step.question, quote=False))
    footer = _(STEP_COUNTER).format(number=number, total=total) + "."
    if number == 1:
        footer += " " + _(PRIVACY_HINT)
    lines += ["", f"<i>{footer}</i>"]
    return "\n".join(lines)


def prompt_choices(entry: Reflection, *, gibbs: bool) -> list[list[Choice]]:
    """Return the prompt's choices: answer now or in an hour, skip, or the other cycle."""
    other = (PromptAction.SHORT, BUTTON_SHORT) if gibbs else (PromptAction.HARD_SHIFT, BUTTON_HARD)
    rows = [
        [(PromptAction.ANSWER_NOW, BUTTON_NOW), (PromptAction.SNOOZE, BUTTON_SNOOZE)],
        [(PromptAction.SKIP, BUTTON_SKIP), other],
    ]
    return [[Choice(action, entry.id, label) for action, label in row] for row in rows]


def prompt_payload(
    entry: Reflection,
    intro: str,
    first: StepText,
    total: int,
    language: str,
    *,
    gibbs: bool,
    reminder: bool = False,
) -> dict[str, Any]:
    """Return the outbox payload of a prompt (or of its reminder after a snooze)."""
    text = question_text(intro, first, 1, total, language)
    if reminder:
        text = f"{gettext_for(language)(REMINDER)}\n{text}"
    return with_choices({"text": text}, prompt_choices(entry, gibbs=gibbs), language)


def shared_payload(student_name: str, language: str) -> dict[str, Any]:
    """Return the notice to a supervisor that a student shared an entry (no content)."""
    _ = gettext_for(language)
    return {"text": _(SHARED_NOTICE).format(name=html.escape(student_name, quote=False))}


def retention_payload(cohort: str, deletion: datetime | str, language: str) -> dict[str, Any]:
    """Return the reminder to export before reflections are deleted."""
    _ = gettext_for(language)
    return {
        "text": _(RETENTION_REMINDER).format(
            cohort=html.escape(cohort, quote=False), date=html.escape(str(deletion), quote=False)
        )
    }
