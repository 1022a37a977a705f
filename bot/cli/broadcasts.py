"""CLI subcommands for bulk work: broadcasts (send, status, cancel) and welcome texts."""

from __future__ import annotations

import argparse
import html
from datetime import UTC, datetime
from pathlib import Path

from bot.bootstrap import open_services
from bot.config import Settings
from bot.services.broadcasts.introductions import PLACEHOLDERS
from bot.services.broadcasts.types import Audience, counts
from bot.services.identity.access import Actor
from bot.services.kernel.local_time import InvalidWhen, parse_local

CLI = Actor.cli()
COUNT_ORDER = ("sent", "failed", "blocked", "pending", "cancelled")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add `broadcast send|status|cancel` to the CLI."""
    broadcast = sub.add_parser("broadcast", help="messages to cohorts").add_subparsers(
        dest="action", required=True
    )
    send = broadcast.add_parser("send", help="send (or schedule) a message to cohorts")
    send.add_argument("--cohort", required=True, action="append", help="id or name; repeatable")
    send.add_argument("--audience", required=True, choices=[a.value for a in Audience])
    send.add_argument("--text-file", required=True, help="plain text (UTF-8), sent as written")
    send.add_argument("--at", help='local time "YYYY-MM-DD HH:MM" (TIMEZONE); default: now')
    for action, text in (("status", "delivery counts"), ("cancel", "cancel what is unsent")):
        broadcast.add_parser(action, help=text).add_argument("id", type=int)


def add_welcome_parser(cohort: argparse._SubParsersAction) -> None:
    """Add `cohort welcome` to the CLI."""
    names = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
    welcome = cohort.add_parser("welcome", help="set the welcome text new students get")
    welcome.add_argument("--cohort", required=True, help="cohort id or name")
    choice = welcome.add_mutually_exclusive_group(required=True)
    choice.add_argument("--text-file", help=f"plain text (UTF-8); placeholders: {names}")
    choice.add_argument("--default", action="store_true", help="use the default text again")


def _read_text(path: str) -> str:
    """Return a text file's content, escaped for Telegram's HTML."""
    return html.escape(Path(path).read_text(encoding="utf-8"), quote=False)


def _when(text: str | None, timezone: str) -> datetime | None:
    """Parse --at, or explain what it must look like."""
    if text is None:
        return None
    try:
        return parse_local(text, timezone, datetime.now(UTC))
    except InvalidWhen as exc:
        raise ValueError(
            f'--at must be a future local time within a year, "YYYY-MM-DD HH:MM" '
            f"({timezone}); {exc.problem.value.replace('_', ' ')}"
        ) from exc


async def broadcast_send(args: argparse.Namespace, settings: Settings) -> int:
    """Put a broadcast in the outbox; print its id and recipient count."""
    text = _read_text(args.text_file)
    send_at = _when(args.at, settings.timezone)
    async with open_services(settings) as services:
        cohorts = [await services.coordination.find_cohort(ref) for ref in args.cohort]
        confirmed = await services.broadcasts.create(
            CLI, [c.id for c in cohorts], Audience(args.audience), text, send_at
        )
    when = f"scheduled for {args.at} ({settings.timezone})" if send_at else "sending now"
    print(f"broadcast {confirmed.broadcast.id}: {confirmed.recipients} recipients, {when}")
    print("the running bot sends it (praktikbot run, or praktikbot dispatch)")
    return 0


async def broadcast_status(args: argparse.Namespace, settings: Settings) -> int:
    """Print a broadcast's delivery counts (the same as its confirmation in the chat)."""
    async with open_services(settings) as services:
        state = await services.broadcast_reports.state(CLI, args.id)
    shown = counts(state.report)
    numbers = ", ".join(f"{key} {shown[key]}" for key in COUNT_ORDER)
    broadcast = state.broadcast
    print(f"broadcast {broadcast.id} ({broadcast.status}): {broadcast.recipients} recipients")
    print(numbers)
    return 0


async def broadcast_cancel(args: argparse.Namespace, settings: Settings) -> int:
    """Cancel a broadcast's unsent messages."""
    async with open_services(settings) as services:
        broadcast, cancelled = await services.broadcast_reports.cancel(CLI, args.id)
    print(f"broadcast {broadcast.id} ({broadcast.status}): {cancelled} messages cancelled")
    return 0


async def cohort_welcome(args: argparse.Namespace, settings: Settings) -> int:
    """Set (or reset) a cohort's welcome text."""
    text = None if args.default else _read_text(args.text_file)
    async with open_services(settings) as services:
        cohort = await services.coordination.find_cohort(args.cohort)
        await services.introductions.set_welcome(CLI, cohort.id, text)
    print(f"welcome text of {cohort.name}: {'default' if text is None else 'set'}")
    return 0


COMMANDS = {
    ("broadcast", "send"): broadcast_send,
    ("broadcast", "status"): broadcast_status,
    ("broadcast", "cancel"): broadcast_cancel,
    ("cohort", "welcome"): cohort_welcome,
}
