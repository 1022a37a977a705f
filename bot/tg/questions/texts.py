"""Texts and keyboards for answers to questions, their buttons and the knowledge gaps (the
hand-off and the coordinator's answer are outbox messages: bot/services/questions/messages)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from urllib.parse import urlparse

from telegram import InlineKeyboardMarkup

from bot.i18n import N_, Gettext
from bot.services.identity.domain import GapReason
from bot.services.questions.gaps import Gap
from bot.services.questions.knowledge import Citation
from bot.services.questions.messages import QuestionAction
from bot.services.questions.service import Asked
from bot.tg.kit.callbacks import ChoiceData, pack, verb_data
from bot.tg.kit.render import esc, keyboard

MAX_GAPS_SHOWN = 40
GAP_REASONS = {
    GapReason.ABSTAINED: N_("no answer in the documents"),
    GapReason.UNHELPFUL: N_("answer not helpful"),
    GapReason.WAITING: N_("waiting for a coordinator"),
}
NOT_YOURS = N_("That button is not for you, or it is no longer valid.")
CPR_IN_QUESTION = N_(
    "That looks like a CPR number, so I have neither stored nor searched for it. "
    "Please ask again without personal data."
)

# How the choices of queued question messages become callback data (parsed in replies.py).
CHOICE_DATA: dict[str, ChoiceData] = {QuestionAction.ANSWER: verb_data("qa", "re")}


def describe(citation: Citation, _: Gettext) -> str:
    """Return a citation as "title — section, p. N (date)" (escaped); the title links to the
    original when the document gives an http(s) address for it."""
    text = esc(citation.title)
    if citation.url and _web_address(citation.url):
        text = f'<a href="{html.escape(citation.url, quote=True)}">{text}</a>'
    if citation.section:
        text += f" — {esc(citation.section)}"
    if citation.page:
        text += ", " + _("p. {page}").format(page=citation.page)
    if citation.date:
        text += f" ({esc(citation.date)})"
    return text


def _web_address(url: str) -> bool:
    """Return whether a URL is a plain http(s) address (nothing else becomes a link)."""
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in url


def answer_message(asked: Asked, _: Gettext) -> str:
    """Return the reply to a question: the answer with its sources, or a kind abstention."""
    answer = asked.answer
    if answer.abstained:
        lines = [
            _("I don't know that, I'm afraid — shall I ask your coordinator?")
            if asked.enrolled
            else _("I don't know that, I'm afraid. I found nothing about it in the documents.")
        ]
    else:
        lines = [esc(answer.text), "", _("Sources:")]
        lines += [f"[{i}] {describe(c, _)}" for i, c in enumerate(answer.citations, 1)]
    if not asked.enrolled:
        lines += [
            "",
            _(
                "Join your cohort with the invite link from your coordinator to get answers "
                "about your own ward and to ask a person."
            ),
        ]
    return "\n".join(lines)


def answer_keyboard(asked: Asked, _: Gettext) -> InlineKeyboardMarkup | None:
    """Return 👍/👎 and "Ask a person" for an enrolled asker (only the latter on abstention)."""
    if asked.question_id is None or not asked.enrolled:
        return None
    rows = [] if asked.answer.abstained else [votes_row(asked.question_id)]
    return keyboard([*rows, [ask_person_button(asked.question_id, _)]])


def votes_row(question_id: int) -> list[tuple[str, str]]:
    """Return the 👍 and 👎 buttons."""
    return [("👍", pack("qa", "up", question_id)), ("👎", pack("qa", "dn", question_id))]


def ask_person_button(question_id: int, _: Gettext) -> tuple[str, str]:
    """Return the "Ask a person" button."""
    return (_("Ask a person"), pack("qa", "ho", question_id))


def gaps_message(gaps: Sequence[Gap], _: Gettext, with_faq: bool = False) -> str:
    """Return the knowledge gaps, newest first and numbered, with counts and reasons (and,
    `with_faq`, how to answer one as a FAQ with the buttons below)."""
    if not gaps:
        return _("No knowledge gaps right now: every question got an answer that helped.")
    lines = [
        "<b>" + _("Questions the documents did not answer well") + "</b>",
        _("Newest first. Consider adding the answers to the knowledge base."),
        "",
    ]
    for number, gap in enumerate(gaps[:MAX_GAPS_SHOWN], 1):
        reasons = ", ".join(_(GAP_REASONS[r]) for r in GapReason if r in gap.reasons)
        lines.append(
            f"{number}. {gap.count}× <i>{esc(gap.text)}</i> — {reasons} "
            f"({gap.last_asked:%Y-%m-%d})"
        )
    if len(gaps) > MAX_GAPS_SHOWN:
        lines.append(_("… and {count} more.").format(count=len(gaps) - MAX_GAPS_SHOWN))
    if with_faq:
        lines += [
            "",
            _(
                "Answer one with its button below: the answer is saved as a FAQ of the "
                "department, answers the question from now on and reaches those who asked."
            ),
        ]
    return "\n".join(lines)
