"""Enrolment by invite code, consent, display name and language."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from bot.services.broadcasts.introductions import IntroductionService
from bot.services.identity.awaiting import AwaitKind, awaiting
from bot.services.identity.domain import (
    AuditEntry,
    Cohort,
    Department,
    Invite,
    InviteProblem,
    Person,
    Role,
)
from bot.services.kernel.cpr import contains_cpr
from bot.services.kernel.errors import ContainsCpr, Invalid, NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.onboarding.ports import OnboardingUnitOfWork
from bot.services.reflection.schedules import join_schedule

log = logging.getLogger(__name__)
MAX_NAME_LENGTH = 64
AWAITING_NAME = awaiting(AwaitKind.NAME)
_CODE = re.compile(r"^[A-Za-z0-9_-]{4,64}$")


@dataclass(frozen=True, slots=True)
class InviteInfo:
    """A valid invite with what it leads to."""

    invite: Invite
    cohort: Cohort
    department: Department


@dataclass(frozen=True, slots=True)
class Enrolled:
    """The result of enrolling: the person, the cohort, and whether it was new."""

    person: Person
    info: InviteInfo
    new_person: bool
    already_member: bool


def clean_display_name(raw: str) -> str:
    """Return a tidy display name or raise Invalid (empty, too long, control characters)."""
    name = " ".join(raw.split())
    if not name:
        raise Invalid("empty")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise Invalid("control characters")
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid("too long")
    if contains_cpr(name):
        raise ContainsCpr("holds a CPR number")
    return name


class EnrolmentService:
    """Turns an invite code and a consent into a person with a membership."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[OnboardingUnitOfWork],
        clock: Clock,
        *,
        default_timezone: str,
        introductions: IntroductionService | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._timezone = default_timezone
        self._introductions = introductions

    async def check_invite(self, code: str) -> InviteInfo | InviteProblem:
        """Return what the code leads to, or why it cannot be used."""
        async with self._uow() as uow:
            return await self._check(uow, code)

    async def _check(self, uow: OnboardingUnitOfWork, code: str) -> InviteInfo | InviteProblem:
        invite = await uow.invites.by_code(code) if _CODE.match(code) else None
        if invite is None:
            return InviteProblem.UNKNOWN
        now = self._clock.now()
        cohort = await uow.cohorts.get(invite.cohort_id)
        department = await uow.organisations.department(cohort.department_id) if cohort else None
        if cohort is None or department is None:
            return InviteProblem.UNKNOWN
        if invite.revoked:
            return InviteProblem.REVOKED
        if invite.expires_at is not None and invite.expires_at <= now:
            return InviteProblem.EXPIRED
        if invite.max_uses is not None and invite.uses >= invite.max_uses:
            return InviteProblem.USED_UP
        if cohort.ends_on < now.date():
            return InviteProblem.COHORT_ENDED
        return InviteInfo(invite, cohort, department)

    async def enrol(
        self, telegram_id: int, code: str, *, language: str, display_name: str
    ) -> Enrolled | InviteProblem:
        """Record consent and join the cohort; a repeated tap never uses the code twice."""
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is not None and (joined := await self._joined_with(uow, person, code)):
                return Enrolled(person, joined, new_person=False, already_member=True)
            info = await self._check(uow, code)
            if isinstance(info, InviteProblem):
                return info
            new_person = person is None
            if person is None:
                person = await uow.people.add(
                    telegram_id=telegram_id,
                    display_name=_fallback_name(display_name),
                    language=language,
                    timezone=self._timezone,
                    consent_at=self._clock.now(),
                )
            elif not person.active:  # back after blocking the bot: reachable again
                person = await uow.people.update(person.id, active=True, blocked_at=None)
            if not await uow.invites.consume(info.invite.id, self._clock.now()):
                return InviteProblem.USED_UP
            await uow.memberships.add(
                person.id, info.cohort.id, info.invite.role, self._clock.now()
            )
            if info.invite.role is Role.STUDENT:
                await join_schedule(uow, person, info.cohort, self._clock)
            await uow.audit.record(
                AuditEntry(
                    at=self._clock.now(),
                    actor=f"person:{person.id}",
                    action="enrol",
                    cohort_id=info.cohort.id,
                    target_person_id=person.id,
                    details={"role": info.invite.role.value, "invite_id": info.invite.id},
                )
            )
            await uow.commit()
        if info.invite.role is Role.STUDENT:
            await self._introduce(person, info.cohort)
        return Enrolled(person, info, new_person=new_person, already_member=False)

    async def _introduce(self, person: Person, cohort: Cohort) -> None:
        """Queue the cohort's welcome for a new student; the enrolment stands if this fails."""
        if self._introductions is None:
            return
        try:
            await self._introductions.student_joined(person, cohort)
        except Exception as exc:  # a welcome is a courtesy; never undo a finished enrolment
            log.error("welcome for person %s not queued: %s", person.id, type(exc).__name__)

    async def _joined_with(
        self, uow: OnboardingUnitOfWork, person: Person, code: str
    ) -> InviteInfo | None:
        """Return the invite's info when the person already has its role in its cohort."""
        invite = await uow.invites.by_code(code) if _CODE.match(code) else None
        if invite is None:
            return None
        memberships = await uow.memberships.for_person(person.id)
        if not any(m.cohort_id == invite.cohort_id and m.role is invite.role for m in memberships):
            return None
        cohort = await uow.cohorts.get(invite.cohort_id)
        department = await uow.organisations.department(cohort.department_id) if cohort else None
        return InviteInfo(invite, cohort, department) if cohort and department else None

    async def person(self, telegram_id: int) -> Person | None:
        """Return the enrolled person with this Telegram id."""
        async with self._uow() as uow:
            return await uow.people.by_telegram_id(telegram_id)

    async def set_language(self, telegram_id: int, language: str) -> Person:
        """Change the person's language."""
        return await self._update(telegram_id, language=language)

    async def ask_for_name(self, telegram_id: int) -> Person:
        """Remember that the next text from this person is their new display name."""
        return await self._update(telegram_id, awaiting=AWAITING_NAME)

    async def set_display_name(self, telegram_id: int, raw: str) -> Person:
        """Set the display name (Invalid when unusable) and stop waiting for one."""
        return await self._update(telegram_id, display_name=clean_display_name(raw), awaiting=None)

    async def cancel_awaiting(self, telegram_id: int) -> Person:
        """Stop waiting for a free-text answer."""
        return await self._update(telegram_id, awaiting=None)

    async def mark_unreachable(self, telegram_id: int) -> None:
        """Mark a person inactive because they blocked the bot; nothing more is sent to them."""
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is not None and person.active:
                await uow.people.update(person.id, active=False, blocked_at=self._clock.now())
                await uow.commit()

    async def _update(self, telegram_id: int, **fields: object) -> Person:
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None:
                raise NotFound("person")
            person = await uow.people.update(person.id, **fields)
            await uow.commit()
            return person


def _fallback_name(name: str) -> str:
    try:
        return clean_display_name(name)
    except Invalid:
        return "?"
