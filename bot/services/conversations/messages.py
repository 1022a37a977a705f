"""Messages about placement conversations, rendered in the reader's language for the outbox:
reminders with R2C2 preparation questions (Sargeant's model: build the Relationship, explore
Reactions, explore the Content, Coach for change) and the question about the agreed plan,
which offers two choices (`ConversationAction` on the conversation)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from babel.dates import format_date
from babel.lists import format_list

from bot.i18n import N_, Gettext, gettext_for
from bot.services.conversations.types import Kind
from bot.services.delivery.choices import Choice, with_choices


class ConversationAction(StrEnum):
    """What the question about the plan offers; the target is the conversation."""

    WRITE_PLAN = "conversation.write_plan"
    NOT_HELD = "conversation.not_held"


KIND_NAMES = {
    Kind.EXPECTATION: N_("expectation conversation"),
    Kind.MIDWAY: N_("midway evaluation"),
    Kind.FINAL: N_("final evaluation"),
}
PURPOSES = {
    Kind.EXPECTATION: N_(
        "The purpose: learning goals, what you expect of each other, and how you will work "
        "together."
    ),
    Kind.MIDWAY: N_(
        "The purpose: progress on the learning goals so far, and what the second half of the "
        "placement should focus on."
    ),
    Kind.FINAL: N_(
        "The purpose: an evaluation of the whole placement, what has been learned and what "
        "comes next."
    ),
}
R2C2_LABELS = (N_("Relationship"), N_("Reactions"), N_("Content"), N_("Coaching"))
R2C2_ICONS = ("🤝", "💬", "📋", "🎯")
STUDENT_QUESTIONS = (
    N_("What do you need from your supervisor to feel safe asking questions and trying things?"),
    N_(
        "How do you feel about the placement so far and the feedback you have had? "
        "What surprised you?"
    ),
    N_(
        "Which learning goals and situations do you want to talk about? "
        "Bring one or two concrete examples."
    ),
    N_("What do you want to try next, and what help do you need to get there?"),
)
SUPERVISOR_QUESTIONS = (
    N_(
        "Start by asking how the placement is going for the student, and show that questions "
        "are welcome."
    ),
    N_(
        "Ask how the student sees their own progress and the feedback so far; listen before "
        "you give your view."
    ),
    N_(
        "Choose one or two concrete observations to share, and check that you understand them "
        "the same way."
    ),
    N_("Help the student choose one goal and a next step, and agree on when you follow it up."),
)
STUDENT_REMINDER = N_("🗓 <b>Your {kind} is planned for {date}</b>")
SUPERVISOR_REMINDER = N_("🗓 <b>{kind} with {names}, planned for {date}</b>")
AGREE_TIME = N_("Agree on the exact time with each other.")
PREPARE = N_("Prepare with four questions (the R2C2 model):")
STUDENT_AFTER = N_(
    "Afterwards I will ask you for the plan you agreed; it goes into your private logbook. "
    "/samtaler shows all your conversations."
)
SUPERVISOR_AFTER = N_(
    "Afterwards I ask the student to write down the plan you agreed; it stays in their "
    "private logbook. /samtaler shows your students' conversations."
)
ASK_PLAN = N_("How did your {kind} on {date} go?")
ASK_PLAN_HOW = N_(
    "Write down the plan you agreed with your supervisor: what you will work on, and how. "
    "It goes into your private logbook."
)
BUTTON_WRITE = N_("✍️ Write the plan")
BUTTON_LATER = N_("Not held yet – ask me in 3 days")
PLAN_QUESTION = N_("The plan from your {kind} ({date})")
DATE_PATTERNS = {"da": "EEEE 'den' d. MMMM", "en": "EEEE d MMMM"}


def long_date(day: date, language: str) -> str:
    """Return a date as people say it: "torsdag den 4. marts", "Thursday 4 March"."""
    return format_date(day, DATE_PATTERNS.get(language, "EEEE d MMMM"), locale=language)


def kind_name(kind: Kind, _: Gettext, *, capital: bool = False) -> str:
    """Return the name of a conversation kind, capitalised at the start of a sentence."""
    name = _(KIND_NAMES[kind])
    return name[:1].upper() + name[1:] if capital else name


def student_reminder(kind: Kind, day: date, language: str) -> dict[str, Any]:
    """Return the reminder to a student, with R2C2 questions for their side."""
    _ = gettext_for(language)
    title = _(STUDENT_REMINDER).format(kind=kind_name(kind, _), date=long_date(day, language))
    return {"text": _body(title, kind, STUDENT_QUESTIONS, STUDENT_AFTER, _)}


def supervisor_reminder(
    kind: Kind, day: date, students: Sequence[str], language: str
) -> dict[str, Any]:
    """Return the reminder to a supervisor for one or more students' same conversation."""
    _ = gettext_for(language)
    names = format_list([html.escape(n, quote=False) for n in students], locale=language)
    title = _(SUPERVISOR_REMINDER).format(
        kind=kind_name(kind, _, capital=True), names=names, date=long_date(day, language)
    )
    return {"text": _body(title, kind, SUPERVISOR_QUESTIONS, SUPERVISOR_AFTER, _)}


def plan_question(kind: Kind, day: date, conversation_id: int, language: str) -> dict[str, Any]:
    """Return the question about the agreed plan, with its two choices."""
    _ = gettext_for(language)
    text = "\n\n".join(
        [
            _(ASK_PLAN).format(kind=kind_name(kind, _), date=long_date(day, language)),
            _(ASK_PLAN_HOW),
        ]
    )
    rows = [
        [Choice(ConversationAction.WRITE_PLAN, conversation_id, BUTTON_WRITE)],
        [Choice(ConversationAction.NOT_HELD, conversation_id, BUTTON_LATER)],
    ]
    return with_choices({"text": text}, rows, language)


def plan_heading(kind: Kind, day: date, language: str) -> str:
    """Return the question the plan answers, as stored in the logbook."""
    _ = gettext_for(language)
    return _(PLAN_QUESTION).format(kind=kind_name(kind, _), date=long_date(day, language))


def _body(title: str, kind: Kind, questions: Sequence[str], after: str, _: Gettext) -> str:
    """Return a reminder: title, purpose, the four R2C2 questions and what comes after."""
    lines = [title, f"{_(PURPOSES[kind])} {_(AGREE_TIME)}", "", _(PREPARE)]
    for icon, label, question in zip(R2C2_ICONS, R2C2_LABELS, questions, strict=True):
        lines.append(f"{icon} <b>{_(label)}</b>: {_(question)}")
    return "\n".join([*lines, "", f"<i>{_(after)}</i>"])
