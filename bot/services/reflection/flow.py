"""Pure rules of a reflection: its steps, which prompt comes, follow-ups, and the streak."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.services.reflection.prompt_library import Model, Phase, Prompt, PromptLibrary
from bot.services.reflection.types import EntryStatus, Reflection, Schedule

FOLLOWUP_DAYS = 3
PLAN_KEYS = ("now_what", "action_plan")
MAX_PLAN_QUOTE = 300
GIBBS_EVERY = timedelta(days=6)


@dataclass(frozen=True, slots=True)
class StepText:
    """One question of a reflection, in the student's language."""

    key: str
    question: str


@dataclass(frozen=True, slots=True)
class PromptChoice:
    """What a new prompt will be: the prompt and, maybe, yesterday's plan to follow up."""

    prompt: Prompt
    followup_of: int | None = None
    followup_plan: str | None = None


def steps_of(entry: Reflection, library: PromptLibrary, language: str) -> list[StepText]:
    """Return the questions of an entry in order: the follow-up first, then the prompt's."""
    steps: list[StepText] = []
    if entry.followup_plan:
        followup = library.choose(
            Model.ALACT,
            Phase.MIDDLE,
            "other",
            recent={},
            today=entry.entry_date,
            window_days=0,
            seed=entry.id,
        )
        text = followup.question(0, language, plan=entry.followup_plan)
        steps.append(StepText(followup.steps[0].key, text))
    prompt = library.get(entry.prompt_id)
    if prompt is None:  # the library changed since: fall back to a daily prompt
        prompt = library.choose(
            Model.ROLFE,
            Phase.MIDDLE,
            "other",
            recent={},
            today=entry.entry_date,
            window_days=0,
            seed=entry.id,
        )
    for index, step in enumerate(prompt.steps):
        steps.append(StepText(step.key, prompt.question(index, language)))
    return steps


def recent_prompts(entries: Sequence[Reflection]) -> dict[str, date]:
    """Return the last date each prompt was given, from a student's recent entries."""
    recent: dict[str, date] = {}
    for entry in entries:
        if entry.prompt_id not in recent or recent[entry.prompt_id] < entry.entry_date:
            recent[entry.prompt_id] = entry.entry_date
    return recent


def plan_to_follow(entries: Sequence[Reflection], day: date) -> tuple[int, str] | None:
    """Return the newest finished plan from the days before `day` not followed up yet."""
    # A follow-up that was skipped or left to expire unanswered does not count: the plan
    # is offered again on the next shift within the window.
    followed = {
        e.followup_of
        for e in entries
        if e.followup_of is not None and (e.status is EntryStatus.DONE or e.answers)
    }
    earliest = day - timedelta(days=FOLLOWUP_DAYS)
    for entry in sorted(entries, key=lambda e: (e.entry_date, e.id), reverse=True):
        if entry.entry_date >= day or entry.entry_date < earliest:
            continue
        if entry.status is not EntryStatus.DONE or entry.id in followed:
            continue
        plan = next((entry.answer(k) for k in PLAN_KEYS if entry.answer(k)), None)
        if plan:
            return entry.id, _shorten(plan)
    return None


def wants_gibbs(
    schedule: Schedule, library: PromptLibrary, entries: Sequence[Reflection], day: date
) -> bool:
    """Return whether the weekly fuller (Gibbs) reflection is due on this shift date.

    It comes on the student's last working day of the week, at most every six days.
    """
    later_this_week = range(day.weekday() + 1, 7)
    if any(schedule.days >> weekday & 1 for weekday in later_this_week):
        return False
    gibbs = {p.id for p in library.prompts(Model.GIBBS)}
    last = max((e.entry_date for e in entries if e.prompt_id in gibbs), default=None)
    return last is None or day - last >= GIBBS_EVERY


def choose_prompt(
    library: PromptLibrary,
    model: Model,
    phase: Phase,
    profession: str,
    entries: Sequence[Reflection],
    day: date,
    *,
    window_days: int,
    seed: int,
    theme: str | None = None,
) -> Prompt:
    """Choose a prompt the student has not had within the window."""
    return library.choose(
        model,
        phase,
        profession,
        recent=recent_prompts(entries),
        today=day,
        window_days=window_days,
        seed=seed,
        theme=theme,
    )


def streak(entries: Sequence[Reflection]) -> int:
    """Return how many finished reflections in a row end the list.

    Skipped days and prompts still open are neutral; only a prompt left to expire ends it.
    """
    count = 0
    for entry in sorted(entries, key=lambda e: (e.entry_date, e.id), reverse=True):
        if entry.status is EntryStatus.DONE:
            count += 1
        elif entry.status is EntryStatus.EXPIRED:
            break
    return count


def _shorten(text: str) -> str:
    """Return a plan short enough to quote in a message."""
    text = " ".join(text.split())
    if len(text) <= MAX_PLAN_QUOTE:
        return text
    return text[: MAX_PLAN_QUOTE - 1].rstrip() + "…"
