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
from bot.services.questions.knowledge import AbstainReason, AnswerLine, Citation, Section
from bot.services.questions.markdown import spans
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

ITEM, ROW, HEAD = "item", "row", "head"  # AnswerLine kinds shown as bullets or a header
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
    """Return the reply to a question: the passage window with its source, or a kind
    abstention that says why."""
    answer = asked.answer
    if answer.abstained:
        lines = [abstention(asked, _)]
    else:
        body = render_lines(answer.lines) if answer.lines else esc(answer.text)
        lines = [body, ""]
        if len(answer.citations) == 1:
            lines.append("📄 " + describe(answer.citations[0], _))
        else:
            lines.append(_("Sources:"))
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


def abstention(asked: Asked, _: Gettext) -> str:
    """Why there is no answer, and what happens next."""
    answer = asked.answer
    no_guide = any(scope.startswith("dept:") for scope in answer.missing_scopes)
    if answer.reason == AbstainReason.UNAVAILABLE and asked.told:
        text = _(
            "Search is unavailable right now, so I cannot look in the documents. I have "
            "told the coordinators; please try again in a little while."
        )
    elif answer.reason == AbstainReason.UNAVAILABLE:
        text = _("Search is unavailable right now, so I cannot look in the documents.")
    elif no_guide:
        text = _(
            "I don't know that, I'm afraid. Your department has no onboarding guide in "
            "Praktikbot yet, so I cannot answer questions about the ward itself."
        )
    elif answer.reason == AbstainReason.OUT_OF_SCOPE:
        text = _(
            "I don't know that, I'm afraid. The documents I may use for you do not answer it."
        )
    elif asked.enrolled:
        text = _("I don't know that, I'm afraid. I found nothing about it in the documents.")
    else:
        return _("I don't know that, I'm afraid. I found nothing about it in the documents.")
    if not asked.enrolled:
        return text
    return text + " " + _("Shall I ask your coordinator?")


def render_lines(lines: Sequence[AnswerLine]) -> str:
    """Render answer lines as Telegram HTML: the answering sentence in bold, list items and
    table rows as bullets, a table's header in italics, the documents' Markdown as
    formatting."""
    out = []
    for line in lines:
        parts = []
        for text, key in line.segments:
            if line.kind in (ROW, HEAD):
                text = text.replace("; ", " — ")
            html = inline_html(text, plain_bold=key)
            parts.append(f"<b>{html}</b>" if key else html)
        joined = " ".join(parts)
        if line.kind == HEAD:
            out.append(f"<i>{joined}</i>")
        elif line.kind in (ITEM, ROW):
            out.append(f"• {joined}")
        else:
            out.append(joined)
    return "\n".join(out)


def inline_html(text: str, plain_bold: bool = False) -> str:
    """Inline Markdown as Telegram HTML (escaped); bold shown plain inside a bold sentence;
    links only to http(s) addresses."""
    out = []
    for span in spans(text):
        body = esc(span.text)
        if span.style == "b" and not plain_bold:
            out.append(f"<b>{body}</b>")
        elif span.style == "i":
            out.append(f"<i>{body}</i>")
        elif span.style == "code":
            out.append(f"<code>{body}</code>")
        elif span.style == "link" and span.url.lower().startswith(("http://", "https://")):
            out.append(f'<a href="{html.escape(span.url, quote=True)}">{body}</a>')
        else:
            out.append(body)
    return "".join(out)


def section_message(section: Section, _: Gettext) -> str:
    """A whole section for "read more", with its source."""
    return render_lines(section.lines) + "\n\n📄 " + describe(section.citation, _)


def answer_keyboard(asked: Asked, _: Gettext) -> InlineKeyboardMarkup | None:
    """Return "Read more" under an answer, and 👍/👎 and "Ask a person" for an enrolled
    asker (only the latter on abstention)."""
    answer = asked.answer
    more = (
        [[(_("Read more"), pack("kb", "more", answer.section_key))]]
        if not answer.abstained and answer.section_key
        else []
    )
    if asked.question_id is None or not asked.enrolled:
        return keyboard(more) if more else None
    rows = [] if answer.abstained else [votes_row(asked.question_id)]
    return keyboard([*more, *rows, [ask_person_button(asked.question_id, _)]])


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
