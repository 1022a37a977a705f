"""CLI subcommands for reflection: a cohort's default prompt schedule, and checking the
prompt library after editing it."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from bot.bootstrap import open_services
from bot.config import Settings
from bot.services.identity.access import Actor
from bot.services.reflection.prompt_library import PromptLibrary
from bot.services.reflection.types import Shift

CLI = Actor.cli()
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def add_parsers(sub: argparse._SubParsersAction, cohort: argparse._SubParsersAction) -> None:
    """Add `cohort prompts` and `prompts check` to the CLI."""
    defaults = cohort.add_parser("prompts", help="the default reflection schedule of a cohort")
    defaults.add_argument("--cohort", required=True, help="cohort id or name")
    defaults.add_argument("--shift", required=True, choices=[s.value for s in Shift])
    defaults.add_argument("--days", default="mon-fri", help="e.g. mon-fri, mon,wed,fri, mon-sun")
    defaults.add_argument("--time", help="a fixed time HH:MM instead of after the shift")
    defaults.add_argument(
        "--apply", action="store_true", help="also reset the cohort's students to it"
    )
    prompts = sub.add_parser("prompts", help="the reflection prompt library").add_subparsers(
        dest="action", required=True
    )
    check = prompts.add_parser("check", help="validate the library and count its prompts")
    check.add_argument("folder", nargs="?", help="default: PROMPTS_DIR")


def parse_days(text: str) -> int:
    """Return a weekday bit mask (Monday = bit 0) from "mon-fri" or "mon,wed,fri"."""
    mask = 0
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"--days: unknown day in {part!r}; use {', '.join(WEEKDAYS)}")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        for day in range(start, end + 1) if start <= end else (*range(start, 7), *range(end + 1)):
            mask |= 1 << day
    return mask


def parse_time(text: str | None) -> int | None:
    """Return minutes after midnight from HH:MM, or None."""
    if text is None:
        return None
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        raise ValueError("--time must be HH:MM")
    return int(hours) * 60 + int(minutes)


async def cohort_prompts(args: argparse.Namespace, settings: Settings) -> int:
    """Set a cohort's default reflection schedule."""
    async with open_services(settings) as services:
        cohort = await services.coordination.find_cohort(args.cohort)
        cohort, changed = await services.schedules.set_cohort_defaults(
            CLI,
            cohort.id,
            shift=Shift(args.shift),
            days=parse_days(args.days),
            minutes=parse_time(args.time),
            apply=args.apply,
        )
    when = args.time or f"after the {args.shift} shift"
    print(f"{cohort.name}: prompts {when} on {args.days}; {changed} student schedules reset")
    return 0


async def prompts_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the prompt library and print how many prompts each model has."""
    folder = Path(args.folder) if args.folder else settings.resolved_prompts_dir
    library = PromptLibrary.load(folder)
    counts = Counter(p.model.value for p in library.prompts())
    print(
        f"{folder}: {len(library)} prompts ok ("
        + ", ".join(f"{m} {n}" for m, n in sorted(counts.items()))
        + ")"
    )
    return 0


COMMANDS = {("cohort", "prompts"): cohort_prompts, ("prompts", "check"): prompts_check}
