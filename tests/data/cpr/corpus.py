"""Load the CPR guard's test corpus: positives, negatives and the ambiguous set.

Each kind is a hand-written file (`positives.txt`, ...) plus the templated part that
`generate.py` writes (`positives_generated.txt`, ...). One text per line; `#` starts a
comment line; `\\n` stands for a line break and `\\uXXXX` for a Unicode character (used
for the invisible or look-alike ones: non-breaking space, en dash, non-breaking hyphen).
In positives every CPR number is marked `[[like this]]`, exactly as the student typed it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = ("positives", "negatives", "ambiguous")

# The CPR office's century rule: first serial digits, two-digit years, century.
CENTURY_RULES = (
    ("0123", range(100), 1900),
    ("49", range(37), 2000),
    ("49", range(37, 100), 1900),
    ("5678", range(58), 2000),
    ("5678", range(58, 100), 1800),
)
# What a student may type between the date and the serial number.
SEPARATORS = ("-", "", " ", "\u00a0", "\u2013", "\u2011", " - ", "\u202f")
_MOD11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


def century(two_digit_year: int, first_serial_digit: str) -> int:
    """Return the century of a birth year under the CPR office's rule."""
    return next(
        hundred
        for digits, years, hundred in CENTURY_RULES
        if first_serial_digit in digits and two_digit_year in years
    )


def is_birth_date(digits: str) -> bool:
    """Return whether ten digits start with a real date under the century rule."""
    yy = int(digits[4:6])
    try:
        date(century(yy, digits[6]) + yy, int(digits[2:4]), int(digits[:2]))
    except ValueError:
        return False
    return True


def passes_mod11(digits: str) -> bool:
    """Return whether ten digits pass the old modulus 11 check."""
    return sum(int(d) * w for d, w in zip(digits, _MOD11_WEIGHTS, strict=True)) % 11 == 0


_MARKED = re.compile(r"\[\[(.+?)\]\]")
_ESCAPE = re.compile(r"\\(n|u[0-9a-fA-F]{4})")


@dataclass(frozen=True)
class Sample:
    """One text of the corpus, with the CPR numbers it holds as written."""

    text: str
    numbers: tuple[str, ...]
    source: str


def unescape(line: str) -> str:
    """Turn the `\\n` and `\\uXXXX` escapes of a corpus line into characters."""
    return _ESCAPE.sub(lambda m: "\n" if m[1] == "n" else chr(int(m[1][1:], 16)), line)


def escape(text: str) -> str:
    """Write line breaks and unusual spaces and dashes as escapes, so a line shows them."""
    return "".join(_escape_char(c) for c in text)


def _escape_char(c: str) -> str:
    """Return one character, or its escape if it would be invisible or look-alike."""
    if c == "\n":
        return "\\n"
    if c not in " -" and unicodedata.category(c) in ("Zs", "Pd"):
        return f"\\u{ord(c):04x}"
    return c


def parse(line: str, source: str) -> Sample:
    """Parse one corpus line into its text and its marked CPR numbers."""
    text = unescape(line)
    return Sample(_MARKED.sub(r"\1", text), tuple(_MARKED.findall(text)), source)


def files(kind: str) -> list[Path]:
    """Return the hand-written and the generated file of one kind."""
    return [HERE / f"{kind}.txt", HERE / f"{kind}_generated.txt"]


def load(kind: str) -> list[Sample]:
    """Load every sample of one kind: positives, negatives or ambiguous."""
    samples = []
    for path in files(kind):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.startswith("#"):
                samples.append(parse(line, f"{path.name}:{number}"))
    return samples
