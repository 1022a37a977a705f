"""CLI subcommands for operators and coordinators: structures, invites, links."""

from __future__ import annotations

import argparse
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.bootstrap import open_services, resolve_bot_username
from bot.cli.knowledge import add_guide, read_guide
from bot.config import Settings
from bot.qr import invite_link, write_qr
from bot.services.identity.access import Actor
from bot.services.identity.domain import Profession, Role
from bot.storage import migrate
from bot.storage.db import create_engine

CLI = Actor.cli()
Handler = Callable[[argparse.Namespace, Settings], Awaitable[int]]


def parse_expiry(text: str, timezone: str, now: datetime) -> datetime:
    """Parse '14d', '48h', 'YYYY-MM-DD' (end of that local day) or an ISO datetime."""
    if match := re.fullmatch(r"(\d+)\s*([dh])", text.strip()):
        amount, unit = int(match[1]), match[2]
        return now + (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    zone = ZoneInfo(timezone)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text)
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)
    return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)


def _local(moment: datetime, timezone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M} ({timezone})"


async def migrate_cmd(args: argparse.Namespace, settings: Settings) -> int:
    """Apply (or revert) database migrations."""
    engine = create_engine(settings.resolved_database_url)
    try:
        if args.down:
            await migrate.downgrade(engine, args.down)
        else:
            await migrate.upgrade(engine, args.revision)
    finally:
        await engine.dispose()
    print("database is at", args.down or args.revision)
    return 0


async def department_create(args: argparse.Namespace, settings: Settings) -> int:
    """Create a department (and give it its onboarding guide)."""
    guide = read_guide(args.guide) if args.guide else None  # a bad path stops before anything
    async with open_services(settings) as services:
        dept = await services.coordination.create_department(
            CLI, args.name, args.organisation, args.key
        )
    print(f"department {dept.id} created: {dept.name} (key: {dept.key})")
    if guide is not None:
        await add_guide(settings, dept.key, args.guide.name, guide)
    return 0


async def department_guide(args: argparse.Namespace, settings: Settings) -> int:
    """Give a department its onboarding guide."""
    await add_guide(settings, args.department, args.path.name, read_guide(args.path))
    return 0


async def department_list(args: argparse.Namespace, settings: Settings) -> int:
    """List departments."""
    async with open_services(settings) as services:
        for dept in await services.coordination.list_departments():
            print(f"{dept.id}\t{dept.key}\t{dept.name}")
    return 0


async def cohort_create(args: argparse.Namespace, settings: Settings) -> int:
    """Create a cohort."""
    async with open_services(settings) as services:
        cohort = await services.coordination.create_cohort(
            CLI,
            name=args.name,
            department_ref=args.department,
            profession=Profession(args.profession),
            starts_on=date.fromisoformat(args.start),
            ends_on=date.fromisoformat(args.end),
        )
    print(f"cohort {cohort.id} created: {cohort.name} ({cohort.starts_on} – {cohort.ends_on})")
    return 0


async def cohort_list(args: argparse.Namespace, settings: Settings) -> int:
    """List cohorts."""
    async with open_services(settings) as services:
        for c in await services.coordination.list_cohorts():
            print(f"{c.id}\t{c.name}\t{c.profession}\t{c.starts_on}\t{c.ends_on}")
    return 0


async def invite_create(args: argparse.Namespace, settings: Settings) -> int:
    """Create an invite; print its link and write its QR code."""
    username = await resolve_bot_username(settings)
    async with open_services(settings) as services:
        cohort = await services.coordination.find_cohort(args.cohort)
        expires = (
            parse_expiry(args.expires, settings.timezone, datetime.now(UTC))
            if args.expires
            else None
        )
        invite = await services.coordination.create_invite(
            CLI, cohort.id, Role(args.role), expires_at=expires, max_uses=args.max_uses
        )
    link = invite_link(username, invite.code)
    path = (
        Path(args.qr) if args.qr else settings.data_dir / "invites" / f"invite-{invite.code}.png"
    )
    write_qr(link, path)
    print(link)
    print(f"code: {invite.code}  role: {invite.role}  cohort: {cohort.name}")
    expiry = _local(invite.expires_at, settings.timezone) if invite.expires_at else "never"
    print(f"expires: {expiry}  max uses: {invite.max_uses or 'unlimited'}")
    print(f"QR code: {path}")
    return 0


