"""Draw the values that generate.py puts into the corpus templates, one maker per placeholder.

Positives get fictitious CPR numbers. Negatives get what a student writes that is not one:
dates, times, shifts, phone numbers, rooms, doses, blood values, amounts, postcodes, ages,
year ranges, case numbers, 8- and 12-digit numbers, and CPR-shaped numbers whose first six
digits are no date. The ambiguous set gets ten digits that do start with a valid date.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import date, timedelta

from tests.data.cpr.corpus import CENTURY_RULES, SEPARATORS, is_birth_date, passes_mod11

Maker = Callable[[random.Random], str]

MONTHS = (
    "januar", "februar", "marts", "april", "maj", "juni",
    "juli", "august", "september", "oktober", "november", "december",
)  # fmt: skip
TOWNS = (
    "2100 København Ø", "2200 København N", "2400 København NV", "2730 Herlev",
    "2650 Hvidovre", "2600 Glostrup", "3400 Hillerød", "4000 Roskilde", "4600 Køge",
    "4700 Næstved", "5000 Odense C", "5700 Svendborg", "6000 Kolding", "6700 Esbjerg",
    "7100 Vejle", "7400 Herning", "8000 Aarhus C", "8200 Aarhus N", "8800 Viborg",
    "9000 Aalborg", "9800 Hjørring", "3700 Rønne",
)  # fmt: skip
DRUGS = (
    "Panodil", "Pinex", "Ibuprofen", "Furix", "Metoprolol", "Amlodipin", "Zopiklon",
    "Morfin", "Oxynorm", "Pantoprazol", "Eliquis", "Kalium", "Prednisolon", "Metformin",
)  # fmt: skip
LABS = (  # name and unit, lowest and highest value, decimals
    ("Hb {} mmol/l", 4, 11, 1), ("CRP {} mg/l", 1, 350, 0), ("leukocytter {} x 10^9/l", 2, 30, 1),
    ("kalium {}", 2, 6, 1), ("natrium {}", 120, 150, 0), ("INR {}", 1, 5, 1),
    ("BS {} mmol/l", 3, 25, 1), ("eGFR {}", 10, 90, 0), ("troponin {} ng/l", 5, 5000, 0),
    ("laktat {}", 1, 9, 1), ("kreatinin {}", 40, 600, 0),
)  # fmt: skip


def cpr_digits(rng: random.Random, rule: int, mod11: bool) -> str:
    """Draw ten CPR digits under one century rule that pass or fail modulus 11."""
    serial_digits, years, hundred = CENTURY_RULES[rule]
    while True:
        yy = rng.choice(years)
        born = date(hundred + yy, 1, 1) + timedelta(days=rng.randrange(365))
        digits = f"{born.day:02d}{born.month:02d}{yy:02d}"
        digits += rng.choice(serial_digits) + f"{rng.randrange(1000):03d}"
        if passes_mod11(digits) == mod11:
            return digits


def positive_makers() -> dict[str, Maker]:
    """Return the {cpr} maker: every call the next rule, separator and modulus 11 outcome."""
    counter = itertools.count()

    def marked_cpr(rng: random.Random) -> str:
        """Draw the next marked CPR number."""
        i = next(counter)
        digits = cpr_digits(rng, i % len(CENTURY_RULES), mod11=i % 3 == 0)
        return f"[[{digits[:6]}{SEPARATORS[i % len(SEPARATORS)]}{digits[6:]}]]"

    return {"cpr": marked_cpr}


def _day(rng: random.Random) -> date:
    """Draw a day of a placement between 2022 and 2026."""
    return date(2022, 1, 1) + timedelta(days=rng.randrange(5 * 365))


def _date(rng: random.Random) -> str:
    """Draw a date in one of the common Danish formats."""
    d = _day(rng)
    return rng.choice((
        f"{d:%d-%m-%Y}", f"{d:%d.%m.%y}", f"{d.day}/{d.month}-{d.year}", f"{d:%Y-%m-%d}",
        f"d. {d.day}. {MONTHS[d.month - 1]}", f"{d:%d.%m.%Y}", f"{d.day}/{d.month}",
        f"{d:%d/%m/%Y}", f"{d.day}.{d.month}.{d:%y}", f"d. {d.day}/{d.month}-{d:%y}",
    ))  # fmt: skip


def _time(rng: random.Random) -> str:
    """Draw a clock time as written after "kl."."""
    h, m = rng.randrange(24), rng.choice((0, 15, 30, 45))
    return rng.choice((f"{h:02d}.{m:02d}", f"{h:02d}:{m:02d}", f"{h:02d}{m:02d}", f"{h}"))


def _shift(rng: random.Random) -> str:
    """Draw a shift's hours: 07.00-15.00, 14:30-22:30, 0730-1530, 7-15 or with an en dash."""
    start = rng.choice((7, 7, 8, 14, 15, 15, 22, 23))
    end, m = (start + 8) % 24, rng.choice((0, 0, 30))
    dash = rng.choice(("-", "-", "–", " - "))
    return rng.choice((
        f"{start:02d}.{m:02d}{dash}{end:02d}.{m:02d}",
        f"{start:02d}:{m:02d}{dash}{end:02d}:{m:02d}",
        f"{start:02d}{m:02d}{dash}{end:02d}{m:02d}", f"{start}{dash}{end}",
    ))  # fmt: skip


