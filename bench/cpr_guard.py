"""Benchmark the CPR guard on its test corpus against a naive regex baseline.

Usage: .venv/bin/python -m bench.cpr_guard [--repeat 50] [--show]

Runs bot.services.kernel.cpr.find_cpr_numbers and, in the same run, a baseline that takes any
`\\d{6}-?\\d{4}` for a CPR number (no date check, no context) over the corpus in
tests/data/cpr/, and prints for each: the detection rate on the positives (CPR numbers
returned exactly as written, and texts flagged at all), the false-positive rate on the
negatives, the share of the ambiguous set flagged (texts that have the very shape of a
CPR number without being one; flagging them is the guard's intent), and the throughput
over every text of the corpus (texts/s, best of --repeat passes on one core). --show lists
the texts each finder gets wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bench import harness
from bot.services.kernel.cpr import find_cpr_numbers
from tests.data.cpr.corpus import Sample, load

Finder = Callable[[str], list[str]]
_NAIVE = re.compile(r"\d{6}-?\d{4}")


def naive_baseline(text: str) -> list[str]:
    """Return every `\\d{6}-?\\d{4}` in text, as a guard without a date check would."""
    return _NAIVE.findall(text)


def _rate(hits: int, total: int) -> str:
    """Format a count as a percentage of a total."""
    return f"{hits}/{total} ({100 * hits / total:.1f} %)"


def _found(finder: Finder, sample: Sample) -> int:
    """Count the marked numbers of a positive that the finder returns as written."""
    found = finder(sample.text)
    return sum(number in found for number in sample.numbers)


def _throughput(finder: Finder, texts: list[str], repeat: int) -> float:
    """Return texts per second over every text, best of `repeat` passes."""

    def one_pass() -> None:
        for text in texts:
            finder(text)

    return harness.best_rate(len(texts), repeat, one_pass)


def measure(finder: Finder, corpus: dict[str, list[Sample]], repeat: int) -> dict[str, str]:
    """Return the rates and the throughput of one finder on the corpus."""
    positives = corpus["positives"]
    flagged = {kind: [s for s in samples if finder(s.text)] for kind, samples in corpus.items()}
    numbers = sum(len(s.numbers) for s in positives)
    texts = [s.text for samples in corpus.values() for s in samples]
    return {
        "numbers found": _rate(sum(_found(finder, s) for s in positives), numbers),
        "positives flagged": _rate(len(flagged["positives"]), len(positives)),
        "negatives flagged": _rate(len(flagged["negatives"]), len(corpus["negatives"])),
        "ambiguous flagged": _rate(len(flagged["ambiguous"]), len(corpus["ambiguous"])),
        "texts/s": f"{_throughput(finder, texts, repeat):,.0f}",
    }


def show_errors(name: str, finder: Finder, corpus: dict[str, list[Sample]]) -> None:
    """Print the positives a finder misses and the negatives it flags."""
    for sample in corpus["positives"]:
        if finder(sample.text) != list(sample.numbers):
            print(f"  {name} miss   {sample.source}: {sample.text!r}")
    for sample in corpus["negatives"]:
        if finder(sample.text):
            print(f"  {name} false+ {sample.source}: {sample.text!r}")


def main() -> None:
    """Measure the guard and the baseline on the corpus and print a table."""
    parser = harness.parser(__doc__, repeat=50)
    parser.add_argument("--show", action="store_true", help="list each finder's errors")
    args = harness.parse(parser)
    corpus = {kind: load(kind) for kind in ("positives", "negatives", "ambiguous")}
    finders = {"guard": find_cpr_numbers, "baseline": naive_baseline}
    sizes = ", ".join(f"{len(samples)} {kind}" for kind, samples in corpus.items())
    print(f"CPR guard benchmark: {sizes}; baseline = {_NAIVE.pattern} without a date check")
    results = {name: measure(finder, corpus, args.repeat) for name, finder in finders.items()}
    harness.print_table(
        {"": "<18"} | {name: ">20" for name in results},
        ([metric, *(r[metric] for r in results.values())] for metric in results["guard"]),
    )
    if args.show:
        for name, finder in finders.items():
            show_errors(name, finder, corpus)


if __name__ == "__main__":
    main()