async def invite_list(args: argparse.Namespace, settings: Settings) -> int:
    """List a cohort's invites."""
    async with open_services(settings) as services:
        cohort = await services.coordination.find_cohort(args.cohort)
        for i in await services.coordination.list_invites(CLI, cohort.id):
            state = "revoked" if i.revoked else f"{i.uses}/{i.max_uses or '∞'} used"
            expiry = _local(i.expires_at, settings.timezone) if i.expires_at else "never"
            print(f"{i.code}\t{i.role}\t{state}\texpires {expiry}")
    return 0


async def invite_revoke(args: argparse.Namespace, settings: Settings) -> int:
    """Revoke an invite."""
    async with open_services(settings) as services:
        await services.coordination.revoke_invite(CLI, args.code)
    print(f"invite {args.code} revoked")
    return 0


async def invite_grant(args: argparse.Namespace, settings: Settings) -> int:
    """Grant (or withdraw) a coordinator's right to create coordinator invites."""
    async with open_services(settings) as services:
        cohort = await services.coordination.find_cohort(args.cohort)
        person = await services.coordination.grant_coordinator_invites(
            CLI, cohort.id, args.telegram_id, on=not args.withdraw
        )
    verb = "may no longer" if args.withdraw else "may now"
    print(f"person {person.id} {verb} create coordinator invites for {cohort.name}")
    return 0


async def people_list(args: argparse.Namespace, settings: Settings) -> int:
    """List a cohort's students and supervisors with their person ids."""
    async with open_services(settings) as services:
        cohort = await services.coordination.find_cohort(args.cohort)
        people = await services.coordination.cohort_people(CLI, cohort.id)
    for role, group in (("student", people.students), ("supervisor", people.supervisors)):
        for person in group:
            print(f"{person.id}\t{role}\t{person.display_name}")
    return 0


async def link_cmd(args: argparse.Namespace, settings: Settings) -> int:
    """Link a student to a supervisor."""
    async with open_services(settings) as services:
        cohort = await services.coordination.find_cohort(args.cohort)
        change = services.coordination.unlink if args.remove else services.coordination.link
        changed, student, supervisor = await change(CLI, cohort.id, args.student, args.supervisor)
    if args.remove:
        verb = "link removed" if changed else "not linked"
    else:
        verb = "linked" if changed else "already linked"
    print(f"{verb}: {supervisor.display_name} supervises {student.display_name}")
    return 0


async def audit_cmd(args: argparse.Namespace, settings: Settings) -> int:
    """Show the newest audit entries."""
    async with open_services(settings) as services:
        entries = await services.coordination.audit_log(CLI, args.limit)
    for e in entries:
        print(f"{e.at:%Y-%m-%d %H:%M}\t{e.actor}\t{e.action}\tcohort={e.cohort_id}\t{e.details}")
    return 0


COMMANDS: dict[tuple[str, str | None], Handler] = {
    ("migrate", None): migrate_cmd,
    ("department", "create"): department_create,
    ("department", "list"): department_list,
    ("department", "guide"): department_guide,
    ("cohort", "create"): cohort_create,
    ("cohort", "list"): cohort_list,
    ("invite", "create"): invite_create,
    ("invite", "list"): invite_list,
    ("invite", "revoke"): invite_revoke,
    ("invite", "grant"): invite_grant,
    ("people", None): people_list,
    ("link", None): link_cmd,
    ("audit", None): audit_cmd,
}
