"""How feedback looks in the chat: the questions of each step, and what comes after."""

from __future__ import annotations

from collections.abc import Sequence

from bot.i18n import N_, Gettext
from bot.services.feedback.flow import ACTION, Ask
from bot.services.feedback.messages import FeedbackAction
from bot.services.feedback.service import Ready, Saved
from bot.services.feedback.supervisor import Waiting
from bot.tg.kit.callbacks import ChoiceData, verb_data

# The callback data of the outbox's feedback choices: the student's "fb:<verb>:<request id>"
# and the supervisor's "fq:<verb>:<request id>", as student_button and supervisor_button
# parse them.
CHOICE_DATA: dict[str, ChoiceData] = {
    FeedbackAction.START: verb_data("fb", "new"),
    FeedbackAction.NOT_TODAY: verb_data("fb", "later"),
    FeedbackAction.NEXT_ACTION: verb_data("fb", "act"),
    FeedbackAction.RECORD_VERBAL: verb_data("fb", "verbal"),
    FeedbackAction.ANSWER: verb_data("fq", "go"),
    FeedbackAction.PASS: verb_data("fq", "pass"),
    FeedbackAction.DECLINE: verb_data("fq", "no"),
}

# The student's self-assessment (Ask-Tell-Ask: first the student's own view).
STUDENT_QUESTIONS = {
    "situation": N_(
        "Which situation do you want feedback on? One or two sentences, without patient names."
    ),
    "went_well": N_("What went well, in your own view?"),
    "improve": N_("What do you want to improve?"),
    # Verbal feedback the student records: what the supervisor or colleague said.
    "fb_situation": N_("Which situation was the feedback about?"),
    "fb_behaviour": N_("What did they say about what you did (the behaviour)?"),
    "fb_impact": N_("What impact did it have, according to them?"),
    "fb_well": N_("One thing that went well, according to them:"),
    "fb_adjust": N_("One thing to adjust, according to them:"),
    ACTION: N_("Next shift I will … (one concrete action)"),
}
SUPERVISOR_QUESTIONS = {
    "fb_situation": N_("<b>Situation</b>: which situation is your feedback about?"),
    "fb_behaviour": N_(
        "<b>Behaviour</b>: what did you see the student do? Describe it concretely."
    ),
    "fb_impact": N_(
        "<b>Impact</b>: what effect did it have, on the patient, the team or the task?"
    ),
    "fb_well": N_("One thing that <b>went well</b>:"),
    "fb_adjust": N_("One thing to <b>adjust</b> next time:"),
}
QUICK_LABELS = {
    "fb_situation": N_("📌 As described"),
    "fb_well": N_("👍 Agree with the self-assessment"),
    "fb_adjust": N_("👍 Agree with the self-assessment"),
}
STEP = N_("Step {number} of {total}.")
FREE_TEXT = N_("Write your answer; a few words are enough.")
CLOSED = N_("That feedback request is closed now. /feedback shows what is waiting.")
NOT_VALID = N_("That button is no longer valid.")


def ask_message(ask: Ask, _: Gettext) -> str:
    """Return the question of a step, for whoever writes it."""
    if ask.by_student:
        question = _(STUDENT_QUESTIONS[ask.field])
    else:
        question = _(SUPERVISOR_QUESTIONS[ask.field])
    footer = _(STEP).format(number=ask.number, total=ask.total)
    if ask.quick:
        footer += " " + _(FREE_TEXT)
    return f"{question}\n\n<i>{footer}</i>"


def ask_keyboard(ask: Ask, _: Gettext) -> list[list[tuple[str, str]]]:
    """Return the step's quick button (the student's own words), if it has one."""
    if ask.quick is None or ask.field not in QUICK_LABELS:
        return []
    return [[(_(QUICK_LABELS[ask.field]), f"fk:{ask.request.id}:{ask.field}")]]


def ready_message(ready: Ready, _: Gettext) -> str:
    """Return the choice after the self-assessment."""
    lines = [_("Your self-assessment is ready. 🌱")]
    if ready.supervisors:
        lines.append(
            _(
                "Send it to your supervisor as a feedback request: they answer in the chat "
                "in about a minute. Or record feedback you got in person."
            )
        )
    else:
        lines.append(
            _(
                "You have no linked supervisor yet. Ask someone on your shift for feedback in "
                "person, and record what they say here."
            )
        )
    return "\n\n".join(lines)


def ready_keyboard(ready: Ready, _: Gettext) -> list[list[tuple[str, str]]]:
    """Return a button per supervisor, then verbal feedback and keeping it."""
    request_id = ready.request.id
    rows = [
        [(_("📨 Send to {name}").format(name=p.display_name), f"fs:{request_id}:{p.id}")]
        for p in ready.supervisors[:5]
    ]
    rows.append([(_("📝 Record verbal feedback"), f"fb:verbal:{request_id}")])
    rows.append([(_("Keep it in my logbook"), f"fb:keep:{request_id}")])
    return rows


def saved_message(saved: Saved, _: Gettext) -> str:
    """Return the thank-you when the loop is in the logbook."""
    if saved.request.action:
        return _(
            "Saved in your logbook, with your action for the next shift. Good luck! 🌱\n"
            "/logbog shows it."
        )
    return _("Your self-assessment is kept in your logbook. /logbog shows it.")


def waiting_message(waiting: Sequence[Waiting], _: Gettext) -> str:
    """Return the supervisor's list of requests waiting for them."""
    if not waiting:
        return _("No feedback requests are waiting for you. Thank you! 🌿")
    return _("Feedback requests waiting for you ({count}):").format(count=len(waiting))


def waiting_keyboard(waiting: Sequence[Waiting], _: Gettext) -> list[list[tuple[str, str]]]:
    """Return a button per waiting request."""
    return [
        [(_("💬 {name}").format(name=w.student), f"fq:show:{w.request.id}")] for w in waiting[:20]
    ]
