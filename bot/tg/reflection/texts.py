"""How reflections, the logbook and goals look in the chat (HTML, in the reader's language)."""

from __future__ import annotations

from collections.abc import Sequence

from babel.dates import format_date
from babel.lists import format_list

from bot.i18n import N_, Gettext
from bot.services.reflection.answering import Finished, Step
from bot.services.reflection.flow import StepText
from bot.services.reflection.logbook import EntryView, SharedEntry
from bot.services.reflection.messages import PromptAction, question_text
from bot.services.reflection.types import EntryStatus, Goal, Page, Reflection
from bot.tg.kit.callbacks import ChoiceData, verb_data
from bot.tg.kit.render import esc

# The callback data of a prompt's choices, "rf:<verb>:<entry id>", as prompt_button parses it.
CHOICE_DATA: dict[str, ChoiceData] = {
    PromptAction.ANSWER_NOW: verb_data("rf", "go"),
    PromptAction.SNOOZE: verb_data("rf", "snz"),
    PromptAction.SKIP: verb_data("rf", "skip"),
    PromptAction.HARD_SHIFT: verb_data("rf", "hard"),
    PromptAction.SHORT: verb_data("rf", "short"),
}

MAX_PREVIEW = 60
MAX_BUTTON = 40
STATUS_NAMES = {
    EntryStatus.DONE: N_("finished"),
    EntryStatus.ANSWERING: N_("in progress"),
    EntryStatus.PROMPTED: N_("not answered yet"),
    EntryStatus.SNOOZED: N_("snoozed"),
    EntryStatus.SKIPPED: N_("skipped, kept as written"),
    EntryStatus.EXPIRED: N_("unfinished"),
}
CPR_IN_ANSWER = N_(
    "I did not save that, because it looks like it holds a CPR number. Patients must not be "
    "identifiable in your logbook. Please write it again without CPR numbers, names or other "
    "details that identify the patient."
)


def step_message(step: Step, language: str) -> str:
    """Return the next question as a message."""
    return question_text(
        step.intro, StepText("", step.question), step.number, step.total, language
    )


def finished_message(done: Finished, _: Gettext) -> str:
    """Return the thank-you after the last answer, with a gentle streak."""
    lines = [_("Thank you! Your reflection is saved in your logbook. 🌱")]
    if done.streak >= 2:
        lines.append(_("That is {count} reflections in a row.").format(count=done.streak))
    if done.goals:
        lines.append(_("Does it belong to one of your learning goals?"))
    if done.has_supervisor:
        lines.append(_("It stays private unless you share it with your supervisor."))
    return "\n\n".join(lines)


def finished_keyboard(done: Finished, _: Gettext) -> list[list[tuple[str, str]]]:
    """Return buttons to tie the entry to a goal, share it, or open the logbook."""
    return after_entry_keyboard(done.entry, done.goals, done.has_supervisor, _)


def after_entry_keyboard(
    entry: Reflection, goals: Sequence[Goal], has_supervisor: bool, _: Gettext
) -> list[list[tuple[str, str]]]:
    """Return the buttons under a newly finished entry: a goal to tie it to, share it with
    the supervisor, or open the logbook."""
    rows = [[("🎯 " + _short(g.text), f"rg:{entry.id}:{g.id}")] for g in goals[:5]]
    last = [(_("📖 Logbook"), "lb:p:0")]
    if has_supervisor:
        last.insert(0, (_("Share with my supervisor"), f"rs:{entry.id}:1"))
    return [*rows, last]


def entry_title(entry: Reflection, language: str) -> str:
    """Return a one-line title: the date and the start of the first answer."""
    day = format_date(entry.entry_date, "d. MMM", locale=language)
    first = entry.answers[0].text if entry.answers else "…"
    return f"{day}: {_short(first, MAX_PREVIEW)}"


def entry_message(view: EntryView, language: str, _: Gettext) -> str:
    """Return a whole entry: date, status, goal, sharing, and every question with its answer."""
    entry = view.entry
    day = format_date(entry.entry_date, "full", locale=language)
    lines = [f"<b>{esc(day)}</b>", f"<i>{_(STATUS_NAMES[entry.status])}</i>"]
    if entry.hard_shift:
        lines.append(_("After a hard shift"))
    if view.goal is not None:
        lines.append(_("Learning goal: {goal}").format(goal=esc(view.goal.text)))
    if view.shared_with:
        names = format_list([esc(n) for n in view.shared_with], locale=language)
        lines.append(_("👀 Shared with {names}").format(names=names))
    for answer in entry.answers:
        lines += ["", f"<b>{esc(answer.question)}</b>", esc(answer.text)]
    return "\n".join(lines)


def entry_keyboard(view: EntryView, goals: Sequence[Goal], _: Gettext) -> list:
    """Return buttons for one entry: share or unshare, tie to a goal, back to the list."""
    entry = view.entry
    rows = []
    if view.can_share and entry.answers:
        label = _("Share with my new supervisor too") if view.shared_with else None
        rows.append([(label or _("Share with my supervisor"), f"rs:{entry.id}:1")])
    if view.shared_with:
        rows.append([(_("Stop sharing"), f"rs:{entry.id}:0")])
    for goal in [g for g in goals if g.completed_at is None and g.id != entry.goal_id][:5]:
        rows.append([("🎯 " + _short(goal.text), f"rg:{entry.id}:{goal.id}")])
    if entry.goal_id is not None:
        rows.append([(_("Remove the learning goal"), f"rg:{entry.id}:0")])
    rows.append([(_("« Back to the logbook"), "lb:p:0")])
    return rows


def page_message(page: Page, language: str, _: Gettext) -> str:
    """Return one page of the logbook."""
    if not page.total:
        return _(
            "Your logbook is empty so far. Your reflections land here; start one with /refleksion."
        )
    lines = [
        "<b>"
        + _("Your logbook")
        + "</b> "
        + _("(page {number} of {pages})").format(number=page.number + 1, pages=page.pages),
        "",
    ]
    lines += [f"• {esc(entry_title(e, language))}" for e in page.entries]
    lines += ["", _("Choose an entry to read it, share it or tie it to a learning goal.")]
    return "\n".join(lines)


def page_keyboard(page: Page, language: str, _: Gettext) -> list:
    """Return a button per entry and the paging buttons."""
    rows = [[(entry_title(e, language), f"lb:e:{e.id}")] for e in page.entries]
    paging = []
    if page.number > 0:
        paging.append((_("« Newer"), f"lb:p:{page.number - 1}"))
    if page.number + 1 < page.pages:
        paging.append((_("Older »"), f"lb:p:{page.number + 1}"))
    return [*rows, paging] if paging else rows


def shared_message(shared: Sequence[SharedEntry], language: str, _: Gettext) -> str:
    """Return what students shared with a supervisor (only shared entries exist here)."""
    if not shared:
        return _("None of your students has shared a reflection with you yet.")
    lines = ["<b>" + _("Reflections shared with you") + "</b>"]
    for item in shared[:10]:
        day = format_date(item.entry.entry_date, "d. MMMM", locale=language)
        lines += ["", f"<b>{esc(item.student)}</b>, {esc(day)}"]
        for answer in item.entry.answers:
            lines += [f"<i>{esc(answer.question)}</i>", esc(answer.text)]
    return "\n".join(lines)


def _short(text: str, limit: int = MAX_BUTTON) -> str:
    """Return text cut to a button's width."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
