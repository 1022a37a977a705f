"""The `praktikbot` command: run the bot, migrate, and coordinator bulk work."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli import admin, broadcasts, knowledge, questions, reflection, reports
from bot.cli.running import MISSING_TOKEN, dispatch, serve
from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging
from bot.services.identity.domain import Profession, Role
from bot.services.kernel.errors import ServiceError


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="praktikbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (applies migrations first)")
    sub.add_parser(
        "dispatch",
        help="run only the outbox dispatcher (for availability: OUTBOX_RATE is per process, "
        "so divide the bot's limit among the dispatchers)",
    )
    db = sub.add_parser("migrate", help="apply database migrations")
    db.add_argument("--revision", default="head", help="target revision (default: head)")
    db.add_argument("--down", metavar="REV", help="downgrade to REV instead (e.g. base)")

    dept = sub.add_parser("department", help="departments").add_subparsers(
        dest="action", required=True
    )
    create = dept.add_parser("create", help="create a department")
    create.add_argument("name")
    create.add_argument("--organisation", required=True, help="e.g. 'Region Hovedstaden'")
    create.add_argument("--key", help="short key used to scope documents (default: from name)")
    create.add_argument(
        "--guide", type=Path, help="its onboarding guide (.md, .pdf or .docx), indexed for it"
    )
    dept.add_parser("list", help="list departments")
    guide = dept.add_parser(
        "guide", help="give a department its onboarding guide (copied to DATA_DIR/knowledge)"
    )
    guide.add_argument("department", help="department id, key or name")
    guide.add_argument("path", type=Path, help="the guide: .md, .pdf or .docx")

    cohort = sub.add_parser("cohort", help="cohorts (hold)").add_subparsers(
        dest="action", required=True
    )
    create = cohort.add_parser("create", help="create a cohort")
    create.add_argument("--name", required=True)
    create.add_argument("--department", required=True, help="department id, key or name")
    create.add_argument("--profession", required=True, choices=[p.value for p in Profession])
    create.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
    create.add_argument("--end", required=True, help="last day, YYYY-MM-DD")
    cohort.add_parser("list", help="list cohorts")
    broadcasts.add_welcome_parser(cohort)
    reflection.add_parsers(sub, cohort)

    invite = sub.add_parser("invite", help="invite links").add_subparsers(
        dest="action", required=True
    )
    create = invite.add_parser("create", help="create an invite link and QR code")
    create.add_argument("--cohort", required=True, help="cohort id or name")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--expires", help="YYYY-MM-DD (end of that day), or a duration: 14d, 48h")
    create.add_argument("--max-uses", type=int, help="how many people may use it")
    create.add_argument("--qr", help="where to write the QR PNG (default: DATA_DIR/invites/)")
    lst = invite.add_parser("list", help="list a cohort's invites")
    lst.add_argument("--cohort", required=True)
    revoke = invite.add_parser("revoke", help="withdraw an invite")
    revoke.add_argument("code")
    grant = invite.add_parser(
        "grant", help="let a coordinator create coordinator invites for a cohort in the chat"
    )
    grant.add_argument("--cohort", required=True)
    grant.add_argument("--telegram-id", type=int, required=True)
    grant.add_argument("--withdraw", action="store_true", help="take the right back")

    people = sub.add_parser("people", help="list a cohort's people with their ids")
    people.add_argument("--cohort", required=True)
    link = sub.add_parser("link", help="make a supervisor responsible for a student")
    link.add_argument("--cohort", required=True)
    link.add_argument("--student", required=True, type=int, help="person id (see `people`)")
    link.add_argument("--supervisor", required=True, type=int, help="person id (see `people`)")
    link.add_argument("--remove", action="store_true", help="undo the link (both are told)")
    audit = sub.add_parser("audit", help="show the newest privileged actions")
    audit.add_argument("--limit", type=int, default=30)
    knowledge.add_parsers(sub)
    questions.add_parsers(sub)
    broadcasts.add_parsers(sub)
    reports.add_parsers(sub, cohort)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `praktikbot` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.secrets())
    try:
        if args.command in ("run", "dispatch"):
            if settings.token is None:
                print(MISSING_TOKEN, file=sys.stderr)
                return 2
            asyncio.run(serve(settings) if args.command == "run" else dispatch(settings))
            return 0
        return asyncio.run(_dispatch(args, settings))
    except (ServiceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    commands = (
        admin.COMMANDS
        | knowledge.COMMANDS
        | questions.COMMANDS
        | broadcasts.COMMANDS
        | reflection.COMMANDS
        | reports.COMMANDS
    )
    handler = commands[(args.command, getattr(args, "action", None))]
    return await handler(args, settings)
