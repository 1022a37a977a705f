"""Onboarding questions: answers from the documents, votes, hand-offs to a person, gaps.

A hand-off and a coordinator's answer reach the other person through the outbox, out of
their quiet hours, keyed so a double tap or a repeated answer queues nothing again. Each
forward is recorded against its outbox message (by its key), so a coordinator's Telegram
reply to the message the dispatcher sent is routed back to the question.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.services.delivery.outbox import OutboxStore, OutgoingMessage
from bot.services.delivery.quiet_hours import wake_times
from bot.services.identity.access import (
    Actor,
    coordinated_cohorts,
    require_coordinator,
)
from bot.services.identity.awaiting import AwaitKind, awaited, awaiting
from bot.services.identity.domain import Cohort, Person, Question, Role
from bot.services.kernel.errors import Invalid, NotAllowed, NotFound
from bot.services.kernel.ports import Clock, UnitOfWorkFactory
from bot.services.questions.gaps import Gap, clean_text, group_gaps
from bot.services.questions.knowledge import (
    SCOPE_ALL,
    AbstainReason,
    Answer,
    Answerer,
    Section,
    SectionReader,
    scopes_for,
)
from bot.services.questions.messages import answer_payload, forward_payload, search_down_payload
from bot.services.questions.ports import QuestionsUnitOfWork

log = logging.getLogger(__name__)
MAX_QUESTION_LENGTH = 1000
MAX_REPLY_LENGTH = 3000
AWAITING_QUESTION = awaiting(AwaitKind.QUESTION)
NO_ANSWER = Answer(
    text="", citations=(), abstained=True, confidence=0.0, reason=AbstainReason.UNAVAILABLE
)
ORIGIN = "question"
SEARCH_DOWN_ORIGIN = "alert:search"
SEARCH_DOWN_EVERY = timedelta(hours=6)  # a coordinator hears of an outage at most this often


@dataclass(frozen=True, slots=True)
class Asked:
    """An answered (or abstained) question; `question_id` is None for anonymous askers."""

    question_id: int | None
    answer: Answer
    enrolled: bool
    told: bool = False  # search is down and coordinators know (now or earlier)


@dataclass(frozen=True, slots=True)
class HandOff:
    """Who was told about a question passed to a person (empty when `already` or nobody)."""

    question: Question
    recipients: tuple[Person, ...]
    cohort: Cohort | None
    already: bool = False


@dataclass(frozen=True, slots=True)
class Delivery:
    """A coordinator's answer, stored and queued for the asker (None: unreachable)."""

    question: Question
    asker: Person | None


def mask_name(text: str, person: Person | None) -> str:
    """Replace the asker's own name in the question, so it never reaches an answerer (which
    may be an external language model) and cannot steer the search."""
    if person is None or len(person.display_name) < 2:
        return text
    pattern = re.compile(re.escape(person.display_name), re.IGNORECASE)
    return pattern.sub("[navn]", text)


def forward_key(question_id: int, person_id: int) -> str:
    """Return the outbox key of a question's forward to one coordinator."""
    return f"question:{question_id}:to:{person_id}"


def answer_key(question_id: int, text: str) -> str:
    """Return the outbox key of an answer: the same answer to a question is sent once."""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"question:{question_id}:answer:{digest}"


async def reading_scopes(
    uow: QuestionsUnitOfWork, person: Person | None
) -> tuple[list[str], int | None]:
    """Return the scopes a person may read and the cohort their questions belong to."""
    if person is None:
        return [SCOPE_ALL], None
    memberships = await uow.memberships.for_person(person.id)
    keys: list[str] = []
    for cohort_id in dict.fromkeys(m.cohort_id for m in memberships):
        cohort = await uow.cohorts.get(cohort_id)
        department = await uow.organisations.department(cohort.department_id) if cohort else None
        if department is not None and department.key not in keys:
            keys.append(department.key)
    cohort_ids = list(dict.fromkeys(m.cohort_id for m in memberships))
    student_of = [m.cohort_id for m in memberships if m.role is Role.STUDENT]
    candidates = student_of or cohort_ids
    home = candidates[0] if candidates else None
    return scopes_for(keys, cohort_ids), home


