"""The catalogues: every text in the code is translated into Danish, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, gettext_for, normalise_language

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"{(\w*)}")
TAG = re.compile(r"</?\w+>")


def _code_messages() -> set[str]:
    found = extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")], keywords={"_": None, "N_": None}
    )
    return {message for _file, _line, message, _comments, _context in found}


def _catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=language)


def test_every_text_in_the_code_has_a_danish_translation() -> None:
    catalogue = _catalogue("da")
    missing = sorted(
        m for m in _code_messages() if not (catalogue.get(m) and catalogue.get(m).string)
    )
    assert missing == [], "run `make i18n` and translate these in da/messages.po"


def test_translations_keep_placeholders_and_tags() -> None:
    for language in ("da", "en"):
        for message in _catalogue(language):
            if not message.id or not message.string:
                continue
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)
            ), message.id
            assert TAG.findall(message.id) == TAG.findall(message.string), message.id


def test_gettext_translates_and_falls_back() -> None:
    assert gettext_for("da")("Cancelled.") == "Annulleret."
    assert gettext_for("en")("Cancelled.") == "Cancelled."
    assert normalise_language("en-GB") == "en"
    assert normalise_language("sv", default="da") == "da"
    assert normalise_language(None) == "da"
