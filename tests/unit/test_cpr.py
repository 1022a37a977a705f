"""The CPR detector: the formats are found, ordinary numbers in Danish text are not."""

from __future__ import annotations

import pytest

from bot.services.cpr import contains_cpr, find_cpr_numbers
from bot.services.enrolment import clean_display_name
from bot.services.errors import Invalid


@pytest.mark.parametrize(
    "text",
    [
        "Patienten 010190-1234 var urolig",
        "cpr 0101901234",
        "CPR: 010190 1234.",
        "født 29.02? nej: 290200-4123",  # 29 Feb 2000 (serial 4, year 00 -> 2000)
        "311299-9876",
    ],
)
def test_cpr_formats_are_found(text: str) -> None:
    assert contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ring til afsnittet på 3863 2000 eller 41200",
        "Mødetid kl. 07.00-15.30, lokale 2.14",
        "Blodtryk 120/80, puls 72, temp 37,8",
        "Telefon +45 2233 4455",
        "Dato 21-11-2026 og 2026-11-21",
        "320190-1234",  # day 32 does not exist
        "290201-1234",  # 29 Feb 1901 does not exist
        "011390-1234",  # month 13
        "Sag nr. 12345678901",
    ],
)
def test_ordinary_numbers_are_not_flagged(text: str) -> None:
    assert find_cpr_numbers(text) == []


def test_a_display_name_with_a_cpr_number_is_refused() -> None:
    with pytest.raises(Invalid):
        clean_display_name("Anna 010190-1234")
