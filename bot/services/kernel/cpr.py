"""Detect Danish CPR numbers (DDMMYY-SSSS) so they are never stored or logged.

The date part is checked, with the century read from the first serial digit as the CPR
office defines it; modulus 11 is not used, since numbers issued after 2007 need not pass it.
"""

from __future__ import annotations

import re
from datetime import date

_DASHES = "\\-\u2010-\u2015\u2212"  # hyphen-minus, the Unicode hyphens and dashes, minus
_SPACES = " \u00a0\u2000-\u200a\u202f"  # spaces within a line: never a line break or a tab

# Six digits, then a dash or a space (a dash may have a space on either side) or nothing,
# then four digits. Not part of a longer run of digits, nor the tail of "1234-0101901234"
# (bank registration and account number), nor the head of a range like "0730-1530".
_CANDIDATE = re.compile(
    rf"(?<!\d)(?<!\d[{_DASHES}])"
    r"(\d{2})(\d{2})(\d{2})"
    rf"(?:[{_SPACES}]?[{_DASHES}][{_SPACES}]?|[{_SPACES}])?"
    r"(\d{4})"
    rf"(?!\d)(?![{_DASHES}]\d)"
)


def _century(year: int, first_serial_digit: int) -> int:
    """Return the century of a two-digit birth year, read from the first serial digit."""
    if first_serial_digit <= 3:
        return 1900
    if first_serial_digit in (4, 9):
        return 2000 if year <= 36 else 1900
    return 2000 if year <= 57 else 1800


def _is_cpr(day: str, month: str, year: str, serial: str) -> bool:
    """Return whether the date part is a real date in the century the serial implies."""
    yy = int(year)
    try:
        date(_century(yy, int(serial[0])) + yy, int(month), int(day))
    except ValueError:
        return False
    return True


def find_cpr_numbers(text: str) -> list[str]:
    """Return every substring of text that is a plausible CPR number."""
    return [m.group(0) for m in _CANDIDATE.finditer(text) if _is_cpr(*m.groups())]


def contains_cpr(text: str) -> bool:
    """Return whether text holds a plausible CPR number."""
    return bool(find_cpr_numbers(text))


def redact_cpr(text: str, replacement: str = "[CPR]") -> str:
    """Return text with every plausible CPR number replaced."""
    return _CANDIDATE.sub(lambda m: replacement if _is_cpr(*m.groups()) else m.group(0), text)
