"""The CPR guard against its corpus: every positive found as written, no negative flagged.

The corpus lives in tests/data/cpr/ (see corpus.py there for the file format). The
ambiguous set, texts that have the very shape of a CPR number without being one, is not
part of the false-positive assertion; bench/cpr_guard.py reports how much of it is flagged.
"""

from __future__ import annotations

import re

import pytest

from bot.services.kernel.cpr import find_cpr_numbers
from tests.data.cpr import generate
from tests.data.cpr.corpus import (
    CENTURY_RULES,
    HERE,
    SEPARATORS,
    Sample,
    is_birth_date,
    load,
    passes_mod11,
)

POSITIVES = load("positives")
NEGATIVES = load("negatives")
AMBIGUOUS = load("ambiguous")
NUMBERS = [number for sample in POSITIVES for number in sample.numbers]

_DIGITS = re.compile(r"\D")
_CPR_SHAPE = re.compile(r"(?<!\d)\d{6}\D{0,3}\d{4}(?!\d)")


def _ids(samples: list[Sample]) -> list[str]:
    """Name each parametrized case after its file and line."""
    return [sample.source for sample in samples]


def _rule(number: str) -> int:
    """Return the index of the century rule a CPR number falls under."""
    digits = _DIGITS.sub("", number)
    return next(
        i
        for i, (serial_digits, years, _) in enumerate(CENTURY_RULES)
        if digits[6] in serial_digits and int(digits[4:6]) in years
    )


def _separator(number: str) -> str:
    """Return what stands between the date and the serial number."""
    return number[6:-4]


@pytest.mark.parametrize("sample", POSITIVES, ids=_ids(POSITIVES))
def test_every_positive_is_found_as_written(sample: Sample) -> None:
    assert find_cpr_numbers(sample.text) == list(sample.numbers)


@pytest.mark.parametrize("sample", NEGATIVES, ids=_ids(NEGATIVES))
def test_no_negative_is_flagged(sample: Sample) -> None:
    assert find_cpr_numbers(sample.text) == []


def test_the_corpus_is_large_enough() -> None:
    assert len(POSITIVES) >= 150
    assert len(NEGATIVES) >= 400
    assert len(AMBIGUOUS) >= 20


def test_every_marked_number_is_a_birth_date_under_the_century_rule() -> None:
    bad = [n for n in NUMBERS if not is_birth_date(_DIGITS.sub("", n))]
    assert bad == []


def test_positives_cover_every_separator_century_rule_and_modulus_11_outcome() -> None:
    assert {_separator(n) for n in NUMBERS} >= set(SEPARATORS)
    assert {_rule(n) for n in NUMBERS} == set(range(len(CENTURY_RULES)))
    fails = sum(not passes_mod11(_DIGITS.sub("", n)) for n in NUMBERS)
    assert 0 < fails < len(NUMBERS)
    assert sum(len(sample.numbers) > 1 for sample in POSITIVES) >= 10


def test_negatives_are_unmarked_and_include_cpr_shaped_numbers_that_are_no_date() -> None:
    assert all(sample.numbers == () for sample in NEGATIVES + AMBIGUOUS)
    shaped = [m for s in NEGATIVES for m in _CPR_SHAPE.findall(s.text)]
    assert sum(not is_birth_date(_DIGITS.sub("", m)) for m in shaped) >= 40


def test_every_ambiguous_text_holds_ten_digits_that_start_with_a_birth_date() -> None:
    def shaped_like_cpr(text: str) -> bool:
        """Return whether text holds six digits, a space or nothing, and four more."""
        matches = re.findall(r"(?<!\d)\d{6} ?\d{4}(?!\d)", text)
        return any(is_birth_date(m.replace(" ", "")) for m in matches)

    assert [s.source for s in AMBIGUOUS if not shaped_like_cpr(s.text)] == []


def test_the_generated_files_match_the_generator() -> None:
    for name, content in generate.render().items():
        assert (HERE / name).read_text(encoding="utf-8") == content, f"rerun generate.py: {name}"
