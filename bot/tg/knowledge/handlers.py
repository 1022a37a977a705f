"""Coordinators keep their department's knowledge base in the chat: a PDF, Word or Markdown
file they send (when nothing waits for an attachment) is offered for their departments and
indexed at once, with a progress message; /dokumenter lists and removes documents.

The document handler runs in an earlier handler group than the fallbacks: it takes only a
coordinator's document that nothing awaits and then stops the update there; every other
document goes on to the fallback (a broadcast's attachment, or "I only read text")."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import N_, Gettext
from bot.services.identity.awaiting import Awaiting
from bot.services.kernel.errors import NotAllowed, NotFound
from bot.services.knowledge.service import KnowledgeUnavailable
from bot.services.knowledge.types import NoText, Stage, TooLarge, UnsupportedFile
from bot.tg.kit.callbacks import as_int
from bot.tg.kit.common import translator
from bot.tg.kit.menu import Audience, register_commands
from bot.tg.kit.render import edit_or_send, reply
from bot.tg.knowledge.texts import (
    DOWNLOAD_FAILED,
    INDEXING,
    NO_TEXT,
    NOT_HERE,
    NOT_VALID,
    PREFIX,
    READING,
    UNSUPPORTED,
    added_text,
    confirm_keyboard,
    confirm_text,
    offer_keyboard,
    offer_text,
    removed_text,
    shelves_keyboard,
    shelves_text,
    too_large,
)

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
EARLY = -1  # before the fallbacks' group, so a coordinator's document is taken first


async def document_message(update: Update, context: BotContext) -> None:
    """Offer a coordinator's document for their departments' knowledge base; leave any
    other document (or one an open flow waits for) to the handlers after this group."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None
    assert user is not None
    document = message.document
    profile, _ = await translator(update, context)
    if document is None or profile is None:
        return
    awaited = Awaiting.parse(profile.person.awaiting)
    receiver = context.bot_data.awaited.receiver(awaited)
    if receiver is not None and receiver.media is not None:
        return  # e.g. a broadcast's attachment
    file_name = document.file_name or "document"
    try:
        offer = await context.services.knowledge.offer(
            user.id, document.file_id, file_name, document.file_size
        )
    except UnsupportedFile:
        await reply(update, _(UNSUPPORTED))
        raise ApplicationHandlerStop from None
    except TooLarge:
        await reply(update, too_large(_))
        raise ApplicationHandlerStop from None
    if offer is None:
        return
    await reply(update, offer_text(offer, file_name, _), offer_keyboard(offer, _))
    raise ApplicationHandlerStop


async def offer_button(update: Update, context: BotContext) -> None:
    """Add the document to the chosen department ("kb:add") or forget it ("kb:no")."""
    query = update.callback_query
    assert query is not None
    _profile, _ = await translator(update, context)
    verb, *fields = (query.data or "").removeprefix(f"{PREFIX}:").split(":")
    ids = [as_int(field) for field in fields]
    try:
        if verb == "no" and len(ids) == 1 and ids[0] is not None:
            await context.services.knowledge.cancel_upload(query.from_user.id, ids[0])
            await query.answer()
            await edit_or_send(update, _("All right, I have not added it."))
        elif verb == "add" and len(ids) == 2 and ids[0] is not None and ids[1] is not None:
            await _add(update, context, ids[0], ids[1], _)
        else:
            raise NotFound("upload")
    except (NotAllowed, NotFound, KnowledgeUnavailable):
        await query.answer(_(NOT_VALID), show_alert=True)


async def _add(
    update: Update, context: BotContext, upload_id: int, department_id: int, _: Gettext
) -> None:
    """Download, read and index the document, editing one message as it goes."""
    query = update.callback_query
    assert query is not None

    async def progress(stage: Stage) -> None:
        if stage is Stage.READING:
            await query.answer()
        await edit_or_send(update, _(READING if stage is Stage.READING else INDEXING))
        if update.effective_chat is not None:
            with contextlib.suppress(TelegramError):
                await update.effective_chat.send_chat_action(ChatAction.TYPING)

    async def download(file_id: str) -> bytes:
        telegram_file = await context.bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray())

    try:
        department, indexed = await context.services.knowledge.add_upload(
            query.from_user.id, upload_id, department_id, download, progress
        )
    except NoText:
        await edit_or_send(update, _(NO_TEXT))
    except TooLarge:
        await edit_or_send(update, too_large(_))
    except UnsupportedFile:
        await edit_or_send(update, _(UNSUPPORTED))
    except KnowledgeUnavailable:
        await edit_or_send(update, _(NOT_HERE))
    except TelegramError as exc:
        log.warning("could not download a document: %s", type(exc).__name__)
        await edit_or_send(update, _(DOWNLOAD_FAILED))
    else:
        await edit_or_send(update, added_text(indexed, department.name, _))


async def show_documents(update: Update, context: BotContext) -> None:
    """List the documents of the coordinator's departments, with 🗑 buttons."""
    profile, _ = await translator(update, context)
    await _render(update, context, profile is not None, _, edit=False)


async def _render(
    update: Update, context: BotContext, enrolled: bool, _: Gettext, *, edit: bool
) -> None:
    """Send (or, from a button, edit into) the list of documents."""
    user = update.effective_user
    assert user is not None
    knowledge = context.services.knowledge
    try:
        if not enrolled:
            raise NotAllowed("not enrolled")
        if not knowledge.writable:
            await reply(update, _(NOT_HERE))
            return
        shelves = await knowledge.shelves(user.id)
    except NotAllowed:
        await reply(update, _("Only coordinators can manage the knowledge base."))
        return
    text, markup = shelves_text(shelves, _), shelves_keyboard(shelves)
    if edit:
        await edit_or_send(update, text, markup)
    else:
        await reply(update, text, markup)


async def document_button(update: Update, context: BotContext) -> None:
    """Ask to confirm a removal ("kb:rm"), remove ("kb:rmok"), or go back ("kb:keep")."""
    query = update.callback_query
    assert query is not None
    profile, _ = await translator(update, context)
    knowledge = context.services.knowledge
    verb, _colon, ref = (query.data or "").removeprefix(f"{PREFIX}:").partition(":")
    try:
        if verb == "keep":
            await query.answer()
            await _render(update, context, profile is not None, _, edit=True)
        elif verb == "rm":
            document = await knowledge.document(query.from_user.id, ref)
            await query.answer()
            await edit_or_send(update, confirm_text(document, _), confirm_keyboard(document, _))
        elif verb == "rmok":
            document = await knowledge.remove(query.from_user.id, ref)
            await query.answer()
            await edit_or_send(update, removed_text(document, _))
        else:
            raise NotFound("document")
    except (NotAllowed, NotFound, KnowledgeUnavailable):
        await query.answer(_(NOT_VALID), show_alert=True)


def register(app: Application) -> None:
    """Register the document handler (early group), its buttons and /dokumenter."""
    register_commands(
        app,
        Audience.COORDINATOR,
        ("dokumenter", N_("The knowledge base: your departments' documents"), 35),
    )
    app.add_handler(
        MessageHandler(
            PRIVATE & filters.UpdateType.MESSAGE & filters.Document.ALL, document_message
        ),
        group=EARLY,
    )
    app.add_handler(CallbackQueryHandler(offer_button, pattern=rf"^{PREFIX}:(add|no):"))
    app.add_handler(CallbackQueryHandler(document_button, pattern=rf"^{PREFIX}:(rm|rmok|keep)"))
    app.add_handler(CommandHandler(["dokumenter", "documents"], show_documents, filters=PRIVATE))
