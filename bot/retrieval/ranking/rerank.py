"""Second stage: answer-type evidence on top of the fused ranking.

Classic question answering knows what kind of answer a question wants. A definition
question ("Hvad er X?") is answered by the sentence that defines X ("**X** refererer til",
"X er ..."); a quantity question ("Hvor mange X?") by a number next to X; a date question by
a date; a why question by a causal sentence. Candidates with that evidence get a bonus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.retrieval.ingest.chunking import units
from bot.retrieval.text.lexical import stems

_DEFINITION = re.compile(
    r"^\s*(?:hvad|hvem)\s+(?:er|betyder|menes\s+med|forstås\s+ved)\s+(?:en\s+|et\s+)?(?P<term>.+?)\s*\??\s*$"
    r"|^\s*what\s+(?:is|are|does)\s+(?:an?\s+|the\s+)?(?P<en>.+?)(?:\s+mean)?\s*\??\s*$",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"\bhvor\s+mange\b|\bhvor\s+meget\b|\bantal(?:let)?\b|\bhow\s+(?:many|much)\b", re.I
)
_DATE = re.compile(r"\bhvornår\b|\bdato\b|\bdateret\b|\bwhen\b|\bwhat\s+date\b", re.I)
_WHY = re.compile(r"\bhvorfor\b|\bwhy\b", re.I)
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
_DATE_TEXT = re.compile(
    r"\b\d{1,2}\.\s*(?:januar|februar|marts|april|maj|juni|juli|august|september|oktober|"
    r"november|december)\s+\d{4}\b|\b(?:19|20)\d{2}\b",
    re.I,
)
NUMBER_WORDS = frozenset(
    [
        "to",
        "tre",
        "fire",
        "fem",
        "seks",
        "syv",
        "otte",
        "ni",
        "ti",
        "elleve",
        "tolv",
        "tyve",
        "tredive",
        "fyrre",
        "halvtreds",
        "hundrede",
        "tusind",
        "tusinde",
        "million",
        "millioner",
        "halvdelen",
        "dobbelt",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "hundred",
        "thousand",
    ]
)
# A why question is answered by the cause. "skyldes", "fordi" ... introduce it; "derfor"
# introduces the consequence, whose cause stands in the sentence before: half the evidence.
_CAUSE = re.compile(
    r"\bskyldes\b|\bfordi\b|\bpå grund af\b|\bbaggrund\b|\bårsag|\bbecause\b|\bdue to\b", re.I
)
_CONSEQUENCE = re.compile(r"\bderfor\b|\btherefore\b", re.I)
_DEFINES = re.compile(
    r"^\W*(?P<head>[\w\- /]+?)\W*\s+(?:er|refererer|betyder|omfatter|dækker|defineres)\b|^\W*(?P<colon>[\w\- /]+?)\s*:",
    re.I,
)


@dataclass(frozen=True, slots=True)
class QuestionType:
    """What kind of answer a question wants."""

    definition_of: tuple[str, ...] = ()
    quantity: bool = False
    date: bool = False
    why: bool = False


def question_type(question: str) -> QuestionType:
    """Classify a question by the form of answer it asks for."""
    match = _DEFINITION.match(question)
    term = (match["term"] or match["en"]) if match else None
    return QuestionType(
        definition_of=tuple(stems(term)) if term else (),
        quantity=bool(_QUANTITY.search(question)),
        date=bool(_DATE.search(question)),
        why=bool(_WHY.search(question)),
    )


def evidence(kind: QuestionType, question_stems: set[str], text: str) -> float:
    """Return 1.0 when a sentence of text has the answer form the question asks for."""
    best = 0.0
    for sentence in units(text):
        sentence_stems = set(stems(sentence))
        if kind.definition_of:
            best = max(best, _defines(sentence, kind.definition_of))
        if kind.quantity and any(_is_number(w) for w in sentence.split()):
            best = max(best, _number_near_term(sentence, question_stems))
        if kind.date and _DATE_TEXT.search(sentence):
            best = max(best, 0.5 + 0.5 * bool(sentence_stems & question_stems))
        if kind.why and sentence_stems & question_stems:
            if _CAUSE.search(sentence):
                best = max(best, 1.0)
            elif _CONSEQUENCE.search(sentence):
                best = max(best, 0.5)
    return best


def _defines(sentence: str, term: tuple[str, ...]) -> float:
    """1.0 when the sentence defines exactly the term ("**X** refererer til ..."), 0.4 when
    its subject merely contains the term ("Y og X er ...")."""
    match = _DEFINES.match(sentence)
    head = (match["head"] or match["colon"]) if match else ""
    head_stems = stems(head) if head else []
    if not head_stems or not set(term) <= set(head_stems):
        return 0.0
    return 1.0 if len(head_stems) == len(term) else 0.4


def _is_number(word: str) -> bool:
    word = word.strip(".,;:()").lower()
    return bool(_NUMBER.fullmatch(word)) or word in NUMBER_WORDS


def _number_near_term(sentence: str, question_stems: set[str]) -> float:
    """1.0 when a number stands right before a question word ("44.000 medarbejdere",
    "to årlige møder"); 0.3 for a number elsewhere."""
    words = sentence.split()
    for i, word in enumerate(words):
        if _is_number(word):
            following = stems(" ".join(words[i + 1 : i + 3]))
            if set(following) & question_stems:
                return 1.0
    return 0.3
