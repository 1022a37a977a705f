"""Messages about handed-off questions that the service puts in the outbox, rendered in the
reader's language (the outbox stores messages ready to send): the question as a coordinator
sees it, offering to answer it, and the answer as the asker gets it.
"""

from __future__ import annotations

import html
from enum import StrEnum
from typing import Any

from bot.i18n import N_, gettext_for
from bot.services.delivery.choices import Choice, with_choices
from bot.services.identity.domain import Question

ABSTAINED = N_("I could not answer it from the documents.")
UNHELPFUL = N_("My answer from the documents did not help.")
WANTS_PERSON = N_("The student would like an answer from a person.")
ASKS_IN_COHORT = N_("A student in {cohort} asks:")
ASKS = N_("A student asks:")
HOW_TO_ANSWER = N_(
    "Press “Answer” (or reply to this message) and write your answer; I pass it on."
)
BUTTON_ANSWER = N_("Answer")
ANSWERED = N_("Your coordinator has answered your question:")
SEARCH_DOWN = N_(
    "Search in the documents is unavailable right now, so questions get no answers from "
    "them. Praktikbot keeps trying and answers again as soon as it works; the bot's log "
    "says why. Everything else works as usual."
)


class QuestionAction(StrEnum):
    """What a forwarded question offers; the target is the question."""

    ANSWER = "question.answer"


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def forward_payload(question: Question, cohort_name: str | None, language: str) -> dict[str, Any]:
    """Return the question for a coordinator: its text and cohort (never the asker), offering
    to answer it."""
    _ = gettext_for(language)
    if question.abstained:
        why = _(ABSTAINED)
    elif question.helpful is False:
        why = _(UNHELPFUL)
    else:
        why = _(WANTS_PERSON)
    head = _(ASKS_IN_COHORT).format(cohort=_esc(cohort_name)) if cohort_name else _(ASKS)
    text = "\n".join(
        [f"<b>{head}</b>", f"<i>{_esc(question.text)}</i>", "", why, _(HOW_TO_ANSWER)]
    )
    answer = Choice(QuestionAction.ANSWER, question.id, BUTTON_ANSWER)
    return with_choices({"text": text}, [[answer]], language)


def answer_payload(question: Question, language: str) -> dict[str, Any]:
    """Return a coordinator's answer as the asker receives it, quoting their question."""
    _ = gettext_for(language)
    lines = [
        f"<b>{_(ANSWERED)}</b>",
        f"<i>{_esc(question.text)}</i>",
        "",
        _esc(question.reply or ""),
    ]
    return {"text": "\n".join(lines)}


def search_down_payload(language: str) -> dict[str, Any]:
    """Return the note to a coordinator or admin that search is down (no question, no
    asker: only that it is down)."""
    _ = gettext_for(language)
    return {"text": "⚠️ " + _(SEARCH_DOWN)}
