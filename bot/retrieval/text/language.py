"""Which language a question is in (Danish or English), from its function words."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zæøå]+")
# Common function words that exist in one language only ("i", "dog", "to" are in both).
_EN = frozenset(
    re.findall(
        r"\w+",
        "the a an what when where who whom which why how is are was were do does did can could "
        "may might should would will shall my your our their you we they it its of on at with "
        "about after before and or be been have has had there this that these those get from "
        "if not any much many",
    )
)
_DA = frozenset(
    re.findall(
        r"\w+",
        "hvad hvem hvor hvordan hvornår hvorfor hvilke hvilken hvilket er og jeg du det den en "
        "et på til af med at kan skal må ikke har som om der de vi min mit mine din dit dine "
        "efter før også eller hos mig dig sig være blev bliver mange meget",
    )
)


def looks_english(text: str) -> bool:
    """Guess whether a question is English (its lexical match to Danish text is weak)."""
    lowered = text.lower()
    if any(ch in lowered for ch in "æøå"):
        return False
    words = _WORD.findall(lowered)
    return sum(w in _EN for w in words) > sum(w in _DA for w in words)
