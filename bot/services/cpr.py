"""Detect Danish CPR numbers (DDMMYY-SSSS) so they are never stored or logged.

The date part is checked, with the century read from the first serial digit as the CPR
office defines it; modulus 11 is not used, since numbers issued after 2007 need not pass it.
"""

from __future__ import annotations

import re
from datetime import date

# Six digits, an optional dash or space (or a non-breaking one), four digits; not inside a
# longer run of digits, so phone numbers, times and amounts rarely match.
_CANDIDATE = re.compile(
    r"(?<![\d-])(\d{2})(\d{2})(\d{2})[-\s\u00a0\u2010-\u2013]?(\d{4})(?![\d-])"
)


def _century(year: int, first_serial_digit: int) -> int:
    if first_serial_digit <= 3:
        return 1900
    if first_serial_digit in (4, 9):
        return 2000 if year <= 36 else 1900
    return 2000 if year <= 57 else 1800


def _is_cpr(day: str, month: str, year: str, serial: str) -> bool:
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
