"""The /eksport document: everything stored about a person, as Markdown in their language."""

from __future__ import annotations

from bot.i18n import Gettext
from bot.services.feedback.flow import LABELS
from bot.services.feedback.types import FeedbackRequest
from bot.services.identity.domain import Question
from bot.services.privacy.service import PersonalData
from bot.services.reflection.types import Goal, Reflection
from bot.tg.kit.texts import PROFESSION_NAMES, ROLE_NAMES


def export_markdown(data: PersonalData, _: Gettext) -> str:
    """Render a person's data as a Markdown document in their language."""
    p = data.person
    lines = [
        "# " + _("Your data in Praktikbot"),
        "",
        _("Exported {when}").format(when=data.exported_at.strftime("%Y-%m-%d %H:%M UTC")),
        "",
        "## " + _("Profile"),
    ]
    profile = [
        (_("Name"), p.display_name),
        (_("Telegram id"), str(p.telegram_id)),
        (_("Language"), p.language),
        (_("Time zone"), p.timezone),
        (_("Consent given"), p.consent_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    lines += [f"- {label}: {value}" for label, value in profile]
    lines += ["", "## " + _("Cohorts")]
    for m in data.memberships:
        c = m.cohort
        lines.append(
            f"- {c.name} ({_(PROFESSION_NAMES[c.profession])}, {c.starts_on} – {c.ends_on}): "
            f"{_(ROLE_NAMES[m.role])}"
        )
    if data.supervisors:
        lines += ["", "## " + _("Your supervisors"), *[f"- {n}" for n in data.supervisors]]
    if data.students:
        lines += ["", "## " + _("Your students"), *[f"- {n}" for n in data.students]]
    lines += _goals_section(data.goals, _) + _reflections_section(data.reflections, _)
    lines += _feedback_section(data.feedback, _)
    return "\n".join(lines + _questions_section(data.questions, _)) + "\n"


def _goals_section(goals: list[Goal], _: Gettext) -> list[str]:
    """Return the learning goals as a Markdown section (nothing when there are none)."""
    if not goals:
        return []
    lines = ["", "## " + _("Your learning goals")]
    for goal in goals:
        done = (
            " " + _("(reached {day})").format(day=f"{goal.completed_at:%Y-%m-%d}")
            if goal.completed_at
            else ""
        )
        lines.append(f"- {goal.text}{done}")
    return lines


def _reflections_section(entries: list[Reflection], _: Gettext) -> list[str]:
    """Return every written reflection with its questions and answers."""
    written = [e for e in entries if e.answers]
    if not written:
        return []
    lines = ["", "## " + _("Your reflections")]
    for entry in written:
        lines += ["", f"### {entry.entry_date:%Y-%m-%d}"]
        if entry.shared_at is not None:
            lines.append("_" + _("Shared with your supervisor") + "_")
        for answer in entry.answers:
            lines += ["", f"**{answer.question}**", "", answer.text]
    return lines


def _feedback_section(requests: list[FeedbackRequest], _: Gettext) -> list[str]:
    """Return feedback requests not (yet) in the logbook, with what was written."""
    if not requests:
        return []
    lines = ["", "## " + _("Your feedback requests (not in the logbook)")]
    for request in requests:
        lines += ["", f"### {request.created_at:%Y-%m-%d} ({request.status.value})"]
        for name, label in LABELS.items():
            if value := request.field(name):
                lines += ["", f"**{_(label)}**", "", value]
    return lines


def _questions_section(questions: list[Question], _: Gettext) -> list[str]:
    """Return the person's questions as a Markdown section (nothing when there are none)."""
    if not questions:
        return []
    lines = ["", "## " + _("Your questions")]
    for question in questions:
        lines += _question_lines(question, _)
    return lines


def _question_lines(question: Question, _: Gettext) -> list[str]:
    """Return one question with what became of it, as Markdown list items."""
    lines = [f"- {question.asked_at:%Y-%m-%d %H:%M UTC}: {question.text}"]
    if question.answer:
        lines.append("  - " + _("My answer: {answer}").format(answer=question.answer))
    if question.helpful is not None:
        vote = _("helpful") if question.helpful else _("not helpful")
        lines.append("  - " + _("Your rating: {vote}").format(vote=vote))
    if question.handed_off_at:
        lines.append("  - " + _("Passed on to a coordinator"))
    if question.reply:
        lines.append(
            "  - " + _("Answer from your coordinator: {reply}").format(reply=question.reply)
        )
    return lines