def _phone(rng: random.Random) -> str:
    """Draw a Danish phone number in one of the ways people write it."""
    n = f"{rng.randrange(2, 10)}{rng.randrange(10**7):07d}"
    return rng.choice((
        f"+45 {n[:2]} {n[2:4]} {n[4:6]} {n[6:]}", n, f"{n[:4]} {n[4:]}",
        f"{n[:2]} {n[2:4]} {n[4:6]} {n[6:]}", f"+45{n}", f"+45 {n[:4]} {n[4:]}", f"0045 {n}",
    ))  # fmt: skip


def _room(rng: random.Random) -> str:
    """Draw a room, bed or ward number."""
    return rng.choice((
        f"stue {rng.randrange(1, 40)}", f"seng {rng.randrange(1, 5)}",
        f"stue {rng.randrange(1, 30)}, seng {rng.randrange(1, 5)}",
        f"lokale {rng.randrange(1, 9)}.{rng.randrange(1, 40):02d}",
        f"afsnit {rng.randrange(1, 9)}{rng.randrange(10)}{rng.randrange(1, 4)}",
    ))  # fmt: skip


def _dose(rng: random.Random) -> str:
    """Draw a drug and a dose as a ward writes it."""
    drug = rng.choice(DRUGS)
    return rng.choice((
        f"{drug} {rng.choice((1, 5, 10, 20, 40, 500, 1000))} mg x {rng.randrange(1, 5)}",
        f"{drug} {rng.randrange(1, 10)},{rng.choice((0, 5))} ml",
        f"{rng.randrange(2, 40)} IE insulin",
        f"{drug} {rng.choice(('1 g', '2,5 mg', '0,5 mg'))} p.n. max x {rng.randrange(2, 7)}",
    ))  # fmt: skip


def _lab(rng: random.Random) -> str:
    """Draw a blood value within its usual range, with a Danish decimal comma."""
    name, low, high, decimals = rng.choice(LABS)
    return name.format(f"{rng.uniform(low, high):.{decimals}f}".replace(".", ","))


def _amount(rng: random.Random) -> str:
    """Draw an amount of money in kroner."""
    n = rng.choice(
        (rng.randrange(50, 1000), rng.randrange(1000, 10**5), rng.randrange(10**6, 10**8))
    )
    dotted = f"{n:,}".replace(",", ".")
    return rng.choice(
        (f"{dotted} kr.", f"kr. {dotted},{rng.randrange(100):02d}", f"{dotted},- kr.")
    )


