"""/broadcast: a coordinator chooses cohorts and audience with buttons, then writes the text
(see broadcast_compose). Every press is checked again by the services, which raise NotAllowed
for cohorts the coordinator does not coordinate (the error handler answers kindly)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import N_, Gettext
from bot.services.broadcasts.types import STEP_OF, Audience, waiting
from bot.services.identity.access import Actor
from bot.services.identity.awaiting import Awaiting, AwaitKind
from bot.services.kernel.errors import Invalid, NotAllowed, NotFound
from bot.tg.broadcasts.compose import (
    ask_when,
    receive_attachment,
    receive_broadcast_text,
    show_preview,
)
from bot.tg.broadcasts.texts import (
    AUDIENCE_NAMES,
    ONLY_COORDINATORS,
    audience_keyboard,
    cohort_keyboard,
    cohort_names,
    report_text,
)
from bot.tg.kit import menu
from bot.tg.kit.awaited import register_awaited
from bot.tg.kit.callbacks import as_int
from bot.tg.kit.common import translator
from bot.tg.kit.render import edit_or_send, reply

Action = Callable[[Update, BotContext, Actor, int, str, Gettext], Awaitable[None]]


async def start_broadcast(update: Update, context: BotContext) -> None:
    """Open a draft: choose one or more cohorts (toggle buttons, then Next)."""
    profile, _ = await translator(update, context)
    services = context.services
    try:
        if profile is None:
            raise NotAllowed("not enrolled")
        actor = await services.access.actor(profile.person.telegram_id)
        draft = await services.broadcasts.start(actor)
    except NotAllowed:
        await reply(update, _(ONLY_COORDINATORS))
        return
    await reply(
        update,
        _("Who should receive the message? Choose one or more cohorts, then tap Next."),
        cohort_keyboard(draft, _),
    )


async def broadcast_button(update: Update, context: BotContext) -> None:
    """Route a draft's buttons: bc:<action>:<draft id>[:<argument>]."""
    query = update.callback_query
    assert query is not None
    _profile, _ = await translator(update, context)
    parts = (query.data or "").split(":")
    action = ACTIONS.get(parts[1]) if len(parts) in (3, 4) else None
    broadcast_id = as_int(parts[2]) if action else None
    if action is None or broadcast_id is None:
        await query.answer(_("That button is no longer valid. Please start again."))
        return
    actor = await context.services.access.actor(query.from_user.id)
    await action(update, context, actor, broadcast_id, parts[3] if len(parts) == 4 else "", _)


async def _toggle(
    update: Update, context: BotContext, actor: Actor, bid: int, arg: str, _: Gettext
) -> None:
    """Add or remove a cohort (the service refuses cohorts the actor does not coordinate)."""
    cohort_id = as_int(arg)
    if cohort_id is None:
        raise NotFound("cohort")
    draft = await context.services.broadcasts.toggle(actor, bid, cohort_id)
    await _answer(update)
    await edit_or_send(
        update,
        _("Who should receive the message? Choose one or more cohorts, then tap Next."),
        cohort_keyboard(draft, _),
    )


async def _next(
    update: Update, context: BotContext, actor: Actor, bid: int, arg: str, _: Gettext
) -> None:
    """Go on to the audience once a cohort is chosen."""
    try:
        draft = await context.services.broadcasts.cohorts_chosen(actor, bid)
    except Invalid:
        await _answer(update, _("Please choose at least one cohort."), alert=True)
        return
    await _answer(update)
    await edit_or_send(
        update,
        _("Who in {cohorts} should receive it?").format(cohorts=cohort_names(draft.cohorts)),
        audience_keyboard(bid, _),
    )


async def _audience(
    update: Update, context: BotContext, actor: Actor, bid: int, arg: str, _: Gettext
) -> None:
    """Set the audience and ask for the text."""
    if arg not in {a.value for a in Audience}:
        raise NotFound("audience")
    await context.services.broadcasts.choose_audience(actor, bid, Audience(arg))
    await _answer(update)
    await edit_or_send(
        update,
        _("To: {audience}.").format(audience=_(AUDIENCE_NAMES[Audience(arg)]))
        + "\n\n"
        + _(
            "Now write your message. It is sent exactly as you write it, formatting "
            "included. Or /annuller."
        ),
    )


async def _no_attachment(
    update: Update, context: BotContext, actor: Actor, bid: int, arg: str, _: Gettext
) -> None:
    """Go on to the preview without an attachment (once, however often it is tapped)."""
    skipped = await context.services.broadcasts.skip_attachment(actor, bid)
    await _answer(update)
    if not skipped:
        return
    await edit_or_send(update, _("No attachment."))
    await show_preview(update, context, actor, bid, _)


async def _send_now(
    update: Update, context: BotContext, actor: Actor, bid: int, arg: str, _: Gettext
) -> None:
    """Confirm: put the broadcast in the outbox; a second tap adds nothing."""
    query = update.callback_query
    assert query is not None
    assert query.message is not None
    confirmed = await context.services.broadcasts.send_now(
        actor, bid, query.message.chat.id, query.message.message_id
    )
    if confirmed.already:
        await _answer(update, _("This broadcast has already been confirmed."))
        return
    await _answer(update)
    shown = waiting(confirmed.recipients)
    await edit_or_send(update, report_text(confirmed.broadcast, shown, _, done=False))


async def _schedule(
    update: Update, context: BotContext, actor: Actor, bid: int, arg: str, _: Gettext
) -> None:
    """Ask when to send it."""
    await _answer(update)
    await ask_when(update, context, actor, bid, _)


async def _discard(
    update: Update, context: BotContext, actor: Actor, bid: int, arg: str, _: Gettext
) -> None:
    """Drop the draft."""
    await context.services.broadcasts.discard(actor, bid)
    await _answer(update)
    await edit_or_send(update, _("Cancelled. Nothing was sent."))


async def _answer(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Answer the button press, with a short note or an alert when there is one."""
    query = update.callback_query
    assert query is not None
    await query.answer(text, show_alert=alert)


ACTIONS: dict[str, Action] = {
    "t": _toggle,
    "n": _next,
    "a": _audience,
    "k": _no_attachment,
    "s": _send_now,
    "l": _schedule,
    "x": _discard,
}


def register(app: Application) -> None:
    """Register /broadcast and the draft's buttons."""
    menu.register_commands(
        app,
        menu.Audience.COORDINATOR,
        ("broadcast", N_("Send a message to your cohorts"), 40),
    )
    app.add_handler(
        CommandHandler(["broadcast", "udsend"], start_broadcast, filters=filters.ChatType.PRIVATE)
    )
    app.add_handler(CallbackQueryHandler(broadcast_button, pattern=r"^bc:"))
    register_awaited(app, AwaitKind.BROADCAST_TEXT, _draft_text)
    register_awaited(app, AwaitKind.BROADCAST_FILE, _draft_text, media=_draft_file)
    register_awaited(app, AwaitKind.BROADCAST_WHEN, _draft_text)


async def _draft_text(update: Update, context: BotContext, awaited: Awaiting, text: str) -> None:
    """Take the text a draft's step waits for."""
    await receive_broadcast_text(update, context, STEP_OF[awaited.kind], awaited.target_id, text)


async def _draft_file(update: Update, context: BotContext, awaited: Awaiting) -> None:
    """Take the photo or document a draft waits for."""
    await receive_attachment(update, context, awaited.target_id)
