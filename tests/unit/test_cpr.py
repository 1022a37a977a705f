"""The CPR detector: the formats are found, ordinary numbers in Danish text are not."""

from __future__ import annotations

import pytest

from bot.services.kernel.cpr import contains_cpr, find_cpr_numbers
from bot.services.kernel.errors import Invalid
from bot.services.onboarding.enrolment import clean_display_name


@pytest.mark.parametrize(
    "text",
    [
        "Patienten 010190-1234 var urolig",
        "cpr 0101901234",
        "CPR: 010190 1234.",
        "født 29.02? nej: 290200-4123",  # 29 Feb 2000 (serial 4, year 00 -> 2000)
        "311299-9876",
        "Pt. 010190\u00a01234 er indlagt",  # non-breaking space
        "Pt. 010190\u20131234 er indlagt",  # en dash, as Word writes it
        "Pt. 010190\u20111234 er indlagt",  # non-breaking hyphen
    ],
)
def test_cpr_formats_are_found(text: str) -> None:
    assert contains_cpr(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("CPR 010190 - 1234, stue 4", "010190 - 1234"),  # a dash with spaces around it
        ("CPR 010190- 1234.", "010190- 1234"),
        ("cpr-010190-1234", "010190-1234"),  # the label joined to the number by a dash
        ("CPR–0101901234", "0101901234"),
        ("010190-1234–indlagt i går", "010190-1234"),  # a dash after it, but no digit
    ],
)
def test_numbers_are_returned_as_written_whatever_stands_around_them(
    text: str, number: str
) -> None:
    assert find_cpr_numbers(text) == [number]


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
        "Vagt 120524 0730-1530",  # a compact date and a shift, not a CPR number
        "Vagt 120524 0730\u20131530",  # the same shift with an en dash
        "Dato: 120524\n0800 morgenmedicin givet",  # a date and a time on two lines
        "120524\t0800\tmorgenmedicin",  # two cells pasted from a spreadsheet
        "Kontonr. 1234-0101901234",  # bank registration and account number
        "290200-1234",  # 29 Feb 1900 (serial 1 -> 1900, no leap year)
    ],
)
def test_ordinary_numbers_are_not_flagged(text: str) -> None:
    assert find_cpr_numbers(text) == []


def test_a_display_name_with_a_cpr_number_is_refused() -> None:
    with pytest.raises(Invalid):
        clean_display_name("Anna 010190-1234")
