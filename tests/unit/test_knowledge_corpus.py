"""The knowledge base in knowledge/ is well-formed and faithful to its sources.

(a) every Markdown document (README.md aside) has front matter with the required keys;
(b) every content sentence of each seed text (shared/seeds/) is in its strategy document;
(c) no PDF artefacts (page numbers, running headers, table of contents, bullet glyphs,
    line-break hyphenation) are left in the strategy documents.

Standard library and PyYAML only.  Where PyYAML is not installed, a small parser for the
flat ``key: value`` front matter used here stands in for it.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the environment
    yaml = None

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"


def _seed_dir() -> Path | None:
    candidates = [
        os.environ.get("PRAKTIKBOT_SEEDS_DIR", ""),
        ROOT.parent / "shared" / "seeds",  # CI: shared/ lies beside the clone of main
        ROOT / "shared" / "seeds",
    ]
    for candidate in candidates:
        if candidate and Path(candidate, "README.md").is_file():
            return Path(candidate)
    return None


SEEDS = _seed_dir()

REQUIRED_KEYS = ("title", "publisher", "date", "language", "scope")
STRATEGY_KEYS = ("source_file", "page_markers")
LANGUAGES = {"da", "en"}
PAGE_MARKER_KINDS = {"printed", "extract", "none"}
DATE = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")
SCOPE = re.compile(r"^(all|dept:[a-z0-9][a-z0-9_-]*|cohort:[A-Za-z0-9][A-Za-z0-9_-]*)$")
PAGE_COMMENT = re.compile(r"^<!-- page: (\d+) -->$")
HEADING = re.compile(r"^(#{1,6})\s+\S")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


# --------------------------------------------------------------------------- helpers


def _parse_flat_yaml(text: str) -> dict[str, object]:
    """Stand-in for yaml.safe_load on flat ``key: value`` mappings (no nesting, no lists)."""
    data: dict[str, object] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*):\s*(.*)$", line)
        assert match, f"front matter line {number} is not 'key: value': {line!r}"
        key, raw = match.groups()
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
            value: object = raw[1:-1]
        elif raw in {"true", "false"}:
            value = raw == "true"
        elif re.fullmatch(r"-?\d+", raw):
            value = int(raw)
        else:
            value = raw
        assert key not in data, f"duplicate key {key!r}"
        data[key] = value
    return data


def load_meta(text: str) -> dict[str, object]:
    if yaml is not None:
        data = yaml.safe_load(text)
        assert isinstance(data, dict), "front matter is not a mapping"
        return data
    return _parse_flat_yaml(text)


def split_front_matter(path: Path) -> tuple[dict[str, object], str]:
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    assert match, f"{path.relative_to(ROOT)}: no front matter between '---' lines at the top"
    return load_meta(match.group(1)), text[match.end() :]


def markdown_documents() -> list[Path]:
    return sorted(p for p in KNOWLEDGE.rglob("*.md") if p.name != "README.md")


def strategy_documents() -> list[Path]:
    return sorted((KNOWLEDGE / "strategies").glob("*.md"))


def normalise(text: str) -> str:
    """Join hyphenated line breaks, lower-case, keep letters and digits only."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(\w)-[ \t]*\n\s*(?=\w)", r"\1", text)
    return "".join(ch for ch in text.lower() if ch.isalnum())


def markdown_text_for_comparison(body: str) -> str:
    """The words of a Markdown body: comments and link targets are not text."""
    body = re.sub(r"<!--.*?-->", " ", body, flags=re.S)
    return re.sub(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))+\)", r"\1", body)


# --------------------------------------------------------------------------- seed specs


@dataclass(frozen=True)
class Cut:
    """A stretch of the seed text, given as a regex over the whole text (MULTILINE|DOTALL).

    It must match exactly `count` times, so that a changed seed is noticed, not ignored.
    """

    pattern: str
    why: str
    count: int = 1


