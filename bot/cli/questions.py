"""CLI subcommand for operators: the knowledge gaps (questions the documents did not answer)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.bootstrap import open_services
from bot.config import Settings
from bot.services.identity.access import Actor
from bot.services.questions.gaps import Gap


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add `gaps` to the CLI."""
    gaps = sub.add_parser("gaps", help="questions the documents did not answer well")
    gaps.add_argument(
        "--cohort", help="only this cohort (id or name); default: all, anonymous too"
    )
    gaps.add_argument("--json", action="store_true", help="print JSON")


def as_dict(gap: Gap) -> dict[str, object]:
    """Return a gap as plain JSON-ready data."""
    return {
        "question": gap.text,
        "count": gap.count,
        "last_asked": gap.last_asked.isoformat(),
        "reasons": sorted(r.value for r in gap.reasons),
        "cohorts": sorted(c for c in gap.cohort_ids if c is not None),
        "anonymous": None in gap.cohort_ids,
    }


async def gaps_cmd(args: argparse.Namespace, settings: Settings) -> int:
    """Print the knowledge gaps, newest first."""
    async with open_services(settings) as services:
        cohort_id = (
            (await services.coordination.find_cohort(args.cohort)).id if args.cohort else None
        )
        gaps = await services.questions.gaps(Actor.cli(), cohort_id)
    rows: list[dict[str, Any]] = [as_dict(g) for g in gaps]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no knowledge gaps")
    for row in rows:
        reasons = ",".join(row["reasons"])
        print(f"{row['count']}x\t{row['last_asked'][:16]}\t{reasons}\t{row['question']}")
    return 0


COMMANDS = {("gaps", None): gaps_cmd}
