"""Texts and keyboards of the knowledge base coordinators keep: adding a document, the
/dokumenter list, and answering a knowledge gap as a FAQ."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.i18n import N_, Gettext
from bot.services.knowledge.types import (
    MAX_UPLOAD_BYTES,
    DocumentInfo,
    DocumentKind,
    Indexed,
    Offer,
    Shelf,
)
from bot.services.questions.gaps import Gap
from bot.tg.kit.callbacks import pack
from bot.tg.kit.render import esc, keyboard

PREFIX = "kb"
MAX_FAQ_BUTTONS = 5
MAX_REMOVE_BUTTONS = 30  # Telegram shows at most 100 buttons; a long list stays usable
MAX_LABEL = 40
NOT_VALID = N_("That button is not for you, or it is no longer valid.")
READING = N_("Reading the document …")
INDEXING = N_("Indexing …")
NO_TEXT = N_(
    "I could not read any text in this file (is it a scanned image?), so nothing was added. "
    "Please send it as a PDF with text, a Word (.docx) or a Markdown file."
)
UNSUPPORTED = N_(
    "I can add PDF, Word (.docx) and Markdown (.md) files to the knowledge base. "
    "Please send the document in one of those formats."
)
TOO_LARGE = N_("The file is too large: I can add files of at most {megabytes} MB.")
DOWNLOAD_FAILED = N_("I could not fetch the file from Telegram. Please send it again.")
NOT_HERE = N_("Documents cannot be added or removed in this installation of the bot.")
KIND_NAMES = {
    DocumentKind.UPLOAD: N_("added in the chat"),
    DocumentKind.GUIDE: N_("onboarding guide"),
    DocumentKind.FAQ: N_("FAQ"),
    DocumentKind.FOLDER: N_("in the bot's folder, the operator keeps it"),
}


def too_large(_: Gettext) -> str:
    """Return the refusal of a file above the download limit."""
    return _(TOO_LARGE).format(megabytes=MAX_UPLOAD_BYTES // (1024 * 1024))


def _label(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def offer_text(offer: Offer, file_name: str, _: Gettext) -> str:
    """Return the question whether (and where) to add a document."""
    name = f"<i>{esc(file_name)}</i>"
    if len(offer.departments) == 1:
        department = esc(offer.departments[0].name)
        return _("Add {file} to the knowledge base for {department}?").format(
            file=name, department=department
        )
    return _("Add {file} to the knowledge base? Choose the department:").format(file=name)


def offer_keyboard(offer: Offer, _: Gettext) -> InlineKeyboardMarkup:
    """Return one button per department (or "Yes" for the only one) and "No"."""
    upload = offer.upload.id
    if len(offer.departments) == 1:
        only = offer.departments[0]
        rows = [[(_("Yes, add it"), pack(PREFIX, "add", upload, only.id))]]
    else:
        rows = [[(_label(d.name), pack(PREFIX, "add", upload, d.id))] for d in offer.departments]
    rows.append([(_("No"), pack(PREFIX, "no", upload))])
    return keyboard(rows)


def added_text(indexed: Indexed, department: str, _: Gettext) -> str:
    """Return the last step of the progress message."""
    lines = [
        _(
            "Ready: {count} passages from <b>{title}</b> are in the knowledge base for {department}."
        ).format(count=indexed.chunks, title=esc(indexed.title), department=esc(department)),
        _("Questions are answered from it from now on. /dokumenter lists the documents."),
    ]
    if indexed.replaced:
        lines.insert(1, _("It replaces the earlier document with the same file name."))
    return "\n".join(lines)


def describe_document(document: DocumentInfo, _: Gettext) -> str:
    """Return one document as a line of the list (escaped)."""
    title = esc(document.title)
    if document.kind is DocumentKind.FAQ and document.section:
        title = f"{title}: <i>{esc(document.section)}</i>"
    details = [_(KIND_NAMES[document.kind])]
    if document.date:
        details.append(esc(document.date))
    return f"{title} ({', '.join(details)})"


def shelves_text(shelves: Sequence[Shelf], _: Gettext) -> str:
    """Return the documents of the coordinator's departments, numbered where removable."""
    lines = ["<b>" + _("Documents in the knowledge base") + "</b>"]
    number = 0
    for shelf in shelves:
        lines += ["", "<b>" + esc(shelf.department.name) + "</b>"]
        if not shelf.documents:
            lines.append(_("No documents of its own yet."))
        for document in shelf.documents:
            if document.removable:
                number += 1
                lines.append(f"{number}. {describe_document(document, _)}")
            else:
                lines.append(f"• {describe_document(document, _)}")
    shared = shelves[0].shared if shelves else ()
    if shared:
        lines += ["", "<b>" + _("Shared by every department (not removable here)") + "</b>"]
        lines += [f"• {esc(d.title)}" for d in shared]
    lines += [
        "",
        _(
            "Send a PDF, Word (.docx) or Markdown file in this chat to add it. "
            "Tap 🗑 to remove a document."
        ),
    ]
    return "\n".join(lines)


def removable(shelves: Sequence[Shelf]) -> list[DocumentInfo]:
    """Return the removable documents in the order they are numbered."""
    return [d for shelf in shelves for d in shelf.documents if d.removable]


def shelves_keyboard(shelves: Sequence[Shelf]) -> InlineKeyboardMarkup | None:
    """Return a 🗑 button per removable document."""
    documents = removable(shelves)
    if not documents:
        return None
    rows = [
        [(f"🗑 {number}. {_label(d.section or d.title)}", pack(PREFIX, "rm", d.ref))]
        for number, d in enumerate(documents[:MAX_REMOVE_BUTTONS], 1)
    ]
    return keyboard(rows)


def confirm_text(document: DocumentInfo, _: Gettext) -> str:
    """Return the question whether to remove a document."""
    return _(
        "Remove {document} from the knowledge base? Questions are no longer answered from it."
    ).format(document=describe_document(document, _))


def confirm_keyboard(document: DocumentInfo, _: Gettext) -> InlineKeyboardMarkup:
    """Return "Yes, remove it" and "Keep it"."""
    return keyboard(
        [
            [(_("Yes, remove it"), pack(PREFIX, "rmok", document.ref))],
            [(_("Keep it"), pack(PREFIX, "keep"))],
        ]
    )


def removed_text(document: DocumentInfo, _: Gettext) -> str:
    """Return the confirmation of a removal."""
    return _("Removed from the knowledge base: {document}.").format(
        document=describe_document(document, _)
    )


def faq_keyboard(gaps: Sequence[Gap], _: Gettext) -> InlineKeyboardMarkup | None:
    """Return "Answer and save as FAQ" for the first gaps asked in a cohort (numbered as in
    the list of gaps)."""
    rows = [
        [(f"{number}. " + _("Answer and save as FAQ"), pack(PREFIX, "faq", gap.question_id))]
        for number, gap in enumerate(gaps[:MAX_FAQ_BUTTONS], 1)
        if gap.question_id is not None
    ]
    return keyboard(rows) if rows else None
