"""The reflection prompts (Rolfe, Gibbs, ALACT) from knowledge/prompts, checked and chosen."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from itertools import product
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from bot.services.identity.domain import Profession


class Model(StrEnum):
    """A reflection model: it fixes the steps of a prompt."""

    ROLFE = "rolfe"
    GIBBS = "gibbs"
    ALACT = "alact"


class Phase(StrEnum):
    """Where a day lies in a placement."""

    START = "start"
    MIDDLE = "middle"
    END = "end"


_GIBBS_STEPS = ("description", "feelings", "evaluation", "analysis", "conclusion", "action_plan")
STEP_KEYS: dict[Model, tuple[str, ...]] = {
    Model.ROLFE: ("what", "so_what", "now_what"),
    Model.GIBBS: _GIBBS_STEPS,
    Model.ALACT: ("trial",),
}
LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
PLACEHOLDERS = frozenset({"plan"})
PROFESSIONS = frozenset(p.value for p in Profession)
PROFESSION_GROUPS = {"sosu": frozenset({"sosu_assistant", "sosu_helper"})}
ROLES = (  # the seven doctor roles (de syv lægeroller)
    "medical_expert",
    "communicator",
    "collaborator",
    "leader",
    "health_advocate",
    "scholar",
    "professional",
)
_PROFESSION_NAMES = sorted(PROFESSIONS | set(PROFESSION_GROUPS))
MAX_TEXT = 300
PHASE_DAYS = 7
_KEYS = frozenset({"id", "model", "phases", "professions", "themes", "roles", "intro", "steps"})
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_TAG = re.compile(r"^[a-z0-9_]+$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_UNSAFE = ("<", ">", "&")


class PromptLibraryError(ValueError):
    """A prompt file that cannot be used; the message names the file, the prompt and why."""


class _Problem(Exception):
    """What is wrong with one prompt; load() adds the file and the id."""


def _pick(texts: Mapping[str, str], language: str) -> str:
    """Return the text in a language ("en", "en-GB"), else in Danish."""
    primary = (language or "").replace("_", "-").split("-")[0].lower()
    return texts.get(primary) or texts[DEFAULT_LANGUAGE]


@dataclass(frozen=True, slots=True)
class PromptStep:
    """One question of a prompt: its key and its text per language."""

    key: str
    text: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True, slots=True)
class Prompt:
    """One reflection prompt: who it suits, an intro line and its questions."""

    id: str
    model: Model
    phases: frozenset[Phase]
    professions: frozenset[str]
    themes: tuple[str, ...]
    roles: tuple[str, ...]
    intro: Mapping[str, str] = field(hash=False)
    steps: tuple[PromptStep, ...]

    def question(self, index: int, language: str, **values: str) -> str:
        """Return step `index` in the language with {plan} filled in verbatim.

        Values go in as given (escape them for HTML once, before or after). Other braces are
        left alone; a known placeholder without a value raises KeyError.
        """
        text = _pick(self.steps[index].text, language)

        def fill(match: re.Match[str]) -> str:
            """Return the value of a known placeholder; leave other braces as they are."""
            if match[1] not in PLACEHOLDERS:
                return match[0]
            return values[match[1]]

        return _PLACEHOLDER.sub(fill, text)

    def intro_text(self, language: str) -> str:
        """Return the intro line in the language, else in Danish."""
        return _pick(self.intro, language)

    def suits(self, phase: Phase, profession: str) -> bool:
        """Return whether the prompt is for this phase and profession."""
        return phase in self.phases and (not self.professions or profession in self.professions)


class PromptLibrary:
    """All prompts, looked up by id and chosen per student and day."""

    def __init__(self, prompts: Iterable[Prompt]) -> None:
        """Keep the prompts in order, indexed by their ids, which must be unique."""
        self._prompts = tuple(prompts)
        self._by_id = {p.id: p for p in self._prompts}
        if len(self._by_id) != len(self._prompts):
            raise PromptLibraryError("prompt ids are not unique")

    @classmethod
    def load(cls, directory: Path) -> PromptLibrary:
        """Read and check every *.yaml/*.yml file in a folder; raise PromptLibraryError."""
        found = Path(directory).glob("*.y*ml")
        files = sorted(p for p in found if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise PromptLibraryError(f"{directory}: no *.yaml prompt files")
        prompts: list[Prompt] = []
        origin: dict[str, str] = {}
        for path in files:
            for raw in _entries(path):
                prompt = _parse(raw, path)
                if prompt.id in origin:
                    raise PromptLibraryError(
                        f"{path.name}: prompt {prompt.id!r}: id already used in {origin[prompt.id]}"
                    )
                origin[prompt.id] = path.name
                prompts.append(prompt)
        _check_coverage(prompts, directory)
        return cls(prompts)

    def get(self, prompt_id: str) -> Prompt | None:
        """Return the prompt with this id, or None."""
        return self._by_id.get(prompt_id)

    def __len__(self) -> int:
        """Return the number of prompts."""
        return len(self._prompts)

    def prompts(self, model: Model | None = None) -> tuple[Prompt, ...]:
        """Return all prompts, or those of one model, in file order."""
        return tuple(p for p in self._prompts if model is None or p.model is model)

    def choose(
        self,
        model: Model,
        phase: Phase,
        profession: str,
        *,
        recent: Mapping[str, date],
        today: date,
        window_days: int,
        seed: int,
        theme: str | None = None,
    ) -> Prompt:
        """Choose a prompt not given within the window, else the least recently given one.

        An unknown profession counts as "other"; a theme no eligible prompt has is ignored.
        Raises LookupError only for a library that load() would have refused.
        """
        if profession not in PROFESSIONS:
            profession = Profession.OTHER.value
        eligible = [p for p in self.prompts(model) if p.suits(phase, profession)]
        themed = [p for p in eligible if theme is not None and theme in p.themes]
        candidates = sorted(themed or eligible, key=lambda p: p.id)
        if not candidates:
            raise LookupError(f"no {model} prompt for phase {phase} and {profession}")
        fresh = [p for p in candidates if (today - recent.get(p.id, date.min)).days >= window_days]
        if fresh:
            return fresh[seed % len(fresh)]
        return min(candidates, key=lambda p: (recent[p.id], p.id))


def phase_of(day: date, starts_on: date, ends_on: date) -> Phase:
    """Return the phase of a day: the first 7 days START, the last 7 END (END wins)."""
    if (ends_on - day).days < PHASE_DAYS:
        return Phase.END
    if (day - starts_on).days < PHASE_DAYS:
        return Phase.START
    return Phase.MIDDLE


def default_prompts_dir() -> Path:
    """Return the repository's knowledge/prompts folder."""
    return Path(__file__).resolve().parents[3] / "knowledge" / "prompts"


def _entries(path: Path) -> list[dict[str, Any]]:
    """Return the prompt mappings of one file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PromptLibraryError(f"{path.name}: cannot be read as YAML: {exc}") from exc
    entries = data.get("prompts") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise PromptLibraryError(f"{path.name}: expected 'prompts:' with a list of prompts")
    return entries


def _parse(raw: dict[str, Any], path: Path) -> Prompt:
    """Return one checked prompt; raise PromptLibraryError naming the file and the id."""
    try:
        return _build(raw)
    except _Problem as problem:
        raise PromptLibraryError(f"{path.name}: prompt {raw.get('id')!r}: {problem}") from None


def _build(raw: dict[str, Any]) -> Prompt:
    """Return the prompt a mapping describes; raise _Problem when it breaks a rule."""
    if unknown := sorted(set(raw) - _KEYS):
        raise _Problem(f"unknown keys {unknown}; allowed: {sorted(_KEYS)}")
    prompt_id = raw.get("id")
    if not isinstance(prompt_id, str) or not _ID.match(prompt_id):
        raise _Problem("id must be 1-40 characters of a-z, 0-9 and '-'")
    model = Model(_names(raw, "model", [m.value for m in Model], single=True)[0])
    phases = frozenset(Phase(v) for v in _names(raw, "phases", [p.value for p in Phase]))
    phases = phases or frozenset(Phase)
    professions = frozenset().union(
        *(PROFESSION_GROUPS.get(v, {v}) for v in _names(raw, "professions", _PROFESSION_NAMES))
    )
    roles = _names(raw, "roles", list(ROLES))
    if roles and professions != {Profession.MEDICINE.value}:
        raise _Problem("roles are the doctor roles: give them only with professions: [medicine]")
    intro = _texts(raw.get("intro"), "intro")
    steps = _steps(raw.get("steps"), model)
    _check_placeholders(model, intro, steps)
    themes = _names(raw, "themes", None)
    return Prompt(prompt_id, model, phases, professions, themes, roles, intro, steps)


def _names(
    raw: dict[str, Any], key: str, allowed: list[str] | None, *, single: bool = False
) -> tuple[str, ...]:
    """Return the names under a key (a list, or one name), checked against `allowed`."""
    value = raw.get(key)
    values = [value] if single else (value or [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _Problem(f"{key} must be {'a name' if single else 'a list of names'}")
    for name in values:
        if allowed is not None and name not in allowed:
            raise _Problem(f"{key}: unknown value {name!r}; known: {', '.join(allowed)}")
        if allowed is None and not _TAG.match(name):
            raise _Problem(f"{key}: {name!r} must be lowercase letters, digits and '_'")
    return tuple(dict.fromkeys(values))


def _texts(value: Any, where: str) -> Mapping[str, str]:
    """Return the texts of an intro or step per language, checked."""
    if not isinstance(value, dict):
        raise _Problem(f"{where} must map languages to texts (da: ..., en: ...)")
    texts = {k: v for k, v in value.items() if k != "key"}
    for language in LANGUAGES:
        if not isinstance(texts.get(language), str) or not texts[language].strip():
            raise _Problem(f"{where}: the {language!r} text is missing or empty")
    for language, text in texts.items():
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            raise _Problem(f"{where}: {language!r} is not a two-letter language code")
        if not isinstance(text, str) or any(c in text for c in _UNSAFE):
            raise _Problem(f"{where} ({language}): write 'og'/'and' instead of <, > or &")
        if len(text) > MAX_TEXT:
            raise _Problem(f"{where} ({language}): {len(text)} characters; at most {MAX_TEXT}")
    return MappingProxyType({k: v.strip() for k, v in texts.items()})


def _steps(value: Any, model: Model) -> tuple[PromptStep, ...]:
    """Return the steps of a prompt; their keys must be the model's, in order."""
    if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
        raise _Problem("steps must be a list of {key, da, en}")
    keys = tuple(step.get("key") for step in value)
    if keys != STEP_KEYS[model]:
        expected = ", ".join(STEP_KEYS[model])
        raise _Problem(f"a {model} prompt needs the steps {expected} in this order, not {keys}")
    return tuple(PromptStep(s["key"], _texts(s, f"step {s['key']!r}")) for s in value)


def _check_placeholders(
    model: Model, intro: Mapping[str, str], steps: tuple[PromptStep, ...]
) -> None:
    """Allow {plan} only, and only (and always) in the ALACT trial step."""
    parts = [("intro", intro, False), *((f"step {s.key!r}", s.text, True) for s in steps)]
    for where, texts, is_step in parts:
        for language, text in texts.items():
            names = set(_PLACEHOLDER.findall(text))
            if unknown := sorted(names - PLACEHOLDERS):
                raise _Problem(f"{where} ({language}): unknown placeholder {{{unknown[0]}}}")
            wants_plan = is_step and model is Model.ALACT
            if wants_plan != ("plan" in names):
                rule = "must contain {plan}" if wants_plan else "{plan} is only for alact steps"
                raise _Problem(f"{where} ({language}): {rule}")


def _check_coverage(prompts: list[Prompt], directory: Path) -> None:
    """Require a prompt of every model for every phase and profession, so choose() answers."""
    for model, phase, profession in product(Model, Phase, sorted(PROFESSIONS)):
        if not any(p.model is model and p.suits(phase, profession) for p in prompts):
            raise PromptLibraryError(
                f"{Path(directory).name}: no {model} prompt for phase {phase} and profession "
                f"{profession}; add one without professions (for all) or for {profession}"
            )
