"""A FAQ entry as a Markdown document: the question is the section it is cited by, the
answer its text. The library gives it the department's scope, publisher and date."""

from __future__ import annotations

import re

from bot.services.identity.domain import Department

_HEADING_START = re.compile(r"^\s*#+\s*", re.MULTILINE)
_COMMENT = re.compile(r"<!--|-->")


def faq_title(department: Department) -> str:
    """Return the title FAQ entries of a department are cited by."""
    return f"FAQ — {department.name}"


def _plain(text: str) -> str:
    """Keep a coordinator's text from turning into headings, page markers or front matter."""
    text = _COMMENT.sub("", text)
    text = _HEADING_START.sub("", text)
    return re.sub(r"^-{3,}\s*$", "", text, flags=re.MULTILINE).strip()


def faq_document(department: Department, question: str, answer: str) -> str:
    """Return the Markdown of one FAQ entry (the question on one line, as its heading)."""
    heading = " ".join(_plain(question).split())
    return f"# {faq_title(department)}\n\n## {heading}\n\n{_plain(answer)}\n"
