"""Broadcasts: a coordinator writes a message for their cohorts, previews it and sends it
(now or later) through the outbox. Every step checks the role again on the server."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.services.broadcasts.ports import BroadcastsUnitOfWork
from bot.services.broadcasts.rules import (
    clean_broadcast_text,
    messages_for,
    own,
    own_draft,
    recipients,
    require_cohorts,
    safe_file_name,
    wait_for,
)
from bot.services.broadcasts.types import (
    CAPTION_LIMIT,
    Audience,
    Broadcast,
    BroadcastStatus,
    Confirmed,
    Draft,
    Preview,
    Step,
    awaited_step,
    outgoing,
    waiting,
)
from bot.services.delivery.outbox import MessageKind, OutboxStore
from bot.services.identity.access import Actor, coordinated_cohorts, require_coordinator
from bot.services.identity.domain import Person
from bot.services.kernel.errors import Invalid, NotAllowed, NotFound
from bot.services.kernel.local_time import parse_local
from bot.services.kernel.ports import Clock, UnitOfWorkFactory

DRAFT = (BroadcastStatus.DRAFT,)


class BroadcastService:
    """Writes, previews and confirms broadcasts."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[BroadcastsUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        files_dir: Path,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._files = files_dir

    async def start(self, actor: Actor) -> Draft:
        """Open a new draft (an unfinished older one is dropped); coordinators only."""
        async with self._uow() as uow:
            cohorts = tuple(await coordinated_cohorts(uow, actor))
            if not cohorts or actor.person_id is None:
                raise NotAllowed("not a coordinator")
            for old in await uow.broadcasts.with_status(DRAFT, actor.person_id):
                await uow.broadcasts.update(old.id, status=BroadcastStatus.CANCELLED)
            chosen = [cohorts[0].id] if len(cohorts) == 1 else []
            draft = await uow.broadcasts.add(actor.person_id, chosen, self._clock.now())
            await uow.people.update(actor.person_id, awaiting=None)
            await uow.commit()
        return Draft(draft, cohorts)

    async def toggle(self, actor: Actor, broadcast_id: int, cohort_id: int) -> Draft:
        """Add a cohort the actor coordinates to the draft, or take it out again."""
        async with self._uow() as uow:
            draft = await own_draft(uow, actor, broadcast_id)
            if await uow.cohorts.get(cohort_id) is None:
                raise NotFound(f"cohort {cohort_id}")
            await require_coordinator(uow, actor, cohort_id)
            chosen = sorted(set(draft.cohort_ids) ^ {cohort_id})
            draft = await uow.broadcasts.update(draft.id, cohort_ids=chosen)
            cohorts = tuple(await coordinated_cohorts(uow, actor))
            await uow.commit()
        return Draft(draft, cohorts)

    async def cohorts_chosen(self, actor: Actor, broadcast_id: int) -> Draft:
        """Return the draft once at least one cohort is chosen (Invalid otherwise)."""
        async with self._uow() as uow:
            draft = await own_draft(uow, actor, broadcast_id)
            cohorts = await require_cohorts(uow, actor, draft)
        return Draft(draft, cohorts)

    async def choose_audience(
        self, actor: Actor, broadcast_id: int, audience: Audience
    ) -> Broadcast:
        """Set who receives the draft; the author's next text is the message."""
        return await self._advance(actor, broadcast_id, Step.TEXT, audience=audience)

    async def set_text(self, actor: Actor, broadcast_id: int, markup: str) -> Broadcast:
        """Store the message (HTML); next, an attachment may follow."""
        text = clean_broadcast_text(markup)
        return await self._advance(actor, broadcast_id, Step.FILE, text=text)

    async def _advance(
        self, actor: Actor, broadcast_id: int, step: Step, **fields: object
    ) -> Broadcast:
        """Update the author's draft (cohorts re-checked) and wait for its next step."""
        async with self._uow() as uow:
            draft = await own_draft(uow, actor, broadcast_id)
            await require_cohorts(uow, actor, draft)
            draft = await uow.broadcasts.update(draft.id, **fields)
            await wait_for(uow, actor, step, draft.id)
            await uow.commit()
        return draft

    async def attachment_path(self, actor: Actor, broadcast_id: int, file_name: str) -> Path:
        """Return where to store an attachment; Invalid when the text is too long for a caption."""
        async with self._uow() as uow:
            draft = await own_draft(uow, actor, broadcast_id)
        if draft.text is None:
            raise Invalid("no text yet")
        clean_broadcast_text(draft.text, CAPTION_LIMIT)
        return self._files / str(draft.id) / safe_file_name(file_name, "attachment")

    async def attach(
        self, actor: Actor, broadcast_id: int, kind: MessageKind, path: Path
    ) -> Broadcast:
        """Attach a stored photo or document to the draft."""
        if kind is MessageKind.TEXT:
            raise Invalid("not a file")
        async with self._uow() as uow:
            draft = await own_draft(uow, actor, broadcast_id)
            draft = await uow.broadcasts.update(draft.id, file_path=str(path), file_kind=kind)
            await wait_for(uow, actor, None, draft.id)
            await uow.commit()
        return draft

    async def skip_attachment(self, actor: Actor, broadcast_id: int) -> bool:
        """Go on without an attachment; False when that step is over (a double tap)."""
        async with self._uow() as uow:
            draft = await own_draft(uow, actor, broadcast_id)
            author = await uow.people.get(actor.person_id) if actor.person_id else None
            if author is None or awaited_step(author.awaiting) != (Step.FILE, draft.id):
                return False
            await wait_for(uow, actor, None, draft.id)
            await uow.commit()
        return True

    async def preview(self, actor: Actor, broadcast_id: int) -> Preview:
        """Return exactly what will be sent, and to how many people."""
        async with self._uow() as uow:
            draft = await own_draft(uow, actor, broadcast_id)
            cohorts = await require_cohorts(uow, actor, draft)
            if draft.text is None or draft.audience is None:
                raise Invalid("the draft is not finished")
            people = await recipients(uow, draft)
        kind, payload = outgoing(draft)
        return Preview(draft, kind, payload, len(people), cohorts)

    async def ask_when(self, actor: Actor, broadcast_id: int) -> Person:
        """Wait for the date and time to send the draft at; return the author."""
        async with self._uow() as uow:
            draft = await own_draft(uow, actor, broadcast_id)
            person = await wait_for(uow, actor, Step.WHEN, draft.id)
            await uow.commit()
        assert person is not None
        return person

    async def schedule(self, actor: Actor, broadcast_id: int, when: str) -> Confirmed:
        """Put the draft in the outbox for a local date and time (InvalidWhen if unusable)."""
        async with self._uow() as uow:
            author = await uow.people.get(actor.person_id) if actor.person_id else None
        if author is None:
            raise NotAllowed("not enrolled")
        send_at = parse_local(when, author.timezone, self._clock.now())
        return await self.confirm(actor, broadcast_id, send_at)

    async def send_now(
        self, actor: Actor, broadcast_id: int, chat_id: int, message_id: int
    ) -> Confirmed:
        """Put the draft in the outbox at once; the given message shows the delivery report."""
        return await self.confirm(actor, broadcast_id, None, (chat_id, message_id))

    async def discard(self, actor: Actor, broadcast_id: int) -> None:
        """Drop a draft without sending anything."""
        async with self._uow() as uow:
            draft = await own_draft(uow, actor, broadcast_id)
            await uow.broadcasts.update(draft.id, status=BroadcastStatus.CANCELLED)
            await wait_for(uow, actor, None, draft.id)
            await uow.commit()

    async def create(
        self,
        actor: Actor,
        cohort_ids: Sequence[int],
        audience: Audience,
        markup: str,
        send_at: datetime | None = None,
    ) -> Confirmed:
        """Write and confirm a broadcast in one go (the command line)."""
        text = clean_broadcast_text(markup)
        async with self._uow() as uow:
            for cohort_id in cohort_ids:
                if await uow.cohorts.get(cohort_id) is None:
                    raise NotFound(f"cohort {cohort_id}")
                await require_coordinator(uow, actor, cohort_id)
            draft = await uow.broadcasts.add(
                actor.person_id, sorted(set(cohort_ids)), self._clock.now()
            )
            await uow.broadcasts.update(draft.id, audience=audience, text=text)
            await uow.commit()
        return await self.confirm(actor, draft.id, send_at)

    async def set_confirmation(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        """Remember the message that shows the delivery report."""
        async with self._uow() as uow:
            await uow.broadcasts.update(
                broadcast_id, confirm_chat_id=chat_id, confirm_message_id=message_id
            )
            await uow.commit()

    async def confirm(
        self,
        actor: Actor,
        broadcast_id: int,
        send_at: datetime | None,
        confirmation: tuple[int, int] | None = None,
    ) -> Confirmed:
        """Enqueue one message per recipient; a repeated confirmation adds nothing."""
        async with self._uow() as uow:
            draft = await own(uow, actor, broadcast_id)
            if draft.status is not BroadcastStatus.DRAFT:
                return Confirmed(draft, draft.recipients or 0, already=True)
            await require_cohorts(uow, actor, draft)
            people = await recipients(uow, draft)
        if not people or draft.text is None:
            raise Invalid("no recipients")
        now = self._clock.now()
        due = max(send_at or now, now)
        await self._outbox.enqueue(messages_for(draft, people, due))
        chat_id, message_id = confirmation or (None, None)
        fields = {"send_at": due, "recipients": len(people), "reported": waiting(len(people))}
        fields |= {"confirm_chat_id": chat_id, "confirm_message_id": message_id}
        return await self._settle(actor, draft.id, fields)

    async def _settle(self, actor: Actor, broadcast_id: int, fields: dict[str, Any]) -> Confirmed:
        """Mark the draft scheduled or sending; only the first of two confirmations wins."""
        due = fields["send_at"]
        status = BroadcastStatus.SCHEDULED if due > self._clock.now() else BroadcastStatus.SENDING
        async with self._uow() as uow:
            won = await uow.broadcasts.transition(broadcast_id, DRAFT, status, **fields)
            await wait_for(uow, actor, None, broadcast_id)
            await uow.commit()
            current = await uow.broadcasts.get(broadcast_id)
        assert current is not None
        return Confirmed(current, fields["recipients"], already=not won)
