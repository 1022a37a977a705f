"""Writing a broadcast: the text, an optional photo or document, the preview (sent exactly
as the recipients will get it) and the time to send it at. The step waited for lives in
person.awaiting, the draft in SQL, so a restart loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from telegram import InlineKeyboardMarkup, Message, Update

from bot.context import BotContext
from bot.i18n import Gettext
from bot.services.broadcasts.types import CAPTION_LIMIT, TEXT_LIMIT, Step
from bot.services.delivery.outbox import MessageKind, OutboxItem, OutcomeKind
from bot.services.identity.access import Actor
from bot.services.kernel.errors import ContainsCpr, Invalid, NotFound
from bot.services.kernel.local_time import InvalidWhen
from bot.tg.broadcasts.texts import WHEN_PROBLEMS, preview_keyboard, preview_text, scheduled_text
from bot.tg.delivery.sender import TelegramSender
from bot.tg.kit.callbacks import pack
from bot.tg.kit.common import translator
from bot.tg.kit.render import edit_or_send, esc, keyboard, reply

log = logging.getLogger(__name__)
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the Bot API's getFile limit


async def receive_broadcast_text(
    update: Update, context: BotContext, step: Step, broadcast_id: int, text: str
) -> None:
    """Take the text a draft waits for: its message, or the time to send it at."""
    profile, _ = await translator(update, context)
    assert profile is not None
    actor = await context.services.access.actor(profile.person.telegram_id)
    try:
        if step is Step.TEXT:
            await _receive_message(update, context, actor, broadcast_id, _)
        elif step is Step.WHEN:
            await _receive_when(
                update, context, actor, broadcast_id, text, profile.person.timezone
            )
        else:
            await reply(update, _attach_prompt(_), _skip_keyboard(broadcast_id, _))
    except NotFound:
        await _gone(update, context, _)


async def _receive_message(
    update: Update, context: BotContext, actor: Actor, broadcast_id: int, _: Gettext
) -> None:
    """Store the message as HTML (the author's formatting kept, their text escaped)."""
    message = update.effective_message
    assert message is not None
    try:
        await context.services.broadcasts.set_text(actor, broadcast_id, message.text_html)
    except ContainsCpr:
        await reply(
            update,
            _(
                "That looks like a CPR number, so I have not stored it. "
                "Please write the message without it, or /annuller."
            ),
        )
        return
    except Invalid:
        await reply(
            update,
            _(
                "Please write the message as text of at most {limit} characters, or /annuller."
            ).format(limit=TEXT_LIMIT),
        )
        return
    await reply(update, _attach_prompt(_), _skip_keyboard(broadcast_id, _))


async def _receive_when(
    update: Update,
    context: BotContext,
    actor: Actor,
    broadcast_id: int,
    text: str,
    timezone: str,
) -> None:
    """Schedule the draft for the written date and time, or explain what is wrong with it."""
    _profile, _ = await translator(update, context)
    services = context.services
    try:
        confirmed = await services.broadcasts.schedule(actor, broadcast_id, text)
    except InvalidWhen as exc:
        await reply(update, _(WHEN_PROBLEMS[exc.problem]))
        return
    sent = await reply(update, scheduled_text(confirmed.broadcast, timezone, _))
    if sent is not None and not confirmed.already:
        await services.broadcasts.set_confirmation(broadcast_id, sent.chat_id, sent.message_id)


async def receive_attachment(update: Update, context: BotContext, broadcast_id: int) -> None:
    """Store a photo or document for the draft under DATA_DIR/broadcasts/<id>/, then preview."""
    profile, _ = await translator(update, context)
    assert profile is not None
    assert update.effective_message is not None
    found = _attachment(update.effective_message)
    if found is None:
        await reply(update, _attach_prompt(_), _skip_keyboard(broadcast_id, _))
        return
    file_id, kind, name, size = found
    if size > DOWNLOAD_LIMIT:
        await reply(update, _("That file is too large (at most 20 MB)."))
        return
    actor = await context.services.access.actor(profile.person.telegram_id)
    try:
        await _store(context, actor, broadcast_id, file_id, kind, name)
    except NotFound:
        await _gone(update, context, _)
        return
    except Invalid:
        await reply(
            update,
            _(
                "With a photo or document the text can be at most {limit} characters. "
                "Send it without an attachment, or start again with /broadcast."
            ).format(limit=CAPTION_LIMIT),
            _skip_keyboard(broadcast_id, _),
        )
        return
    await show_preview(update, context, actor, broadcast_id, _)


def _attachment(message: Message) -> tuple[str, MessageKind, str, int] | None:
    """Return (file id, kind, file name, size) of a photo or document message."""
    if message.photo:
        photo = message.photo[-1]
        return photo.file_id, MessageKind.PHOTO, "photo", photo.file_size or 0
    if message.document:
        doc = message.document
        return doc.file_id, MessageKind.DOCUMENT, doc.file_name or "document", doc.file_size or 0
    return None


async def _store(
    context: BotContext,
    actor: Actor,
    broadcast_id: int,
    file_id: str,
    kind: MessageKind,
    name: str,
) -> None:
    """Download the file (getFile) to where the outbox will send it from."""
    telegram_file = await context.bot.get_file(file_id)
    if kind is MessageKind.PHOTO:
        name += Path(telegram_file.file_path or "").suffix or ".jpg"
    broadcasts = context.services.broadcasts
    path = await broadcasts.attachment_path(actor, broadcast_id, name)
    await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
    await telegram_file.download_to_drive(path)
    await broadcasts.attach(actor, broadcast_id, kind, path)


async def show_preview(
    update: Update, context: BotContext, actor: Actor, broadcast_id: int, _: Gettext
) -> None:
    """Send the message exactly as recipients will get it, then the count and the choices."""
    chat = update.effective_chat
    assert chat is not None
    preview = await context.services.broadcasts.preview(actor, broadcast_id)
    item = OutboxItem(0, chat.id, preview.kind, preview.payload, "preview", 0)
    outcome = await TelegramSender(context.bot).send(item)
    if outcome.kind is not OutcomeKind.SENT:
        log.warning("broadcast %s: preview not shown: %s", broadcast_id, outcome.kind)
        await reply(update, _("Telegram did not accept this message. Please start again."))
        return
    await reply(update, preview_text(preview, _), preview_keyboard(preview, _))


async def ask_when(
    update: Update, context: BotContext, actor: Actor, broadcast_id: int, _: Gettext
) -> None:
    """Ask for the date and time to send the draft at, in the author's time zone."""
    author = await context.services.broadcasts.ask_when(actor, broadcast_id)
    await edit_or_send(
        update,
        _(
            "When should it be sent? Write the date and time like 2027-02-10 08:00 "
            "(your time zone: {timezone}), or /annuller."
        ).format(timezone=esc(author.timezone)),
    )


def _attach_prompt(_: Gettext) -> str:
    """Return the question whether to attach a file."""
    return _("Attach a photo or a document? Send it now, or tap “No attachment”.")


def _skip_keyboard(broadcast_id: int, _: Gettext) -> InlineKeyboardMarkup:
    """Return the "No attachment" button."""
    return keyboard([[(_("No attachment"), pack("bc", "k", broadcast_id))]])


async def _gone(update: Update, context: BotContext, _: Gettext) -> None:
    """The draft was sent or dropped meanwhile: stop waiting for it."""
    user = update.effective_user
    assert user is not None
    with contextlib.suppress(NotFound):
        await context.services.enrolment.cancel_awaiting(user.id)
    await reply(update, _("That draft is no longer open. Start again with /broadcast."))
