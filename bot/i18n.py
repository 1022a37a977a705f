"""Gettext catalogues (Babel): Danish first, English second.

Message ids are the English source texts. Catalogues are compiled to .mo at install
(`make install` runs `pybabel compile`); a missing .mo is compiled in memory from its .po
so a plain checkout still speaks Danish.
"""

from __future__ import annotations

import gettext
import logging
from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("da", "en")
log = logging.getLogger(__name__)

Gettext = Callable[[str], str]


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it yet."""
    return message


def normalise_language(code: str | None, default: str = "da") -> str:
    """Map a Telegram language_code (e.g. "en-GB") to a supported language."""
    base = (code or "").split("-")[0].lower()
    return base if base in LANGUAGES else default


@cache
def translations(language: str) -> gettext.NullTranslations:
    """Return the catalogue for a language (cached); unknown languages get Danish."""
    language = language if language in LANGUAGES else "da"
    mo_path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    po_path = mo_path.with_suffix(".po")
    if mo_path.exists() and (
        not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime
    ):
        with mo_path.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if po_path.exists():
        log.info("compiling %s catalogue in memory (run `make install` to compile it)", language)
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=language, domain=DOMAIN)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    log.warning("no %s catalogue found; texts stay in English", language)
    return gettext.NullTranslations()


def gettext_for(language: str) -> Gettext:
    """Return the gettext function for a language."""
    return translations(language).gettext
