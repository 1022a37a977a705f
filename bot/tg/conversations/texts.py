"""How /samtaler looks in the chat (HTML, in the reader's language)."""

from __future__ import annotations

from bot.i18n import N_, Gettext
from bot.services.conversations.messages import ConversationAction, kind_name, long_date
from bot.services.conversations.service import MAX_PLAN_LENGTH, Overview
from bot.services.conversations.types import Conversation
from bot.tg.kit.callbacks import ChoiceData, verb_data
from bot.tg.kit.render import esc

# The callback data of the plan question's choices, as conversation_button parses it:
# "cv:w:<conversation id>" (write the plan), "cv:l:<conversation id>" (not held yet).
CHOICE_DATA: dict[str, ChoiceData] = {
    ConversationAction.WRITE_PLAN: verb_data("cv", "w"),
    ConversationAction.NOT_HELD: verb_data("cv", "l"),
}

MAX_LINES = 30
OWN_TITLE = N_("Your placement conversations")
SUPERVISED_TITLE = N_("Your students' upcoming conversations")
NO_OWN = N_("Your conversations appear here once you are a student in a cohort with dates.")
NO_SUPERVISED = N_("None of your linked students has a conversation coming up.")
PLAN_SAVED = N_("✅ plan in your logbook")
PLAN_MISSING = N_("✍️ plan not written yet")
UPCOMING = N_("coming up")
DATES_NOTE = N_(
    "The dates follow from the placement period; agree on the exact time with your supervisor."
)
WRITE = N_("✍️ Write the plan: {kind}")
REWRITE = N_("✏️ Rewrite the plan: {kind}")
NOT_FOR_YOU = N_("Placement conversations are for students and their supervisors.")
NOT_YET = N_("You can write the plan once the conversation has taken place.")
ALREADY_WRITTEN = N_("You have already written the plan. You can rewrite it from /samtaler.")
ASK_AGAIN = N_("All right. I will ask you again on {date}.")
WRITE_PROMPT = N_(
    "Write the plan from your {kind} ({date}): what you agreed to work on, and how. "
    "At most {limit} characters, without names or other details that could identify a "
    "patient. Or /annuller."
)
REPLACES = N_("It replaces the plan you wrote before.")
TOO_LONG = N_("Please keep the plan to at most {limit} characters, or /annuller.")
SAVED = N_("Thank you! The plan from your {kind} is saved in your logbook. 🌱")
GONE = N_("I could not find that conversation, so I have not saved the text.")
LOGBOOK = N_("📖 Logbook")


def overview_message(overview: Overview, language: str, _: Gettext) -> str:
    """Return a student's conversations and a supervisor's students' upcoming ones."""
    lines: list[str] = []
    if overview.is_student:
        lines += [f"<b>{_(OWN_TITLE)}</b>"]
        lines += [_own_line(c, overview, language, _) for c in overview.own] or [_(NO_OWN)]
        lines += ["", f"<i>{_(DATES_NOTE)}</i>"]
    if overview.is_supervisor:
        if lines:
            lines.append("")
        lines.append(f"<b>{_(SUPERVISED_TITLE)}</b>")
        for talk in overview.supervised[:MAX_LINES]:
            day, kind = long_date(talk.due_on, language), kind_name(talk.kind, _)
            lines.append(f"🗓 {esc(day)}: {esc(kind)}, {esc(talk.student)}")
        if not overview.supervised:
            lines.append(_(NO_SUPERVISED))
    return "\n".join(lines)


def overview_keyboard(overview: Overview, _: Gettext) -> list[list[tuple[str, str]]]:
    """Return a button to write (or rewrite) the plan of each conversation that has passed."""
    rows = []
    for c in overview.own:
        if c.due_on <= overview.today:
            label = REWRITE if c.plan_at else WRITE
            rows.append([(_(label).format(kind=kind_name(c.kind, _)), f"cv:w:{c.id}")])
    return rows


def write_prompt(conversation: Conversation, language: str, _: Gettext) -> str:
    """Return the request to write the plan of a conversation."""
    text = _(WRITE_PROMPT).format(
        kind=kind_name(conversation.kind, _),
        date=long_date(conversation.due_on, language),
        limit=MAX_PLAN_LENGTH,
    )
    return f"{text}\n\n{_(REPLACES)}" if conversation.plan_at else text


def _own_line(c: Conversation, overview: Overview, language: str, _: Gettext) -> str:
    """Return one of the student's conversations with where it stands."""
    if c.plan_at:
        state = _(PLAN_SAVED)
    elif c.due_on <= overview.today:
        state = _(PLAN_MISSING)
    else:
        state = _(UPCOMING)
    day, kind = long_date(c.due_on, language), kind_name(c.kind, _)
    return f"🗓 {esc(day)}: {esc(kind)} ({state})"
