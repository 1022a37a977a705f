"""CLI subcommands `report` (a cohort's aggregated figures, as text or CSV) and
`cohort pulse` (switch a cohort's weekly pulse on or off).

The CSV has a header row `figure,value`, then one row per figure (cohort, week_from,
week_to and period_from first). Shares are fractions from 0 to 1, the weekly average and
the pulse means have two decimals, the median time to answer feedback is in hours with one
decimal, and a withheld figure (about fewer than MIN_GROUP students or answers) reads `<5`.
Then `pulse_enabled` (yes/no) and, when on, per week (newest first)
`pulse_<week start>_answers`, `_mean` and `_score_1` to `_score_5`.
"""

from __future__ import annotations

import argparse
import csv
import sys

from bot.bootstrap import open_services
from bot.config import Settings
from bot.services.identity.access import Actor
from bot.services.kernel.figures import MIN_GROUP
from bot.services.kernel.ports import Clock
from bot.services.reports.types import CohortReport, Figure, Unit


def add_parsers(sub: argparse._SubParsersAction, cohort: argparse._SubParsersAction) -> None:
    """Add `report` and `cohort pulse` to the CLI."""
    pulse = cohort.add_parser("pulse", help="switch the anonymous weekly pulse on or off")
    pulse.add_argument("--cohort", required=True, help="cohort id or name")
    switch = pulse.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", dest="enabled", action="store_true", default=None)
    switch.add_argument("--off", dest="enabled", action="store_false")
    report = sub.add_parser("report", help="a cohort's aggregated figures (no names, no texts)")
    report.add_argument("--cohort", required=True, help="cohort id or name")
    report.add_argument(
        "--csv", action="store_true", help="print CSV: a figure,value header, one row per figure"
    )


def csv_value(figure: Figure) -> str:
    """Return a figure as a CSV cell."""
    if figure.value is None:
        return f"<{MIN_GROUP}"
    if figure.unit is Unit.SHARE:
        return f"{figure.value:.3f}"
    if figure.unit in (Unit.PER_WEEK, Unit.MEAN):
        return f"{figure.value:.2f}"
    if figure.unit is Unit.HOURS:
        return f"{figure.value:.1f}"
    return str(int(figure.value))


def text_value(figure: Figure) -> str:
    """Return a figure for the plain-text listing."""
    if figure.value is None:
        return f"fewer than {MIN_GROUP}"
    if figure.unit is Unit.SHARE:
        return f"{figure.value:.0%}"
    if figure.unit is Unit.HOURS:
        return f"{figure.value:.1f} h"
    return csv_value(figure)


def header_rows(report: CohortReport) -> list[tuple[str, str]]:
    """Return what the figures are about: the cohort and the counted period."""
    window = report.window
    return [
        ("cohort", report.cohort.name),
        ("week_from", window.week_start.isoformat(timespec="minutes")),
        ("week_to", window.now.isoformat(timespec="minutes")),
        ("period_from", window.period_from.isoformat()),
    ]


def pulse_rows(report: CohortReport) -> list[tuple[str, Figure]]:
    """Return the pulse figures, week by week (none while the pulse is off)."""
    rows: list[tuple[str, Figure]] = []
    for week in report.pulse:
        key = f"pulse_{week.week_start.isoformat()}"
        rows += [(f"{key}_answers", week.answers), (f"{key}_mean", week.mean)]
        rows += [(f"{key}_score_{n}", f) for n, f in enumerate(week.distribution, start=1)]
    return rows


async def report_cmd(
    args: argparse.Namespace, settings: Settings, clock: Clock | None = None
) -> int:
    """Print a cohort's figures as of now (the clock is injected by tests)."""
    async with open_services(settings, clock) as services:
        cohort = await services.coordination.find_cohort(args.cohort)
        report = await services.reports.cohort_report(Actor.cli(), cohort.id)
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("figure", "value"))
        writer.writerows(header_rows(report))
        writer.writerows((key, csv_value(figure)) for key, figure in report.rows())
        writer.writerow(("pulse_enabled", "yes" if report.pulse_enabled else "no"))
        writer.writerows((key, csv_value(figure)) for key, figure in pulse_rows(report))
        return 0
    for key, value in header_rows(report):
        print(f"{key:<28} {value}")
    sections = [*report.sections(), ("pulse", pulse_rows(report))]
    for section, rows in sections:
        print(f"\n[{section}]")
        if section == "pulse" and not report.pulse_enabled:
            print("off")
        for key, figure in rows:
            print(f"{key:<28} {text_value(figure)}")
    return 0


async def cohort_pulse(
    args: argparse.Namespace, settings: Settings, clock: Clock | None = None
) -> int:
    """Switch a cohort's weekly pulse on or off."""
    async with open_services(settings, clock) as services:
        cohort = await services.coordination.find_cohort(args.cohort)
        changed = await services.pulse.set_enabled(Actor.cli(), cohort.id, args.enabled)
    state = "on" if args.enabled else "off"
    print(f"{cohort.name}: weekly pulse {state}" + ("" if changed else " (unchanged)"))
    return 0


COMMANDS = {("report", None): report_cmd, ("cohort", "pulse"): cohort_pulse}
