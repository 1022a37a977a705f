"""/link: a coordinator links a student to a supervisor with buttons; choosing a pair that is
linked already offers to undo the link (both are told)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext
from bot.services.identity.coordination import CohortPeople
from bot.services.identity.domain import Cohort, Person
from bot.tg.kit.callbacks import as_int, pack
from bot.tg.kit.common import translator
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, esc, keyboard, reply

PAGE = 8


async def start_link(update: Update, context: BotContext) -> None:
    """Begin linking: choose the cohort (skipped when the coordinator has only one)."""
    profile, _ = await translator(update, context)
    cohorts = await _coordinated(update, context)
    if profile is None or not cohorts:
        await reply(update, _("Only coordinators can link students to supervisors."))
        return
    if len(cohorts) == 1:
        await _students_page(update, context, cohorts[0].id, 0, _)
        return
    rows = [[(c.name, pack("lk", "c", c.id, 0))] for c in cohorts[:40]]
    await reply(update, _("Which cohort?"), keyboard(rows))


async def link_button(update: Update, context: BotContext) -> None:
    """Step through cohort → student → supervisor; every step re-checks the role."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    _profile, _ = await translator(update, context)
    parts = (query.data or "").split(":")
    parsed = [as_int(p) for p in parts[2:]]
    numbers = [n for n in parsed if n is not None]
    if len(numbers) != len(parsed) or len(parts) < 4:
        await edit_or_send(update, _("That button is no longer valid. Please start again."))
        return
    if parts[1] == "c" and len(numbers) == 2:
        await _students_page(update, context, numbers[0], numbers[1], _)
    elif parts[1] == "s" and len(numbers) == 3:
        await _supervisors_page(update, context, numbers[0], numbers[1], numbers[2], _)
    elif parts[1] in ("v", "u") and len(numbers) == 3:
        ids = (numbers[0], numbers[1], numbers[2])
        await _change(update, context, ids, _, remove=parts[1] == "u")
    else:
        await edit_or_send(update, _("That button is no longer valid. Please start again."))


async def _coordinated(update: Update, context: BotContext) -> Sequence[Cohort]:
    user = update.effective_user
    assert user is not None
    services = context.services
    if await services.access.profile(user.id) is None:
        return []
    actor = await services.access.actor(user.id)
    return await services.access.coordinated_cohorts(actor)


async def _students_page(
    update: Update, context: BotContext, cohort_id: int, page: int, _: Gettext
) -> None:
    people = await _people(update, context, cohort_id)
    if not people.students or not people.supervisors:
        await edit_or_send(
            update,
            _("{cohort} needs at least one student and one supervisor before linking.").format(
                cohort=esc(people.cohort.name)
            ),
        )
        return
    rows = _page_rows(
        people.students,
        page,
        lambda p: pack("lk", "s", cohort_id, p.id, 0),
        pack("lk", "c", cohort_id, page + 1),
    )
    await edit_or_send(
        update,
        _("{cohort}: which student?").format(cohort=esc(people.cohort.name)),
        keyboard(rows),
    )


async def _supervisors_page(
    update: Update, context: BotContext, cohort_id: int, student_id: int, page: int, _: Gettext
) -> None:
    people = await _people(update, context, cohort_id)
    student = next((p for p in people.students if p.id == student_id), None)
    if student is None:
        await edit_or_send(update, _("That student is no longer in the cohort."))
        return
    rows = _page_rows(
        people.supervisors,
        page,
        lambda p: pack("lk", "v", cohort_id, student_id, p.id),
        pack("lk", "s", cohort_id, student_id, page + 1),
    )
    await edit_or_send(
        update,
        _("Which supervisor for {student}?").format(student=esc(student.display_name)),
        keyboard(rows),
    )


async def _change(
    update: Update,
    context: BotContext,
    ids: tuple[int, int, int],
    _: Gettext,
    *,
    remove: bool,
) -> None:
    """Link a student (cohort, student, supervisor ids) to a supervisor, or undo the link;
    the service checks the role and queues the notices to both of them."""
    user = update.effective_user
    assert user is not None
    services = context.services
    actor = await services.access.actor(user.id)
    change = services.coordination.unlink if remove else services.coordination.link
    changed, student, supervisor = await change(actor, *ids)
    names = {"student": esc(student.display_name), "supervisor": esc(supervisor.display_name)}
    markup = None
    if remove and changed:
        text = _("Removed: {supervisor} is no longer supervisor for {student}. Both are told.")
    elif remove:
        text = _("{supervisor} is not linked to {student}.")
    elif changed:
        text = _("Done: {supervisor} is now supervisor for {student}.")
    else:
        text = _("{supervisor} is already linked to {student}.")
        markup = keyboard([[(_("Remove this link"), pack("lk", "u", *ids))]])
    await edit_or_send(update, text.format(**names), markup)


async def _people(update: Update, context: BotContext, cohort_id: int) -> CohortPeople:
    user = update.effective_user
    assert user is not None
    actor = await context.services.access.actor(user.id)
    return await context.services.coordination.cohort_people(actor, cohort_id)


def _page_rows(
    people: Sequence[Person], page: int, data_for: Callable[[Person], str], next_data: str
) -> list[list[tuple[str, str]]]:
    page = page if page * PAGE < len(people) else 0
    chunk = people[page * PAGE : (page + 1) * PAGE]
    rows = [[(p.display_name, data_for(p))] for p in chunk]
    if (page + 1) * PAGE < len(people):
        rows.append([("→", next_data)])
    return rows


def register(app: Application) -> None:
    """Register the linking handlers."""
    register_commands(
        app,
        Audience.COORDINATOR,
        ("link", N_("Link a student to a supervisor, or undo a link"), 20),
    )
    app.add_handler(CommandHandler("link", start_link, filters=filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(link_button, pattern=r"^lk:"))
