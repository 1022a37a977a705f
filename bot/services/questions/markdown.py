"""Inline Markdown of the documents (**bold**, *italic*, `code`, [text](url)) read into
styled spans, so an answer is shown with its formatting (the chat renders the spans) or as
plain text (stored, printed), never with the asterisks visible."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"\*\*(?P<bold>.+?)\*\*"
    r"|__(?P<bold2>.+?)__"
    r"|(?<![\w*])\*(?P<italic>[^*\s](?:[^*]*?[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic2>[^_\s](?:[^_]*?[^_\s])?)_(?![\w_])"
    r"|`(?P<code>[^`]+)`"
    r"|\[(?P<label>[^\]]+)\]\((?P<url>[^)\s]+)\)"
)


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of text with its style: "" (plain), "b", "i", "code" or "link" (with url)."""

    text: str
    style: str = ""
    url: str = ""


def spans(text: str) -> list[Span]:
    """Split inline Markdown into styled spans (one level: styles do not nest)."""
    result: list[Span] = []
    at = 0
    for match in _TOKEN.finditer(text):
        if match.start() > at:
            result.append(Span(text[at : match.start()]))
        if match["bold"] or match["bold2"]:
            result.append(Span(_strip(match["bold"] or match["bold2"]), "b"))
        elif match["italic"] or match["italic2"]:
            result.append(Span(match["italic"] or match["italic2"], "i"))
        elif match["code"]:
            result.append(Span(match["code"], "code"))
        else:
            result.append(Span(match["label"], "link", match["url"]))
        at = match.end()
    if at < len(text):
        result.append(Span(text[at:]))
    return result


def plain(text: str) -> str:
    """The text without its Markdown marks."""
    return "".join(span.text for span in spans(text))


def _strip(text: str) -> str:
    """Inner marks of a bold span (its italics) are dropped: one level is shown."""
    return plain(text) if any(mark in text for mark in "*_`[") else text
