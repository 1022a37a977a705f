"""How citations, gaps and the knowledge base's lists read in the chat."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.i18n import gettext_for
from bot.services.identity.domain import Department, GapReason
from bot.services.knowledge.types import DocumentInfo, DocumentKind, Shelf
from bot.services.questions.gaps import Gap
from bot.services.questions.knowledge import Citation
from bot.tg.knowledge.texts import faq_keyboard, shelves_keyboard, shelves_text
from bot.tg.questions.texts import describe, gaps_message

_ = gettext_for("da")
M2 = Department(1, 1, "Medicinsk M2", "medicinsk-m2")


def test_a_source_url_makes_the_title_a_link() -> None:
    citation = Citation(
        "Velkomst & regler", "Første dag", 2, "g.md", url='https://example.org/a?b=1&c="2"'
    )
    assert describe(citation, _) == (
        '<a href="https://example.org/a?b=1&amp;c=&quot;2&quot;">Velkomst &amp; regler</a>'
        " — Første dag, s. 2"
    )


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/x", "example.org", "https://", "http://a b"],
)
def test_only_http_addresses_become_links(url: str) -> None:
    assert describe(Citation("Titel", None, None, "x.md", url=url), _) == "Titel"


def test_a_faq_is_cited_with_its_question_and_date() -> None:
    citation = Citation(
        "FAQ — Medicinsk M2", "Hvad koster <kaffen>?", None, "f.md", "dept:m2", date="2027-02-03"
    )
    assert describe(citation, _) == "FAQ — Medicinsk M2 — Hvad koster &lt;kaffen&gt;? (2027-02-03)"


def _gap(text: str, question_id: int | None) -> Gap:
    return Gap(text, 2, datetime(2027, 2, 3, tzinfo=UTC), {GapReason.ABSTAINED}, {1}, question_id)


def test_gaps_are_numbered_and_the_first_asked_in_a_cohort_get_a_faq_button() -> None:
    gaps = [_gap(f"Spørgsmål {n}?", n if n != 2 else None) for n in range(1, 9)]
    text = gaps_message(gaps, _, with_faq=True)
    assert "1. 2× <i>Spørgsmål 1?</i> — intet svar i dokumenterne (2027-02-03)" in text
    assert "8. 2× <i>Spørgsmål 8?</i>" in text
    assert "Svar på et af dem med knappen nedenfor" in text
    markup = faq_keyboard(gaps, _)
    assert markup is not None
    buttons = [row[0] for row in markup.inline_keyboard]
    assert [b.text for b in buttons] == [
        f"{n}. Svar og gem som FAQ"
        for n in (1, 3, 4, 5)  # the 2nd has no cohort
    ]
    assert [b.callback_data for b in buttons] == ["kb:faq:1", "kb:faq:3", "kb:faq:4", "kb:faq:5"]
    assert faq_keyboard([_gap("Anonymt?", None)], _) is None
    assert "knappen" not in gaps_message(gaps, _)


def test_the_shelf_numbers_what_can_be_removed() -> None:
    own = (
        DocumentInfo("managed:a", "Velkomst", "dept:medicinsk-m2", DocumentKind.UPLOAD, "2027", 3),
        DocumentInfo("ob.md", "Mappens guide", "dept:medicinsk-m2", DocumentKind.FOLDER, "", 5),
        DocumentInfo(
            "managed:f",
            "FAQ — Medicinsk M2",
            "dept:medicinsk-m2",
            DocumentKind.FAQ,
            "2027-02-03",
            1,
            "Hvad koster kaffen?",
        ),
    )
    shared = (DocumentInfo("s.md", "Strategi", "all", DocumentKind.FOLDER, "2024", 9),)
    shelves = [Shelf(M2, own, shared)]
    text = shelves_text(shelves, _)
    assert "1. Velkomst (tilføjet i chatten, 2027)" in text
    assert "• Mappens guide (i bottens mappe" in text
    assert "2. FAQ — Medicinsk M2: <i>Hvad koster kaffen?</i> (FAQ, 2027-02-03)" in text
    assert "Fælles for alle afdelinger (kan ikke fjernes her)" in text
    assert "• Strategi" in text
    markup = shelves_keyboard(shelves)
    assert markup is not None
    assert [row[0].text for row in markup.inline_keyboard] == [
        "🗑 1. Velkomst",
        "🗑 2. Hvad koster kaffen?",
    ]
    assert shelves_keyboard([Shelf(M2, own[1:2], shared)]) is None
