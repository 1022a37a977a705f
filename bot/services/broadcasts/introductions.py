"""Introductions: each cohort's welcome text, sent to a student when they join and again as
a preboarding message a few days before the placement starts, always through the outbox.

The texts are rendered here, in the student's language, because the outbox stores messages
ready to send."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.i18n import N_, gettext_for
from bot.services.broadcasts.ports import BroadcastsUnitOfWork
from bot.services.broadcasts.types import visible_text
from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.identity.access import Actor, require_coordinator
from bot.services.identity.awaiting import AwaitKind, awaiting
from bot.services.identity.domain import AuditEntry, Cohort, Person, Role
from bot.services.kernel.cpr import contains_cpr
from bot.services.kernel.errors import ContainsCpr, Invalid, NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory

PLACEHOLDERS = ("name", "cohort", "department", "start_date", "supervisor")
MAX_WELCOME_LENGTH = 3000
# The join intro waits a minute, so it arrives after the enrolment conversation (name,
# help) instead of in the middle of it.
JOIN_DELAY = timedelta(minutes=1)
DEFAULT_WELCOME = N_(
    "Welcome to {cohort}, {name}!\n\n"
    "Your placement at {department} starts on {start_date}. Your supervisor: {supervisor}.\n\n"
    "Write me a question at any time, and I will look for the answer in the placement "
    "documents."
)
NO_SUPERVISOR = N_("not assigned yet")
PREBOARDING_HEADING = N_("<b>Your placement starts on {start_date}.</b>")
_PLACEHOLDER = re.compile(r"\{(\w*)\}")


class UnknownPlaceholder(Invalid):
    """A welcome text names a placeholder that does not exist."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


@dataclass(frozen=True, slots=True)
class Welcome:
    """A cohort's welcome text in use, and (after a change) how it looks for its author."""

    cohort: Cohort
    template: str
    custom: bool
    sample: str | None = None


def clean_welcome(markup: str) -> str:
    """Return a usable welcome text (HTML); raise Invalid, UnknownPlaceholder or ContainsCpr."""
    visible = visible_text(markup).strip()
    if not visible:
        raise Invalid("empty")
    if len(visible) > MAX_WELCOME_LENGTH:
        raise Invalid("too long")
    if contains_cpr(visible):
        raise ContainsCpr("holds a CPR number")
    unknown = sorted({n for n in _PLACEHOLDER.findall(markup) if n not in PLACEHOLDERS})
    if unknown:
        raise UnknownPlaceholder(unknown)
    return markup.strip()


def render_welcome(template: str, values: dict[str, str]) -> str:
    """Fill in the known placeholders (escaped); anything else in braces stays as written."""

    def fill(match: re.Match[str]) -> str:
        """Return the escaped value of a known placeholder, else the text as it was."""
        value = values.get(match[1])
        return match[0] if value is None else html.escape(value, quote=False)

    return _PLACEHOLDER.sub(fill, template)


