"""Is a free text a question? A small, explainable reading of Danish and English chat text.

Questions are answered from the documents and, when the documents fall short, shown to
coordinators as knowledge gaps; what a student tells about their day belongs in the logbook
instead. So the bot answers what reads as a question and asks about the rest. The rules, in
order (the first that applies decides, and `Reading.why` names it):

1. courtesy: the whole text is thanks, a greeting or an "ok" → small talk;
2. a question mark → a question, unless it sits inside a long first-person story that
   does not end with it (a rhetorical "why?" in a reflection) → unsure;
3. words that ask ("vil gerne vide", "har et spørgsmål", "I would like to know") → a
   question; "jeg ved ikke …", "I'm not sure …" too, unless the text tells of the past;
4. an interrogative first ("hvad", "hvornår", "how") → a question, but an exclamation
   ("Hvad en dag!", "Hvor var det dejligt", "What a shift") → unsure;
5. a verb first with its subject after it ("kan jeg", "er der", "deltager studerende",
   "is there") → a question;
   a dropped subject ("Har lige haft …", "Was on ward 4 today") → unsure;
6. an imperative that asks ("fortæl om …", "forklar …", "tell me …") → a question, and so
   does a later clause in question form ("Jeg er syg, hvem skal jeg ringe til");
7. first person ("jeg", "min", "I", "my") with a verb, four words or more → a narrative;
8. a short phrase without a verb, a mood or a time of day ("parkering", "syv lægeroller",
   "sick call") → a question: students search like that;
9. anything else (a statement, first person without a verb, a short "Hård vagt") → unsure.

Leading greetings and fillers ("Hej,", "ok", "and") are skipped before rules 3 to 9.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    """What a free text reads as."""

    QUESTION = "question"
    NARRATIVE = "narrative"
    UNSURE = "unsure"
    SMALL_TALK = "small_talk"


class Why(StrEnum):
    """The rule that decided (see the module's docstring)."""

    COURTESY = "courtesy"
    QUESTION_MARK = "question_mark"
    STORY = "question_inside_a_story"
    ASKS = "asks_in_words"
    INTERROGATIVE = "interrogative_first"
    EXCLAMATION = "exclamation"
    INVERSION = "verb_before_subject"
    DROPPED_SUBJECT = "verb_without_subject"
    IMPERATIVE = "imperative_request"
    LATER = "a_later_clause_asks"
    FIRST_PERSON = "first_person_statement"
    SEARCH = "short_phrase"
    STATEMENT = "statement"


@dataclass(frozen=True, slots=True)
class Reading:
    """What a text reads as, and why."""

    intent: Intent
    why: Why


class Route(StrEnum):
    """What the bot does with a free text nobody waits for."""

    ANSWER = "answer"  # answer it from the documents, as a question
    ASK = "ask"  # ask whether it is a question or something for the logbook
    GREET = "greet"  # a kind line; nothing is stored


def route(text: str, *, has_logbook: bool) -> Route:
    """Return what to do with a free text: only people with a logbook (students) are asked;
    everyone else gets an answer, as before, since a question is all they can mean."""
    reading = classify(text)
    if reading.intent is Intent.SMALL_TALK:
        return Route.GREET
    if reading.intent is Intent.QUESTION or not has_logbook:
        return Route.ANSWER
    return Route.ASK


def _set(words: str) -> frozenset[str]:
    """Return the words of a space-separated list."""
    return frozenset(words.split())


_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_CLAUSE = re.compile(r"[,.;:!\n]+|\s(?:og|men|and|but)\s")
LONG_STORY_WORDS = 40
SEARCH_WORDS = 6
NARRATIVE_WORDS = 4

COURTESY = _set(
    "tak mange tusind for hjælpen svaret det hej hejsa hi hello hey thanks thank you so much "
    "a lot ok okay fint super perfekt godt great cool nice godmorgen goddag godaften good "
    "morning evening farvel bye vi ses"
)
COURTESY_ANCHORS = _set(
    "tak hej hejsa hi hello hey thanks thank ok okay fint super perfekt godt great cool "
    "nice godmorgen goddag godaften morning farvel bye"
)
FILLERS = _set(
    "hej hejsa hi hello hey kære dear praktikbot bot ok okay og men and but btw also også "
    "undskyld sorry please venligst"
)
INTERROGATIVES = _set(
    "hvad hvem hvor hvornår hvordan hvorfor hvilke hvilken hvilket hvorhen hvorledes hvormed "
    "hvortil hvorfra what who whom whose where when how why which what's where's who's how's "
    "when's"
)
LEADS = _set(  # words that may stand before an interrogative in a question
    "at in on for from to of about by with roughly approximately exactly fra på til med om "
    "af ved efter før cirka ca omtrent præcis"
)
EXCLAIMERS = _set("sikke wow puha pyha øv ugh phew yay hurra")
EXCLAIMED = _set("det den han hun de du it she he they that this you")
ARTICLES = _set("en et a an")
PRESENT_AUX = _set(
    "kan må skal er har gør bør findes vil får bliver gælder hedder ligger koster foregår "
    "betyder behøver plejer tør is are am do does can may might must shall should will "
    "would could have has"
)
PAST_AUX = _set("kunne skulle ville måtte var havde fik blev gjorde was were did had")
SUBJECTS = _set(
    "jeg du man vi i de han hun den det der nogen alle studerende elever vejledere "
    "sygeplejersker patienter min mit mine din dit dine vores jeres deres hans hendes you we "
    "they he she it there one someone anyone everyone students nurses the my your our their "
    "this that these those"
)
PEOPLE = _set("jeg du man vi i de han hun nogen alle studerende elever vejledere sygeplejersker")
IMPERATIVES = _set(
    "fortæl forklar beskriv vis giv find send hjælp definer definér list opsummer nævn angiv "
    "oplys søg tell explain describe show give list define summarise summarize help name "
    "clarify outline search"
)
FIRST_PERSON = _set(
    "jeg mig min mit mine vi os vores me my we us our ours myself i'm i've i'd i'll im ive"
)
PARTICIPLES = _set(
    "haft været fået lært set mødt prøvet oplevet lavet gjort sagt talt hørt gået kommet "
    "taget givet skrevet læst tænkt følt brugt hjulpet fundet lagt had been got gotten "
    "learned learnt seen met tried done made said heard gone come taken given written felt "
    "used helped found"
)
DROPPED_SUBJECT_NEXT = PARTICIPLES | _set(
    "lige endelig også rigtig virkelig meget helt stadig bare godt ikke nok altid aldrig på "
    "til hos med just finally also really very so still not never always on at in "
    "with"
)
VERBS = PARTICIPLES | _set(
    "er har kan skal vil må får bliver går kommer ser synes tror føler tænker ved gør tager "
    "giver siger hedder mangler arbejder prøver husker forstår oplever elsker savner kender "
    "var havde fik blev gik kom sagde tog gav lærte mødte følte tænkte troede syntes gjorde "
    "kunne skulle ville måtte hjalp fandt skrev talte hørte vidste glemte lagde satte stod "
    "sad lå døde græd lykkedes roste viste brugte kørte spiste sendte kendte mente læste "
    "købte fulgte valgte spurgte turde am is are was were have has do does did can could "
    "will would "
    "should must feel think thought learn learned learnt saw went got took gave knew tried "
    "met wanted needed became cried laughed i'm i've it's wasn't didn't couldn't"
)
PAST_VERBS = PARTICIPLES | _set(
    "var havde fik blev gik kom sagde tog gav lærte mødte følte tænkte troede syntes gjorde "
    "hjalp fandt skrev talte hørte vidste glemte lagde satte stod sad lå døde græd lykkedes "
    "roste viste brugte kørte spiste sendte kendte mente læste købte fulgte valgte spurgte "
    "turde was were had did saw went got took gave knew tried met wanted needed became felt "
    "thought cried laughed"
)
MOODS = _set(
    "hård hårdt svær svært træls træt dejlig dejligt lærerig lærerigt spændende fantastisk "
    "frustrerende ked glad stolt nervøs usikker god dårlig tough hard rough great amazing "
    "awful sad tired exhausting stressful proud nervous frustrating difficult scary good bad "
    "long lang nice lovely wonderful sjovt sjov skønt rart"
)
EN_HINTS = _set(
    "the a an to of and is are was were my me what how when where who why which do does did "
    "can could should would will i'm i've it this that with for on in today yesterday you "
    "have has had"
)
DA_HINTS = _set(
    "jeg og at er det en et på til med af har var min mit ikke der som hvad hvor hvordan "
    "hvornår hvem dag mig skal kan vi de den"
)
PAST_TIMES = re.compile(
    r"\b(i dag|i går|i morges|i aftes|i nat|i formiddags|i eftermiddags|på vagten|today|"
    r"yesterday|this morning|this afternoon|this evening|last night|earlier today|on my shift)\b"
)
ASKING = re.compile(
    r"\b(vil gerne (vide|høre|spørge|have (hjælp|info|svar))|vil (vide|spørge)|"
    r"har (et |nogle )?(kort |hurtigt |lille )?spørgsmål|"
    r"(would|'d) like to (know|ask)|(want|need) to (know|ask)|i was wondering|"
    r"(have|got) (a |some )?(quick |short |small )?questions?|wonder(ing)? (if|whether))\b"
)
UNSURE_ASKING = re.compile(
    r"^((jeg|vi|i|we|i'm|im|i am) )?(ved ikke|forstår ikke|er i tvivl|er usikker|kan ikke finde|"
    r"leder efter|søger|mangler|har brug for|don't know|dont know|do not know|not sure|"
    r"am not sure|can't find|cannot find|can not find|looking for|am looking for|need help|"
    r"need|wonder)\b"
)


def classify(text: str) -> Reading:
    """Return what a free text reads as, and the rule that decided."""
    plain = text.replace("’", "'").strip()
    lowered = plain.casefold()
    words = _WORD.findall(lowered)
    if "?" not in plain and _courteous(words):
        return Reading(Intent.SMALL_TALK, Why.COURTESY)
    english = _english(words, lowered)
    if "?" in plain:
        if (
            len(words) >= LONG_STORY_WORDS
            and not plain.rstrip(" )\"'").endswith("?")
            and _first_person(words, english)
        ):
            return Reading(Intent.UNSURE, Why.STORY)
        return Reading(Intent.QUESTION, Why.QUESTION_MARK)
    words = _skip_fillers(words)
    joined = " ".join(words)
    if not words:
        return Reading(Intent.UNSURE, Why.STATEMENT)
    if ASKING.search(joined):
        return Reading(Intent.QUESTION, Why.ASKS)
    if UNSURE_ASKING.search(joined):
        if _tells_past(words, joined, english):
            return Reading(Intent.UNSURE, Why.STATEMENT)
        return Reading(Intent.QUESTION, Why.ASKS)
    return _by_form(words, joined, english, plain)


def _by_form(words: list[str], joined: str, english: bool, plain: str) -> Reading:
    """Rules 4 to 9: read the form of a text that neither asks in words nor has a '?'."""
    first, second = words[0], words[1] if len(words) > 1 else ""
    if first in INTERROGATIVES:
        if second in ARTICLES or plain.endswith("!") or _exclaims(words):
            return Reading(Intent.UNSURE, Why.EXCLAMATION)
        return Reading(Intent.QUESTION, Why.INTERROGATIVE)
    if first in LEADS and any(w in INTERROGATIVES for w in words[1:3]) and not plain.endswith("!"):
        return Reading(Intent.QUESTION, Why.INTERROGATIVE)  # "Fra hvilket …", "Roughly how …"
    if first in EXCLAIMERS:
        return Reading(Intent.UNSURE, Why.EXCLAMATION)
    if first in PRESENT_AUX | PAST_AUX and second:
        if PAST_TIMES.search(joined) or second in DROPPED_SUBJECT_NEXT:
            return Reading(Intent.UNSURE, Why.DROPPED_SUBJECT)
        if second in SUBJECTS:
            return Reading(Intent.QUESTION, Why.INVERSION)
        if first in PRESENT_AUX and not any(w in MOODS for w in words):
            return Reading(Intent.QUESTION, Why.INVERSION)
        return Reading(Intent.UNSURE, Why.DROPPED_SUBJECT)
    if (
        _present_tense(first)
        and second in PEOPLE
        and not english
        and not _tells_past(words, joined, english)
    ):
        return Reading(Intent.QUESTION, Why.INVERSION)
    if first in IMPERATIVES:
        return Reading(Intent.QUESTION, Why.IMPERATIVE)
    if (len(words) < LONG_STORY_WORDS or _last_sentence_asks(plain)) and _asks_later(plain):
        return Reading(Intent.QUESTION, Why.LATER)
    if _first_person(words, english):
        if len(words) >= NARRATIVE_WORDS and _has_verb(words, english):
            return Reading(Intent.NARRATIVE, Why.FIRST_PERSON)
        return Reading(Intent.UNSURE, Why.STATEMENT)
    if (
        len(words) <= SEARCH_WORDS
        and not _has_verb(words, english)
        and not any(w in MOODS for w in words)
        and not PAST_TIMES.search(joined)
    ):
        return Reading(Intent.QUESTION, Why.SEARCH)
    return Reading(Intent.UNSURE, Why.STATEMENT)


def _present_tense(word: str) -> bool:
    """Return whether a Danish word may be a verb in the present tense ("deltager")."""
    return len(word) > 3 and word.endswith("er") and word.isalpha()


def _exclaims(words: list[str]) -> bool:
    """Return whether "hvor"/"how" starts an exclamation about a mood: in Danish the verb and
    subject come before the mood ("Hvor var det dejligt", unlike "Hvor svært er det …?"), in
    English the subject follows it ("How nice it was", unlike "How long is …?")."""
    if len(words) < 4:
        return False
    first, second, third, fourth = words[:4]
    if first == "hvor":
        return second in ("er", "var") and third in EXCLAIMED and fourth in MOODS
    return first == "how" and second in MOODS and third in EXCLAIMED


def _asks_later(plain: str) -> bool:
    """Return whether a later clause is a direct question: an interrogative before its verb
    ("…, hvem skal jeg ringe til"), or a verb before its subject ("…, kan jeg parkere her").
    An indirect question ("lærte, hvordan man lægger …") has its subject first and does not
    count."""
    for clause in _CLAUSE.split(plain.replace("’", "'").casefold())[1:]:
        words = _skip_fillers(_WORD.findall(clause))
        if len(words) < 2:
            continue
        first, second = words[0], words[1]
        if first in INTERROGATIVES and second in PRESENT_AUX | PAST_AUX | VERBS:
            return True
        if first in PRESENT_AUX and second in SUBJECTS:
            return True
    return False


def _last_sentence_asks(plain: str) -> bool:
    """Return whether the text's last sentence is a direct question (a long context, then
    "Skal sådan en … ?" without the question mark)."""
    sentences = [s for s in re.split(r"[.!\n]+", plain) if s.strip()]
    return len(sentences) > 1 and _asks_later(". " + sentences[-1])


def _courteous(words: list[str]) -> bool:
    """Return whether the whole text is thanks, a greeting or an "ok" (or only emoji)."""
    if not words:
        return True
    return (
        len(words) <= 5
        and all(w in COURTESY for w in words)
        and any(w in COURTESY_ANCHORS for w in words)
    )


def _skip_fillers(words: list[str]) -> list[str]:
    """Return the words after leading greetings and fillers ("Hej,", "ok", "and")."""
    index = 0
    while index < len(words) - 1 and words[index] in FILLERS:
        index += 1
    return words[index:]


def _english(words: list[str], lowered: str) -> bool:
    """Return whether the text reads as English rather than Danish (by common words)."""
    english = sum(w in EN_HINTS for w in words)
    danish = sum(w in DA_HINTS for w in words) + (2 if re.search("[æøå]", lowered) else 0)
    return english > danish


def _first_person(words: list[str], english: bool) -> bool:
    """Return whether the writer speaks of themselves ("i" only in English: in Danish it is
    "in", and "min" after a number is minutes)."""
    for index, word in enumerate(words):
        if word == "i" and english:
            return True
        if word == "min" and index and words[index - 1].isdigit():
            continue
        if word in FIRST_PERSON:
            return True
    return False


def _has_verb(words: list[str], english: bool) -> bool:
    """Return whether a word is a common verb form, or looks like a past tense."""
    return any(w in VERBS or _looks_past(w, english) for w in words)


def _looks_past(word: str, english: bool) -> bool:
    """Return whether a word ends like a regular past tense: "arbejdede" in Danish (where
    "enhed" is a noun), "worked" in English (not "need")."""
    if len(word) < 5 or not word.isalpha():
        return False
    if english:
        return word.endswith("ed") and not word.endswith("eed")
    return word.endswith("ede")


def _tells_past(words: list[str], joined: str, english: bool) -> bool:
    """Return whether the text tells of something that happened."""
    return bool(PAST_TIMES.search(joined)) or any(
        w in PAST_VERBS or _looks_past(w, english) for w in words
    )