class QuestionService:
    """Answers questions in the asker's scopes and passes the hard ones to coordinators."""

    def __init__(
        self,
        uow: UnitOfWorkFactory[QuestionsUnitOfWork],
        outbox: OutboxStore,
        clock: Clock,
        answerer: Answerer | None,
        admin_telegram_ids: Sequence[int],
        sections: SectionReader | None = None,
    ) -> None:
        self._uow = uow
        self._outbox = outbox
        self._clock = clock
        self._answerer = answerer
        self._admins = frozenset(admin_telegram_ids)
        self._sections = sections
        self._failing = False  # the answerer is failing: logged once, not per question
        self._alerted: dict[int, datetime] = {}  # person id -> when told search is down

    async def ask(self, telegram_id: int, raw: str, language: str = "da") -> Asked:
        """Answer a question and store it (anonymously for people who have not enrolled)."""
        text = clean_text(raw, MAX_QUESTION_LENGTH)  # a CPR number stops everything here
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            scopes, cohort_id = await reading_scopes(uow, person)
        answer, failed = await self._answer(mask_name(text, person), scopes)
        record = Question(
            id=0,
            text=text,
            language=person.language if person else language,
            asked_at=self._clock.now(),
            person_id=person.id if person else None,
            cohort_id=cohort_id,
            abstained=answer.abstained,
            confidence=answer.confidence,
            answer=None if answer.abstained else answer.text,
        )
        alerts: list[OutgoingMessage] = []
        told = False
        async with self._uow() as uow:
            stored = await uow.questions.add(record)
            if person is not None and person.awaiting == AWAITING_QUESTION:
                await uow.people.update(person.id, awaiting=None)
            if failed:
                told, alerts = await self._search_down(uow, cohort_id, person)
            await uow.commit()
        if alerts:
            await self._outbox.enqueue(alerts)
        log.info("question %s answered (abstained: %s)", stored.id, answer.abstained)
        enrolled = person is not None
        return Asked(stored.id if person else None, answer, enrolled=enrolled, told=told)

    async def _search_down(
        self, uow: QuestionsUnitOfWork, cohort_id: int | None, asker: Person | None
    ) -> tuple[bool, list[OutgoingMessage]]:
        """Return whether anyone is told that search is down, and the alerts for those not
        told within SEARCH_DOWN_EVERY (the asker's coordinators and the admins; keyed per
        period, so several processes send one)."""
        people: list[Person] = []
        if cohort_id is not None:
            people += await uow.memberships.people_in(cohort_id, Role.COORDINATOR)
        for telegram_id in sorted(self._admins):
            admin = await uow.people.by_telegram_id(telegram_id)
            if admin is not None:
                people.append(admin)
        asker_id = asker.id if asker else None
        reachable = {p.id: p for p in people if p.active and p.id != asker_id}
        now = self._clock.now()
        due = [
            p
            for p in reachable.values()
            if (seen := self._alerted.get(p.id)) is None or now - seen >= SEARCH_DOWN_EVERY
        ]
        if not due:
            return bool(reachable), []
        wake = await wake_times(uow.schedules, due, now)
        period = int(now.timestamp() // SEARCH_DOWN_EVERY.total_seconds())
        alerts = []
        for person in due:
            self._alerted[person.id] = now
            payload = search_down_payload(person.language)
            key = f"alert:search:{period}:to:{person.id}"
            alerts.append(
                OutgoingMessage(
                    chat_id=person.telegram_id,
                    payload=payload,
                    origin=SEARCH_DOWN_ORIGIN,
                    not_before=wake[person.id],
                    person_id=person.id,
                    dedupe_key=key,
                )
            )
        return True, alerts

    async def read_more(self, telegram_id: int, key: str) -> Section:
        """Return the whole section an answer came from, when the person may read it."""
        if self._sections is None:
            raise NotFound("section")
        section = await self._sections.section(key)
        if section is None:
            raise NotFound("section")
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            scopes, _cohort = await reading_scopes(uow, person)
        if section.citation.scope not in scopes:
            raise NotAllowed("not in the reader's scopes")
        return section

    async def ask_later(self, telegram_id: int) -> Person:
        """Remember that the person's next text is a question."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            person = await uow.people.update(person.id, awaiting=AWAITING_QUESTION)
            await uow.commit()
        return person

    async def feedback(self, telegram_id: int, question_id: int, helpful: bool) -> Question:
        """Record the asker's 👍/👎; repeating a vote changes nothing."""
        async with self._uow() as uow:
            question = await _own_question(uow, telegram_id, question_id)
            if question.helpful is not helpful:
                await uow.questions.set_helpful(question.id, helpful)
                await uow.commit()
        return dataclasses.replace(question, helpful=helpful)

    async def hand_off(self, telegram_id: int, question_id: int) -> HandOff:
        """Pass the asker's question to their coordinators (or the admins), only once: the
        forwards are recorded and queued with the hand-off."""
        async with self._uow() as uow:
            question = await _own_question(uow, telegram_id, question_id)
            cohort = await uow.cohorts.get(question.cohort_id) if question.cohort_id else None
            if question.handed_off_at is not None:
                return HandOff(question, (), cohort, already=True)
            recipients = await self._responders(uow, question)
            now = self._clock.now()
            if not recipients:
                return HandOff(question, (), cohort)
            if not await uow.questions.mark_handed_off(question.id, now):
                return HandOff(question, (), cohort, already=True)
            handed = dataclasses.replace(question, handed_off_at=now)
            forwards = await self._forwards(uow, handed, cohort, recipients, now)
            await uow.commit()
        await self._outbox.enqueue(forwards)
        return HandOff(handed, recipients, cohort)

    async def _forwards(
        self,
        uow: QuestionsUnitOfWork,
        question: Question,
        cohort: Cohort | None,
        recipients: Sequence[Person],
        now: datetime,
    ) -> list[OutgoingMessage]:
        """Record a forward per recipient against its outbox key; return the messages."""
        wake = await wake_times(uow.schedules, recipients, now)
        messages = []
        for person in recipients:
            key = forward_key(question.id, person.id)
            await uow.questions.add_forward(question.id, person.id, key)
            payload = forward_payload(question, cohort.name if cohort else None, person.language)
            messages.append(_message(person, payload, wake[person.id], key, question.person_id))
        return messages

    async def forwarded(self, telegram_id: int, message_id: int) -> int | None:
        """Return the question forwarded to this person in this message of their chat."""
        async with self._uow() as uow:
            person = await uow.people.by_telegram_id(telegram_id)
            question = (
                await uow.questions.by_forward(person.id, telegram_id, message_id)
                if person
                else None
            )
        return question.id if question else None

    async def start_reply(self, telegram_id: int, question_id: int) -> Question:
        """Let a coordinator of the question's cohort answer it with their next text."""
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            question = await uow.questions.get(question_id)
            if question is None:
                raise NotFound("question")
            await self._require_responder(uow, person, question)
            await uow.people.update(person.id, awaiting=awaiting(AwaitKind.REPLY, question.id))
            await uow.commit()
        return question

    async def reply(self, telegram_id: int, raw: str, question_id: int | None = None) -> Delivery:
        """Store a coordinator's answer (to the awaited question unless one is given)."""
        text = clean_text(raw, MAX_REPLY_LENGTH)  # CPR or bad text: keep waiting, store nothing
        async with self._uow() as uow:
            person = await _person(uow, telegram_id)
            if question_id is None:
                question_id = awaited(person.awaiting, AwaitKind.REPLY)
                if question_id is None:
                    raise Invalid("not waiting for an answer")
            if awaited(person.awaiting, AwaitKind.REPLY) is not None:
                await uow.people.update(person.id, awaiting=None)
                await uow.commit()  # a stale or forbidden target must not keep them waiting
            question = await uow.questions.get(question_id)
            if question is None:
                raise NotFound("question")
            await self._require_responder(uow, person, question)
            now = self._clock.now()
            await uow.questions.record_reply(question.id, person.id, text, now)
            answered = dataclasses.replace(question, reply=text, answered_at=now)
            asker = await uow.people.get(question.person_id) if question.person_id else None
            if asker is not None and not asker.active:
                asker = None
            message = await self._answer_message(uow, answered, asker, now)
            await uow.commit()
        if message is not None:
            await self._outbox.enqueue([message])
        return Delivery(answered, asker)

    async def _answer_message(
        self, uow: QuestionsUnitOfWork, question: Question, asker: Person | None, now: datetime
    ) -> OutgoingMessage | None:
        """Return the answer for the asker who can be reached, in their language."""
        if asker is None or question.reply is None:
            return None
        wake = await wake_times(uow.schedules, [asker], now)
        payload = answer_payload(question, asker.language)
        return _message(asker, payload, wake[asker.id], answer_key(question.id, question.reply))

    async def gaps(self, actor: Actor, cohort_id: int | None = None) -> list[Gap]:
        """Return the knowledge gaps a coordinator may see, grouped by question, newest first."""
        async with self._uow() as uow:
            if cohort_id is not None:
                await require_coordinator(uow, actor, cohort_id)
                questions = await uow.questions.gaps([cohort_id], include_anonymous=False)
            elif actor.is_admin:
                questions = await uow.questions.gaps(None, include_anonymous=True)
            else:
                cohorts = await coordinated_cohorts(uow, actor)
                if not cohorts:
                    raise NotAllowed("not a coordinator")
                ids = [c.id for c in cohorts]
                questions = await uow.questions.gaps(ids, include_anonymous=False)
        return group_gaps(questions)

    async def _answer(self, text: str, scopes: Sequence[str]) -> tuple[Answer, bool]:
        """Return the answerer's answer, or an abstention when there is none or it fails,
        and whether it failed (logged once per outage, not once per question)."""
        if self._answerer is None:
            return NO_ANSWER, False
        try:
            answer = await self._answerer.answer(text, scopes)
        except Exception as exc:  # a broken index must not lose the question
            if not self._failing:
                log.error("answerer failed: %s; answering 'unavailable'", type(exc).__name__)
            self._failing = True
            return NO_ANSWER, True
        if self._failing:
            log.warning("answerer works again")
            self._failing, self._alerted = False, {}
        return answer, False

    async def _responders(
        self, uow: QuestionsUnitOfWork, question: Question
    ) -> tuple[Person, ...]:
        """Return the cohort's reachable coordinators, or else the admins, minus the asker."""
        people: Sequence[Person] = []
        if question.cohort_id is not None:
            people = await uow.memberships.people_in(question.cohort_id, Role.COORDINATOR)
        people = [p for p in people if p.active and p.id != question.person_id]
        if people:
            return tuple(people)
        admins = [await uow.people.by_telegram_id(tid) for tid in sorted(self._admins)]
        return tuple(p for p in admins if p and p.active and p.id != question.person_id)

    async def _require_responder(
        self, uow: QuestionsUnitOfWork, person: Person, question: Question
    ) -> None:
        """Raise NotAllowed unless the person may answer this handed-off question."""
        actor = Actor(f"person:{person.id}", person.id, person.telegram_id in self._admins)
        if question.handed_off_at is None:
            raise NotAllowed("the question was not passed to a person")
        if question.cohort_id is None:
            if not actor.is_admin:
                raise NotAllowed("only admins answer questions without a cohort")
            return
        await require_coordinator(uow, actor, question.cohort_id)


def _message(
    person: Person, payload: dict[str, Any], at: datetime, key: str, about: int | None = None
) -> OutgoingMessage:
    """Return an outbox message about a question for one person."""
    return OutgoingMessage(
        chat_id=person.telegram_id,
        payload=payload,
        origin=ORIGIN,
        not_before=at,
        person_id=person.id,
        about_id=about,
        dedupe_key=key,
    )


async def answer_askers(
    uow: QuestionsUnitOfWork,
    questions: Sequence[Question],
    replier_id: int,
    text: str,
    now: datetime,
) -> list[OutgoingMessage]:
    """Record a coordinator's answer to questions that read the same (a knowledge gap) and
    return one outbox message per asker who can be reached, in their language, out of their
    quiet hours. A question answered before keeps its answer and is not sent again."""
    latest: dict[int, Question] = {}
    for question in questions:
        if question.person_id is None or question.reply is not None:
            continue
        await uow.questions.record_reply(question.id, replier_id, text, now)
        if question.person_id != replier_id:
            seen = latest.get(question.person_id)
            if seen is None or question.asked_at > seen.asked_at:
                latest[question.person_id] = question
    askers = [await uow.people.get(person_id) for person_id in latest]
    reachable = [p for p in askers if p is not None and p.active]
    wake = await wake_times(uow.schedules, reachable, now)
    messages = []
    for person in reachable:
        answered = dataclasses.replace(latest[person.id], reply=text, answered_at=now)
        payload = answer_payload(answered, person.language)
        key = answer_key(answered.id, text)
        messages.append(_message(person, payload, wake[person.id], key))
    return messages


async def _person(uow: QuestionsUnitOfWork, telegram_id: int) -> Person:
    """Return the enrolled person with this Telegram id; raise NotAllowed otherwise."""
    person = await uow.people.by_telegram_id(telegram_id)
    if person is None:
        raise NotAllowed("not enrolled")
    return person


async def _own_question(uow: QuestionsUnitOfWork, telegram_id: int, question_id: int) -> Question:
    """Return the question when this Telegram user asked it; raise otherwise."""
    person = await _person(uow, telegram_id)
    question = await uow.questions.get(question_id)
    if question is None:
        raise NotFound("question")
    if question.person_id != person.id:
        raise NotAllowed("not the asker")
    return question