class IntroductionService:
    """Keeps the welcome texts and puts introductions in the outbox."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[BroadcastsUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        *,
        timezone: str,
        preboarding_days: int,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._zone = ZoneInfo(timezone)
        self._days = preboarding_days

    @property
    def preboarding_days(self) -> int:
        """Return how many days before the start the preboarding message is sent."""
        return self._days

    async def welcome(self, actor: Actor, cohort_id: int, language: str) -> Welcome:
        """Return the welcome text in use for a cohort, for its coordinators."""
        async with self._uow() as uow:
            cohort = await _coordinated(uow, actor, cohort_id)
        template = cohort.welcome or gettext_for(language)(DEFAULT_WELCOME)
        return Welcome(cohort, template, cohort.welcome is not None)

    async def ask_for_welcome(self, actor: Actor, cohort_id: int) -> Cohort:
        """Remember that the coordinator's next text is the cohort's new welcome text."""
        async with self._uow() as uow:
            cohort = await _coordinated(uow, actor, cohort_id)
            if actor.person_id is not None:
                await uow.people.update(
                    actor.person_id, awaiting=awaiting(AwaitKind.WELCOME, cohort.id)
                )
            await uow.commit()
        return cohort

    async def set_welcome(self, actor: Actor, cohort_id: int, markup: str | None) -> Welcome:
        """Replace the cohort's welcome text (None: back to the default)."""
        text = clean_welcome(markup) if markup is not None else None
        async with self._uow() as uow:
            cohort = await _coordinated(uow, actor, cohort_id)
            cohort = await uow.cohorts.set_welcome(cohort.id, text)
            author = await uow.people.get(actor.person_id) if actor.person_id else None
            if author is not None:
                author = await uow.people.update(author.id, awaiting=None)
            await uow.audit.record(
                AuditEntry(self._clock.now(), actor.label, "cohort.welcome", cohort.id)
            )
            await uow.commit()
            sample = await self._text(uow, author, cohort, preboarding=False) if author else None
        template = text or gettext_for(author.language if author else "da")(DEFAULT_WELCOME)
        return Welcome(cohort, template, text is not None, sample)

    async def student_joined(self, person: Person, cohort: Cohort) -> int:
        """Put the welcome for a new student in the outbox (once per cohort)."""
        async with self._uow() as uow:
            text = await self._text(uow, person, cohort, preboarding=False)
        message = _message(person, cohort, text, "join", self._clock.now() + JOIN_DELAY)
        return await self._outbox.enqueue([message])

    async def preboard(self) -> int:
        """Put the preboarding message in the outbox for every due student; return how many
        were new. Due: the cohort starts within the next days and the student joined before
        that window opened (who joins later just got the same text on joining). Catches up
        after downtime; the dedupe key makes it once per student."""
        now = self._clock.now()
        today = now.astimezone(self._zone).date()
        messages = []
        async with self._uow() as uow:
            for cohort in await uow.cohorts.starting_between(
                today, today + timedelta(days=self._days)
            ):
                opens = datetime.combine(
                    cohort.starts_on - timedelta(days=self._days), time(0), self._zone
                )
                for student in await uow.memberships.people_in(cohort.id, Role.STUDENT, opens):
                    if student.active:
                        text = await self._text(uow, student, cohort, preboarding=True)
                        messages.append(_message(student, cohort, text, "pre", now))
        return await self._outbox.enqueue(messages) if messages else 0

    async def _text(
        self, uow: BroadcastsUnitOfWork, person: Person, cohort: Cohort, *, preboarding: bool
    ) -> str:
        """Render the cohort's welcome for one person, in their language."""
        _ = gettext_for(person.language)
        department = await uow.organisations.department(cohort.department_id)
        links = await uow.links.supervisors_of(person.id)
        supervisors = [
            p.display_name
            for link in links
            if link.cohort_id == cohort.id and (p := await uow.people.get(link.supervisor_id))
        ]
        start = format_date(cohort.starts_on, "long", locale=person.language)
        values = {
            "name": person.display_name,
            "cohort": cohort.name,
            "department": department.name if department else "",
            "start_date": start,
            "supervisor": ", ".join(supervisors) or _(NO_SUPERVISOR),
        }
        text = render_welcome(cohort.welcome or _(DEFAULT_WELCOME), values)
        if not preboarding:
            return text
        return _(PREBOARDING_HEADING).format(start_date=html.escape(start)) + "\n\n" + text


def _message(
    person: Person, cohort: Cohort, text: str, kind: str, due: datetime
) -> OutgoingMessage:
    """Return an introduction as an outbox message, keyed once per cohort and person."""
    return OutgoingMessage(
        chat_id=person.telegram_id,
        payload={"text": text},
        origin=f"intro:{kind}",
        not_before=due,
        person_id=person.id,
        dedupe_key=f"intro:{kind}:{cohort.id}:{person.id}",
    )


async def _coordinated(uow: BroadcastsUnitOfWork, actor: Actor, cohort_id: int) -> Cohort:
    """Return the cohort when the actor coordinates it."""
    cohort = await uow.cohorts.get(cohort_id)
    if cohort is None:
        raise NotFound(f"cohort {cohort_id}")
    await require_coordinator(uow, actor, cohort_id)
    return cohort
