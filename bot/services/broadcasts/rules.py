"""Rules shared by the broadcast services: valid texts, ownership, roles, recipients."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot.services.broadcasts.ports import BroadcastsUnitOfWork
from bot.services.broadcasts.types import (
    TEXT_LIMIT,
    Broadcast,
    BroadcastStatus,
    Step,
    awaiting,
    outgoing,
    visible_text,
)
from bot.services.delivery.outbox import OutgoingMessage
from bot.services.identity.access import Actor, coordinated_cohorts
from bot.services.identity.domain import Cohort, Person
from bot.services.kernel.cpr import contains_cpr
from bot.services.kernel.errors import ContainsCpr, Invalid, NotAllowed, NotFound


def clean_broadcast_text(markup: str, limit: int = TEXT_LIMIT) -> str:
    """Return the HTML text when its visible part is usable; raise Invalid or ContainsCpr."""
    visible = visible_text(markup).strip()
    if not visible:
        raise Invalid("empty")
    if len(visible) > limit:
        raise Invalid("too long")
    if contains_cpr(visible):
        raise ContainsCpr("holds a CPR number")
    return markup.strip()


def safe_file_name(name: str, fallback: str) -> str:
    """Return a file name without folders or odd characters (the extension is kept)."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name or "").name).strip("._")
    return base[-80:] or fallback


def messages_for(
    broadcast: Broadcast, people: Sequence[Person], due: datetime
) -> list[OutgoingMessage]:
    """Return one outbox message per recipient, keyed so a repeat adds nothing."""
    kind, payload = outgoing(broadcast)
    return [
        OutgoingMessage(
            chat_id=person.telegram_id,
            payload=payload,
            origin=broadcast.origin,
            not_before=due,
            kind=kind,
            person_id=person.id,
            dedupe_key=f"{broadcast.origin}:{person.id}",
        )
        for person in people
    ]


async def recipients(uow: BroadcastsUnitOfWork, broadcast: Broadcast) -> list[Person]:
    """Return the active people the broadcast reaches, each once (in two cohorts too)."""
    if broadcast.audience is None:
        return []
    found: dict[int, Person] = {}
    for cohort_id in broadcast.cohort_ids:
        for role in broadcast.audience.roles():
            for person in await uow.memberships.people_in(cohort_id, role):
                if person.active:
                    found.setdefault(person.id, person)
    return list(found.values())


async def require_cohorts(
    uow: BroadcastsUnitOfWork, actor: Actor, broadcast: Broadcast
) -> tuple[Cohort, ...]:
    """Return the broadcast's cohorts; raise unless there is one and the actor coordinates
    every one of them."""
    if not broadcast.cohort_ids:
        raise Invalid("no cohort chosen")
    allowed = {c.id: c for c in await coordinated_cohorts(uow, actor)}
    if any(cohort_id not in allowed for cohort_id in broadcast.cohort_ids):
        raise NotAllowed("not a coordinator of every cohort")
    return tuple(allowed[cohort_id] for cohort_id in broadcast.cohort_ids)


async def own_draft(uow: BroadcastsUnitOfWork, actor: Actor, broadcast_id: int) -> Broadcast:
    """Return the actor's own draft; raise NotFound when it is gone or already confirmed."""
    draft = await own(uow, actor, broadcast_id)
    if draft.status is not BroadcastStatus.DRAFT:
        raise NotFound("draft")
    return draft


async def own(uow: BroadcastsUnitOfWork, actor: Actor, broadcast_id: int) -> Broadcast:
    """Return a broadcast the actor wrote; raise NotAllowed for anyone else's."""
    broadcast = await uow.broadcasts.get(broadcast_id)
    if broadcast is None:
        raise NotFound("broadcast")
    if broadcast.created_by != actor.person_id:
        raise NotAllowed("not the author")
    return broadcast


async def wait_for(
    uow: BroadcastsUnitOfWork, actor: Actor, step: Step | None, broadcast_id: int
) -> Person | None:
    """Set (or clear) what the author's next message is for; return the author."""
    if actor.person_id is None:
        return None
    return await uow.people.update(
        actor.person_id, awaiting=awaiting(step, broadcast_id) if step else None
    )