@dataclass(frozen=True)
class SeedSpec:
    seed: str
    # Not content: removed before checking (cover page, table of contents, running
    # headers, a text frame the extraction printed twice).  Each says why in `why`.
    skip: tuple[Cut, ...] = ()
    # Content the PDF extraction put in the middle of another passage (a sidebar, a
    # footnote), or that the Markdown puts elsewhere.  Taken out of the main flow, so
    # that the sentences around it join up again, and checked on its own.
    relocate: tuple[Cut, ...] = ()
    # Hyperlink targets the extractor printed as loose lines.  Removed from the flow;
    # each must appear in the Markdown (as the target of the link it belongs to).
    links: tuple[Cut, ...] = ()
    # Garbles of the PDF text layer, repaired before checking: (old, new, why).
    fixes: tuple[tuple[str, str, str], ...] = ()
    # Lines that must not survive into the Markdown (running headers, page numbers).
    artefact_lines: tuple[str, ...] = ()
    # Hyphenated words that are real although the seed breaks the line at their hyphen.
    real_hyphens: tuple[str, ...] = ()


# One entry per strategy document: its seed file and the explicit, per-document list of
# what in the seed is not running content, each with the reason.  Page breaks and page
# numbers need no entry: the seeds carry no bare page numbers except in the running
# headers and the table of contents listed here.
SPECS: dict[str, SeedSpec] = {
    "randers-uddannelsesstrategi.md": SeedSpec(
        seed="000_77d87ba81194f846.txt",
        skip=(
            Cut(
                r"^Billede af Regionshospitalet Randers.*?"
                r"^Fakta boks: definitioner og begreber \.{5,} 8 *$",
                "pages 1-2: the cover (alt text of the cover photo, hospital name and "
                "title, which are the H1 and the front matter) and the table of contents",
            ),
        ),
        artefact_lines=(r"^Indholdsfortegnelse\b", r"^Billede af "),
    ),
    "region-hovedstaden-uddannelsesstrategi.md": SeedSpec(
        seed="001_202ef67559e5e08f.txt",
        relocate=(
            Cut(
                r"^Om strategien *\n.*?”16 veje til bedre sund-\n\nhedsuddannelser”, "
                r"fra marts 2023\. *$",
                "the sidebar 'Om strategien' cuts the sentence 'Men der tegner sig en "
                "række tendenser for | sundhedsvæsenet, ...' in two",
            ),
        ),
    ),
    "grunduddannelse-kerneopgave.md": SeedSpec(
        seed="002_6305af144a42c07a.txt",
        relocate=(
            Cut(
                r"^ Boks *\n\nInspiration: REFLEX skaber struktur for sosu-\nelever\n.*?"
                r"^Find Region Hovedstadens uddannelsesstrategi her\.\n",
                "the boxes on REFLEX and 'Mere inspiration' interrupt the section 'En "
                "kulturændring'; the Markdown puts them after the article",
            ),
        ),
        links=(
            Cut(
                r"^https?://\S+\n",
                "link targets of 'Find oplæringsguiden her.' and the other 'her' links "
                "and of footnote 1, printed at the foot of the page",
                count=7,
            ),
        ),
        real_hyphens=("sosu-elever", "peer-to-peer-læring"),
    ),
    "rm-speciallaeger-efteruddannelse.md": SeedSpec(
        seed="003_68c6ad963997dd76.txt",
        skip=(Cut(r"^ ?Side \d+ *$", "running page header 'Side N' of pages 2 and 3", count=2),),
        relocate=(
            Cut(
                r"^ +\n1 I 2003 blev de 7 lægeroller.*?De7laegeroller2udg\.pdf *$",
                "footnote 1 at the foot of page 1 cuts the sentence 'for at | "
                "understøtte ...'; the Markdown keeps it as a footnote",
            ),
            Cut(
                r"^Dato 16\. december 2013 *$",
                "the date line in the page-1 footer; the Markdown gives it under the title",
            ),
            Cut(
                r"\A Strategi for efteruddannelse og.*?arbejdsgiverperspektiv *$",
                "the title and subtitle, checked on their own because the date line "
                "follows them in the Markdown",
            ),
        ),
        artefact_lines=(r"^\s*Side \d+\s*$",),
    ),
    "psykiatrien-nordjylland-klinisk-uddannelse.md": SeedSpec(
        seed="004_2998ca8a18e5e2d2.txt",
        skip=(
            Cut(
                r"^Psykiatriens stab er ansvarlig for opfølgning på strategiens målsætninger "
                r"og refererer til TUPL, *\n.*?^samt mulighed for indkaldelse til møder ad "
                r"hoc\. *$",
                "a second copy of section 3 'Reference' (same sentences, other line breaks) "
                "that the extraction put at the end of page 'Indsats 4'; section 3 itself is "
                "checked",
            ),
        ),
        links=(
            Cut(
                r"^https://rn\.dk/genveje/uddannelse/regi-\non-nordjylland-som-"
                r"uddannelsessted\n",
                "link target of '(rn.dk)', printed below the paragraph",
            ),
        ),
        fixes=(
            (
                "uddan-\nnelsesopgaveneference",
                "uddan-\nnelsesopgaven",
                "the heading 'Reference' of the next page ran into the last word of "
                "Indsats 4 in the PDF text layer",
            ),
        ),
    ),
}

