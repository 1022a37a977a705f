"""Who may do what: roles are always checked here, on the server side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.identity.domain import Cohort, Membership, Person, Role
from bot.services.identity.ports import IdentityUnitOfWork
from bot.services.kernel.errors import NotAllowed
from bot.services.kernel.ports import UnitOfWorkFactory

CLI_ACTOR = "cli"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a privileged action: the CLI (a server operator) or a person."""

    label: str
    person_id: int | None = None
    is_admin: bool = False

    @classmethod
    def cli(cls) -> Actor:
        """Return the operator actor used by the command line."""
        return cls(label=CLI_ACTOR, is_admin=True)


@dataclass(frozen=True, slots=True)
class Profile:
    """A person with their memberships, as the bot needs them to decide what to show."""

    person: Person
    memberships: tuple[Membership, ...]
    is_admin: bool

    def roles(self) -> set[Role]:
        """Return every role the person holds in any cohort."""
        return {m.role for m in self.memberships}

    def has_role(self, role: Role) -> bool:
        """Return whether the person holds the role in some cohort (admins coordinate all)."""
        return role in self.roles() or (role is Role.COORDINATOR and self.is_admin)


class AccessService:
    """Resolves Telegram users to actors and profiles, and checks coordinator rights."""

    def __init__(
        self, uow: UnitOfWorkFactory[IdentityUnitOfWork], admin_telegram_ids: Sequence[int]
    ) -> None:
        self._uow = uow
        self._admins = frozenset(admin_telegram_ids)

    async def profile(self, telegram_id: int) -> Profile | None:
        """Return the person's profile, or None when they have not enrolled."""
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            if person is None:
                return None
            memberships = tuple(await uow.memberships.for_person(person.id))
        return Profile(person, memberships, is_admin=telegram_id in self._admins)

    async def actor(self, telegram_id: int) -> Actor:
        """Return the actor for a Telegram user; raise NotAllowed when not enrolled."""
        profile = await self.profile(telegram_id)
        if profile is None:
            raise NotAllowed("not enrolled")
        return Actor(f"person:{profile.person.id}", profile.person.id, profile.is_admin)

    async def coordinated_cohorts(self, actor: Actor) -> Sequence[Cohort]:
        """Return the cohorts this actor coordinates (all of them for admins)."""
        async with self._uow() as uow:
            return await coordinated_cohorts(uow, actor)


async def coordinated_cohorts(uow: IdentityUnitOfWork, actor: Actor) -> Sequence[Cohort]:
    """Return the cohorts the actor coordinates, inside an open unit of work."""
    if actor.is_admin:
        return await uow.cohorts.list()
    if actor.person_id is None:
        return []
    ids = [
        m.cohort_id
        for m in await uow.memberships.for_person(actor.person_id)
        if m.role is Role.COORDINATOR
    ]
    return await uow.cohorts.list(ids) if ids else []


async def require_coordinator(uow: IdentityUnitOfWork, actor: Actor, cohort_id: int) -> None:
    """Raise NotAllowed unless the actor coordinates the cohort (or is an admin)."""
    if actor.is_admin:
        return
    cohorts = await coordinated_cohorts(uow, actor)
    if cohort_id not in {c.id for c in cohorts}:
        raise NotAllowed("not a coordinator of this cohort")