def _years(rng: random.Random) -> str:
    """Draw a range of years or a school year."""
    y = rng.randrange(2019, 2028)
    return rng.choice(
        (f"{y}-{y + 1}", f"{y}/{(y + 1) % 100:02d}", f"{y}–{y + 2}", f"{y} - {y + 1}")
    )


def _case(rng: random.Random) -> str:
    """Draw a case or ticket number with letters in it."""
    n, y = rng.randrange(10**5), rng.randrange(2020, 2027)
    return rng.choice((
        f"AB-{y}-{n:05d}", f"INC{n:07d}", f"SAG-{y % 100}-{n:05d}", f"REQ{y}{n:06d}",
        f"U-{y}-{n % 10000:04d}", f"DPSD-{y}-{n:06d}",
    ))  # fmt: skip


def _journal(rng: random.Random) -> str:
    """Draw a journal or document reference."""
    return rng.choice((
        f"j.nr. {rng.randrange(2020, 2027)}-{rng.randrange(10**4):04d}",
        f"sagsnr. {rng.randrange(20, 27)}/{rng.randrange(10**5):05d}",
        f"notat nr. {rng.randrange(10**4)}", f"dok.-id {rng.randrange(10**6, 10**7)}",
    ))  # fmt: skip


def _digits(count: int) -> Maker:
    """Return a maker of numbers with exactly `count` digits."""
    return lambda rng: str(rng.randrange(10 ** (count - 1), 10**count))


def _not_a_date(rng: random.Random) -> str:
    """Draw a CPR-shaped number whose first six digits are no date under the century rule."""
    digits = cpr_digits(rng, rng.randrange(len(CENTURY_RULES)), mod11=rng.random() < 0.3)
    spoil = rng.randrange(5)
    if spoil == 0:  # no such day
        digits = rng.choice(("00", "32", "35", "39", "45", "67", "99")) + digits[2:]
    elif spoil == 1:  # no such month
        digits = digits[:2] + rng.choice(("00", "13", "19", "20", "45", "99")) + digits[4:]
    elif spoil == 2:  # the 31st of a short month
        digits = "31" + rng.choice(("04", "06", "09", "11")) + digits[4:]
    elif spoil == 3:  # 29 February of a year that is no leap year in its century
        digits = "2902" + rng.choice(("01", "00", "97", "58", "23")) + digits[6:]
    else:
        digits = f"{rng.randrange(10**10):010d}"
    if is_birth_date(digits):
        return _not_a_date(rng)
    return f"{digits[:6]}{rng.choice(SEPARATORS)}{digits[6:]}"


def negative_makers() -> dict[str, Maker]:
    """Return the makers for the negative templates, by placeholder."""
    return {
        "date": _date, "date6": lambda rng: f"{_day(rng):%d%m%y}", "time": _time,
        "shift": _shift, "phone": _phone, "room": _room, "dose": _dose, "lab": _lab,
        "amount": _amount, "postcode": lambda rng: rng.choice(TOWNS),
        "age": lambda rng: str(rng.randrange(18, 103)), "years": _years, "case": _case,
        "journal": _journal, "digits8": _digits(8), "digits12": _digits(12),
        "not_a_date": _not_a_date,
    }  # fmt: skip


def ambiguous_makers() -> dict[str, Maker]:
    """Return the makers for the ambiguous templates, by placeholder."""

    def date_then_time(rng: random.Random) -> str:
        """Draw a compact date and a four-digit clock time, as in "120524 1430"."""
        return f"{_day(rng):%d%m%y} {rng.randrange(24):02d}{rng.choice((0, 15, 30, 45)):02d}"

    def ten_digits(rng: random.Random) -> str:
        """Draw ten digits that start with a valid date, such as an account number."""
        return cpr_digits(rng, rng.randrange(len(CENTURY_RULES)), mod11=rng.random() < 0.1)

    return {"date_then_time": date_then_time, "ten_digits": ten_digits}