BULLET_GLYPHS = "•¾\uf0b7\uf0a7▪●◦"
MIN_WORDS = 4


@dataclass
class PreparedSeed:
    texts: list[str]  # the main flow, then each relocated passage
    link_targets: list[str]


def _take(text: str, cut: Cut) -> tuple[str, list[str]]:
    """Cut every match of `cut` out of `text`; return the rest and the pieces cut out."""
    matches = list(re.finditer(cut.pattern, text, flags=re.M | re.S))
    assert len(matches) == cut.count, (
        f"seed pattern should match {cut.count} time(s), matched {len(matches)}: "
        f"{cut.pattern!r} ({cut.why})"
    )
    pieces = [match.group(0) for match in matches]
    return re.sub(cut.pattern, "\n", text, flags=re.M | re.S), pieces


def prepare_seed(spec: SeedSpec) -> PreparedSeed:
    assert SEEDS is not None
    text = (SEEDS / spec.seed).read_text(encoding="utf-8").replace("\r\n", "\n")
    for old, new, why in spec.fixes:
        assert text.count(old) == 1, f"fix should apply once: {old!r} ({why})"
        text = text.replace(old, new)
    for cut in spec.skip:
        text, _ = _take(text, cut)
    targets = []
    for cut in spec.links:
        text, pieces = _take(text, cut)
        targets += [re.sub(r"-\n", "", piece).strip() for piece in pieces]
    relocated = []
    for cut in spec.relocate:
        text, pieces = _take(text, cut)
        relocated += pieces
    return PreparedSeed([text, *relocated], targets)


def sentences(text: str) -> list[str]:
    """Split a seed text into sentences, after joining hyphenated line breaks.

    A sentence ends at . ! ? or … followed by a word that does not start in lower case
    (so "f.eks. vedrørende", "mfl. fra" and "16. december" do not end one).  Bullet
    glyphs start a new sentence, as list items often end without a full stop.
    """
    text = unicodedata.normalize("NFC", text).replace("\t", " ")
    text = re.sub(rf"^[ ]*[{BULLET_GLYPHS}][ ]*", "\n\x00", text, flags=re.M)
    text = re.sub(r"(\w)-[ ]*\n\s*(?=[a-zæøå])", r"\1", text)
    text = re.sub(r"\s+", " ", text)
    result = []
    for item in text.split("\x00"):
        current = ""
        for part in re.split(r"(?<=[.!?…])\s+", item):
            first_letter = next((ch for ch in part if ch.isalpha()), "")
            if current and first_letter.islower():
                current += " " + part
            else:
                if current.strip():
                    result.append(current.strip())
                current = part
        if current.strip():
            result.append(current.strip())
    return result


def word_count(sentence: str) -> int:
    return sum(1 for token in sentence.split() if any(ch.isalnum() for ch in token))


def checked_sentences(spec: SeedSpec) -> list[str]:
    prepared = prepare_seed(spec)
    return [
        sentence
        for text in prepared.texts
        for sentence in sentences(text)
        if word_count(sentence) >= MIN_WORDS
    ]


# --------------------------------------------------------------------------- (a) metadata


def test_knowledge_folder_has_documents() -> None:
    assert (KNOWLEDGE / "README.md").is_file()
    assert set(SPECS) == {p.name for p in strategy_documents()}
    assert markdown_documents(), "no Markdown documents under knowledge/"


