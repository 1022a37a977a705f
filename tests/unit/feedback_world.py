"""A small world for the feedback tests on fakes: one cohort with students, supervisors and a
coordinator, the feedback service over the fake store and outbox, and a manual clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services.delivery.outbox import OutgoingMessage
from bot.services.feedback.config import FeedbackConfig
from bot.services.feedback.service import FeedbackService, Ready
from bot.services.feedback.types import FeedbackRequest
from bot.services.identity.domain import Person, Profession, Role, SupervisionLink
from bot.services.reflection.schedules import ScheduleService
from bot.tg.delivery.choices import reply_markup
from tests.support import ManualClock
from tests.unit.fakes import FakeUowFactory
from tests.unit.fakes_broadcasts import FakeOutbox

NOW = datetime(2027, 2, 3, 9, 0, tzinfo=UTC)  # Wednesday, 10:00 in Copenhagen
CPH = "Europe/Copenhagen"
# Telegram ids.
ANNA, BO, VERA, KIM, KARIN, ULLA, OLE = 11, 12, 21, 22, 31, 41, 23
SITUATION = "Medicingivning på stuegang"
WELL = "Jeg tjekkede identitet og ordination højt"
IMPROVE = "At forklare, hvad medicinen er til"


class World:
    """Cohort F27 (1 February to 30 June): students Anna and Bo (Danish), supervisor Vera
    (English) linked to Anna, supervisor Kim in the cohort but not linked, supervisor Ole linked
    to Anna but no longer active, coordinator Karin, and supervisor Ulla of another cohort."""

    def __init__(self) -> None:
        self.clock = ManualClock(NOW)
        self.uow, self.outbox = FakeUowFactory(), FakeOutbox()
        self.config = FeedbackConfig()
        self.service = FeedbackService(self.uow, self.outbox, self.clock, self.config)
        self.supervisor = self.service.supervisor
        self.ids: dict[int, int] = {}

    async def build(self) -> World:
        """Enrol everyone and give the students their schedules."""
        async with self.uow() as uow:
            cohort = await uow.cohorts.add(
                1, "F27", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30)
            )
            other = await uow.cohorts.add(
                1, "Other", Profession.NURSING, date(2027, 2, 1), date(2027, 6, 30)
            )
            for tid, name, language, role, cohort_id in (
                (ANNA, "Anna", "da", Role.STUDENT, cohort.id),
                (BO, "Bo", "da", Role.STUDENT, cohort.id),
                (VERA, "Vera", "en", Role.SUPERVISOR, cohort.id),
                (KIM, "Kim", "da", Role.SUPERVISOR, cohort.id),
                (OLE, "Ole", "da", Role.SUPERVISOR, cohort.id),
                (KARIN, "Karin", "da", Role.COORDINATOR, cohort.id),
                (ULLA, "Ulla", "da", Role.SUPERVISOR, other.id),
            ):
                person = await uow.people.add(tid, name, language, CPH, NOW)
                await uow.memberships.add(person.id, cohort_id, role)
                self.ids[tid] = person.id
            await uow.people.update(self.ids[OLE], active=False)
            for supervisor in (VERA, OLE):
                link = SupervisionLink(cohort.id, self.ids[supervisor], self.ids[ANNA])
                await uow.links.add(link, None)
            await uow.commit()
        self.cohort = cohort
        for student in (ANNA, BO):
            await ScheduleService(self.uow, self.clock).student_joined(
                self.person(student), cohort
            )
        return self

    def person(self, tid: int) -> Person:
        """Return a person as stored now."""
        return self.uow.store.people[self.ids[tid]]

    def request(self, request_id: int) -> FeedbackRequest:
        """Return a request as stored now."""
        return self.uow.store.feedback_requests[request_id]

    def to(self, tid: int) -> list[OutgoingMessage]:
        """Return the messages queued for one person."""
        return self.outbox.to(tid)

    def keys(self) -> list[str | None]:
        """Return the dedupe keys of everything queued, in order."""
        return [r.message.dedupe_key for r in self.outbox.rows]

    async def self_assess(self, tid: int = ANNA) -> Ready:
        """Write the three answers of the self-assessment; return the choice that follows."""
        ask = await self.service.start(tid)
        for text in (SITUATION, WELL, IMPROVE):
            result = await self.service.write(tid, ask.request.id, text)
            if isinstance(result, Ready):
                return result
            ask = result  # type: ignore[assignment]
        raise AssertionError("the self-assessment did not end")

    async def sent(self, tid: int = ANNA, supervisor: int = VERA) -> int:
        """Self-assess and send the request to a supervisor; return its id."""
        ready = await self.self_assess(tid)
        await self.service.send(tid, ready.request.id, self.ids[supervisor])
        return ready.request.id


def buttons(message: OutgoingMessage) -> list[str]:
    """Return the callback data of the buttons the reader gets (as the sender renders them)."""
    rows = (reply_markup(message.payload) or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]