@pytest.mark.parametrize("path", markdown_documents(), ids=lambda p: str(p.relative_to(KNOWLEDGE)))
def test_front_matter(path: Path) -> None:
    meta, body = split_front_matter(path)
    where = path.relative_to(ROOT)
    missing = [key for key in REQUIRED_KEYS if key not in meta]
    assert not missing, f"{where}: missing front matter keys {missing}"
    for key in ("title", "publisher", "date", "scope"):
        assert isinstance(meta[key], str), f"{where}: {key} must be a (quoted) string"
        assert meta[key].strip(), f"{where}: {key} is empty"
    assert meta["language"] in LANGUAGES, f"{where}: language must be da or en"
    assert DATE.match(meta["date"]), f"{where}: date must be YYYY-MM-DD or YYYY"
    assert SCOPE.match(meta["scope"]), f"{where}: scope must be all, dept:<key> or cohort:<id>"
    if "source_url" in meta:
        assert str(meta["source_url"]).startswith("https://"), f"{where}: source_url"
    if "example" in meta:
        assert isinstance(meta["example"], bool), f"{where}: example must be true or false"
    assert body.lstrip().startswith("# "), f"{where}: the body should open with a '# ' title"

    if path.parent.name == "strategies":
        missing = [key for key in STRATEGY_KEYS if key not in meta]
        assert not missing, f"{where}: missing front matter keys {missing}"
        assert meta["page_markers"] in PAGE_MARKER_KINDS, f"{where}: page_markers"
        assert meta["source_file"] == SPECS[path.name].seed, f"{where}: source_file"


def test_sidecar_metadata() -> None:
    """Each `<file>.meta.yaml` (metadata for a PDF or DOCX) has the keys and a file beside it."""
    for path in sorted(KNOWLEDGE.rglob("*.meta.yaml")):
        meta = load_meta(path.read_text(encoding="utf-8"))
        missing = [key for key in REQUIRED_KEYS if key not in meta]
        assert not missing, f"{path.name}: missing keys {missing}"
        assert meta["language"] in LANGUAGES, f"{path.name}: language"
        assert SCOPE.match(str(meta["scope"])), f"{path.name}: scope"
        document = Path(str(path)[: -len(".meta.yaml")])
        assert document.is_file(), f"{path.name}: no document beside it"


@pytest.mark.parametrize("path", strategy_documents(), ids=lambda p: p.name)
def test_page_markers(path: Path) -> None:
    """Each heading is followed by its page, and pages never go backwards."""
    meta, body = split_front_matter(path)
    lines = body.splitlines()
    pages = []
    for number, line in enumerate(lines):
        if PAGE_COMMENT.match(line.strip()):
            previous = lines[number - 1] if number > 0 else ""
            assert HEADING.match(previous), (
                f"{path.name}: page comment not right after a heading: line {number + 1}"
            )
        if not HEADING.match(line):
            continue
        following = lines[number + 1].strip() if number + 1 < len(lines) else ""
        match = PAGE_COMMENT.match(following)
        if meta["page_markers"] == "none":
            assert not match, f"{path.name}: page comment although page_markers is none"
            continue
        assert match, f"{path.name}: heading without '<!-- page: N -->' after it: {line!r}"
        pages.append(int(match.group(1)))
    if meta["page_markers"] != "none":
        assert pages
        assert pages[0] >= 1
        assert pages == sorted(pages), f"{path.name}: pages go backwards: {pages}"


# --------------------------------------------------------------------------- (b) content


@pytest.mark.skipif(SEEDS is None, reason="shared/seeds/ not found beside the repository")
@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_seed_sentence_is_in_the_markdown(name: str) -> None:
    spec = SPECS[name]
    _, body = split_front_matter(KNOWLEDGE / "strategies" / name)
    markdown = normalise(markdown_text_for_comparison(body))
    checked = checked_sentences(spec)
    assert len(checked) > 10, f"{name}: suspiciously few sentences to check"
    missing = [sentence for sentence in checked if normalise(sentence) not in markdown]
    assert not missing, (
        f"{name}: {len(missing)} of {len(checked)} seed sentences are not in the Markdown:\n"
        + "\n".join(f"  - {sentence}" for sentence in missing)
    )
    # A sentence the seed has twice (say, a goal restated as a section's lead) is there twice.
    wanted = Counter(normalise(sentence) for sentence in checked)
    too_few = [
        f"{count}x in the seed, {markdown.count(key)}x in the Markdown: {key[:80]}"
        for key, count in wanted.items()
        if markdown.count(key) < count
    ]
    assert not too_few, f"{name}: repeated sentences missing:\n" + "\n".join(too_few)
    absent_links = [
        target for target in prepare_seed(spec).link_targets if target.split("#:~:")[0] not in body
    ]
    assert not absent_links, f"{name}: link targets missing from the Markdown: {absent_links}"


# --------------------------------------------------------------------------- (c) artefacts


def _without_urls(body: str) -> str:
    body = re.sub(r"<!--.*?-->", " ", body, flags=re.S)
    body = re.sub(r"\]\((?:[^()\s]|\([^()\s]*\))+\)", "]", body)
    return re.sub(r"<?https?://[^\s>)]+>?", " ", body)


@pytest.mark.parametrize("path", strategy_documents(), ids=lambda p: p.name)
def test_no_pdf_artefacts(path: Path) -> None:
    _, body = split_front_matter(path)
    spec = SPECS[path.name]
    problems = []
    for number, line in enumerate(body.splitlines(), 1):
        stripped = line.strip()
        if re.fullmatch(r"\d+", stripped):
            problems.append(f"line {number} is only a number: {line!r}")
        if re.search(r"\.{4,}\s*\d*\s*$", stripped):
            problems.append(f"line {number} looks like a table-of-contents entry: {line!r}")
        if re.search(rf"[{BULLET_GLYPHS}\t]", line):
            problems.append(f"line {number} has a bullet glyph or tab: {line!r}")
        if "\u00ad" in line:
            problems.append(f"line {number} has a soft hyphen")
        for pattern in spec.artefact_lines:
            if re.search(pattern, stripped):
                problems.append(f"line {number} is a page header/footer: {line!r}")
    text = _without_urls(body)
    # A hyphen before a space is only real in a shortened compound: "sundheds- og ...".
    for match in re.finditer(r"(\w+)- +(\S+)", text):
        if match.group(2).rstrip(",.;:") not in {"og", "eller", "og/eller"}:
            problems.append(f"hyphenation artefact: {match.group(0)!r}")
    # A hyphen inside a word must be one the seed has inside a line, or a known real one.
    if SEEDS is not None:
        seed_lines = (SEEDS / spec.seed).read_text(encoding="utf-8")
        for word in set(re.findall(r"(?<![\w-])\w+(?:-\w+)+", text)):
            if word not in spec.real_hyphens and word not in seed_lines:
                problems.append(f"hyphen not in the seed (line-break artefact?): {word!r}")
    assert not problems, f"{path.name}:\n" + "\n".join(f"  - {p}" for p in problems)


# --------------------------------------------------------------------------- the example guide

ONBOARDING_SECTIONS_DA = (
    "Velkommen",
    "Første dag",
    "Din vejleder",
    "Praktiksamtaler",
    "Vagter og læring i alle vagter",
    "Sygemelding",
    "Påklædning, skabe og omklædning",
    "Hygiejne",
    "Digitale værktøjer",
    "Feedback og refleksion",
    "Kontakter",
)


def test_example_onboarding_guide() -> None:
    da_meta, da_body = split_front_matter(
        KNOWLEDGE / "onboarding" / "eksempel-medicinsk-afdeling.md"
    )
    en_meta, en_body = split_front_matter(
        KNOWLEDGE / "onboarding" / "example-medical-department.en.md"
    )
    assert da_meta["example"] is True
    assert en_meta["example"] is True
    assert da_meta["language"] == "da"
    assert en_meta["language"] == "en"
    assert da_meta["scope"] == en_meta["scope"]
    assert da_meta["scope"].startswith("dept:")
    headings = re.findall(r"^## (.+)$", da_body, flags=re.M)
    assert headings == list(ONBOARDING_SECTIONS_DA)
    assert len(re.findall(r"^## ", en_body, flags=re.M)) == len(headings)
    for body in (da_body, en_body):
        # fictitious contacts only: 5-digit internal numbers, e-mails at the example domain
        assert not re.search(r"\b\d{6}-?\d{4}\b", body), "something that looks like a CPR number"
        assert not re.search(r"(?<![\d.])(\d[ ]?){8}(?![\d.])", body), "an 8-digit phone number"
        domains = set(re.findall(r"[\w.+-]+@([\w.-]+)", body))
        assert domains == {"eksempelhospitalet.dk"}, domains
