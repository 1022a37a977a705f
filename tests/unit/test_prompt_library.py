"""The reflection prompt library: the real prompts, choosing, phases and validation."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.services.identity.domain import Profession
from bot.services.reflection.prompt_library import (
    ROLES,
    STEP_KEYS,
    Model,
    Phase,
    Prompt,
    PromptLibrary,
    PromptLibraryError,
    default_prompts_dir,
    phase_of,
)

LIBRARY = PromptLibrary.load(default_prompts_dir())
TODAY = date(2027, 3, 1)
SOSU = {"sosu_assistant", "sosu_helper"}


def _only_for(professions: set[str], model: Model = Model.ROLFE) -> list[Prompt]:
    """Return the prompts of a model written for exactly these professions."""
    return [p for p in LIBRARY.prompts(model) if p.professions == professions]


def _general(model: Model, phase: Phase) -> list[Prompt]:
    """Return the prompts for all professions written for this phase only."""
    return [p for p in LIBRARY.prompts(model) if not p.professions and p.phases == {phase}]


def _choose(model: Model = Model.ROLFE, phase: Phase = Phase.MIDDLE, **kwargs: Any) -> Prompt:
    """Choose with defaults for what a test does not care about."""
    options: dict[str, Any] = {"recent": {}, "today": TODAY, "window_days": 14, "seed": 0}
    return LIBRARY.choose(model, phase, kwargs.pop("profession", "other"), **options | kwargs)


# --------------------------------------------------------------------------- the real prompts


def test_the_folder_holds_many_prompts_of_each_model() -> None:
    assert len(LIBRARY) == len(LIBRARY.prompts())
    assert len(LIBRARY.prompts(Model.ROLFE)) >= 18 + 4 + 4 + 7
    assert len(LIBRARY.prompts(Model.GIBBS)) >= 6
    assert len(LIBRARY.prompts(Model.ALACT)) >= 4


@pytest.mark.parametrize("phase", list(Phase))
def test_each_phase_has_at_least_six_general_rolfe_prompts(phase: Phase) -> None:
    assert len(_general(Model.ROLFE, phase)) >= 6


def test_professions_have_their_own_prompts() -> None:
    assert len(_only_for({"nursing"})) >= 4
    assert len(_only_for(SOSU)) >= 4
    medicine = _only_for({"medicine"})
    assert len(medicine) >= 7
    with_roles = [p for p in medicine if p.roles]
    assert sorted(r for p in with_roles for r in p.roles) == sorted(ROLES)
    assert all(len(p.roles) == 1 for p in with_roles)


@pytest.mark.parametrize("theme", ["feedback", "psychological_safety", "all_shifts"])
def test_themes_from_the_strategies_have_rolfe_prompts(theme: str) -> None:
    assert len([p for p in LIBRARY.prompts(Model.ROLFE) if theme in p.themes]) >= 2


def test_gibbs_has_weekly_and_hard_shift_prompts() -> None:
    gibbs = LIBRARY.prompts(Model.GIBBS)
    weekly = [p for p in gibbs if "weekly" in p.themes]
    hard = [p for p in gibbs if "hard_shift" in p.themes]
    assert len(weekly) >= 3
    assert len(hard) >= 3
    assert not {p.id for p in weekly} & {p.id for p in hard}
    for prompt in hard:
        assert "vejleder" in prompt.intro["da"]
        assert "kollega" in prompt.intro["da"]
        assert "bestemmer selv" in prompt.intro["da"]
        assert "supervisor" in prompt.intro["en"]
        assert "decide" in prompt.intro["en"]


def test_alact_prompts_quote_the_plan() -> None:
    alact = LIBRARY.prompts(Model.ALACT)
    assert len(alact) >= 4
    for prompt in alact:
        assert all("{plan}" in text for text in prompt.steps[0].text.values())


@pytest.mark.parametrize("prompt", LIBRARY.prompts(), ids=lambda p: p.id)
def test_every_prompt_is_complete_in_danish_and_english(prompt: Prompt) -> None:
    assert tuple(step.key for step in prompt.steps) == STEP_KEYS[prompt.model]
    texts = [prompt.intro, *(step.text for step in prompt.steps)]
    for text in texts:
        assert text["da"].strip()
        assert text["en"].strip()
        assert text["da"] != text["en"] or len(text["da"]) < 20  # e.g. "Feedback 🔄"
        for value in text.values():
            assert len(value) <= 300
            assert not set(value) & set("<>&")
    assert prompt.intro_text("da") == prompt.intro["da"]
    assert prompt.intro_text("en") == prompt.intro["en"]
    if prompt.model is not Model.ALACT:
        assert prompt.question(0, "en") == prompt.steps[0].text["en"]


def test_the_folder_readme_is_not_indexed_as_knowledge() -> None:
    from bot.retrieval.ingest.loaders import knowledge_files

    knowledge = default_prompts_dir().parent
    indexed = {p.relative_to(knowledge).as_posix() for p in knowledge_files(knowledge)}
    assert not {name for name in indexed if name.startswith("prompts/")}


# --------------------------------------------------------------------------- choosing


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("profession", [p.value for p in Profession])
def test_choose_keeps_to_phase_and_profession(phase: Phase, profession: str) -> None:
    for seed in range(40):
        prompt = _choose(Model.ROLFE, phase, profession=profession, seed=seed)
        assert prompt.model is Model.ROLFE
        assert phase in prompt.phases
        assert not prompt.professions or profession in prompt.professions


def test_profession_prompts_are_chosen_too() -> None:
    chosen = {_choose(profession="medicine", seed=seed).id for seed in range(200)}
    assert {p.id for p in _only_for({"medicine"}) if Phase.MIDDLE in p.phases} <= chosen
    sosu = {_choose(profession="sosu_helper", seed=seed).id for seed in range(200)}
    assert any(LIBRARY.get(i).professions == SOSU for i in sosu)  # type: ignore[union-attr]


def test_a_theme_narrows_the_choice_and_an_unknown_theme_is_ignored() -> None:
    for seed in range(20):
        assert "hard_shift" in _choose(Model.GIBBS, theme="hard_shift", seed=seed).themes
        assert "weekly" in _choose(Model.GIBBS, theme="weekly", seed=seed).themes
        assert "feedback" in _choose(theme="feedback", seed=seed).themes
    assert _choose(theme="no_such_theme", seed=3) == _choose(seed=3)


def test_an_unknown_profession_gets_the_general_prompts() -> None:
    assert _choose(profession="dentistry", seed=5) == _choose(profession="other", seed=5)


def test_the_same_seed_gives_the_same_prompt() -> None:
    recent = {"rolfe-middle-success": TODAY - timedelta(days=2)}
    first = [_choose(seed=s, recent=recent).id for s in range(30)]
    assert first == [_choose(seed=s, recent=recent).id for s in range(30)]
    assert len(set(first)) > 5


def test_prompts_used_within_the_window_are_skipped() -> None:
    eligible = [p for p in LIBRARY.prompts(Model.ROLFE) if p.suits(Phase.MIDDLE, "other")]
    keep = min(p.id for p in eligible)
    recent = {p.id: TODAY - timedelta(days=13) for p in eligible if p.id != keep}
    assert all(_choose(recent=recent, seed=s).id == keep for s in range(10))
    recent = {p.id: TODAY - timedelta(days=14) for p in eligible}  # 14 days ago: outside
    assert len({_choose(recent=recent, seed=s).id for s in range(30)}) > 1


def test_when_all_were_used_the_least_recently_used_comes_first() -> None:
    eligible = sorted(
        (p for p in LIBRARY.prompts(Model.ALACT) if p.suits(Phase.START, "other")),
        key=lambda p: p.id,
    )
    recent = {p.id: TODAY - timedelta(days=1) for p in eligible}
    recent[eligible[-1].id] = recent[eligible[-2].id] = TODAY - timedelta(days=3)
    prompt = _choose(Model.ALACT, Phase.START, recent=recent, seed=7)
    assert prompt.id == eligible[-2].id  # oldest; a tie goes to the smaller id


@pytest.mark.parametrize("profession", [p.value for p in Profession])
def test_no_prompt_repeats_within_the_window_over_a_placement(profession: str) -> None:
    starts_on, window = date(2027, 3, 1), 14
    ends_on = starts_on + timedelta(days=29)
    last: dict[str, date] = {}
    for offset in range(30):
        day = starts_on + timedelta(days=offset)
        phase = phase_of(day, starts_on, ends_on)
        eligible = [p for p in LIBRARY.prompts(Model.ROLFE) if p.suits(phase, profession)]
        assert len(eligible) >= window  # enough prompts, so no repeat is ever needed
        prompt = LIBRARY.choose(
            Model.ROLFE, phase, profession, recent=last, today=day, window_days=window, seed=42
        )
        assert prompt.id not in last or (day - last[prompt.id]).days >= window
        last[prompt.id] = day


# --------------------------------------------------------------------------- filling in


def test_the_plan_is_filled_in_as_given() -> None:
    prompt = LIBRARY.get("alact-how-did-it-go")
    assert prompt is not None
    plan = html.escape("Spørge om <K+> & {plan} før stuegang", quote=False)
    da = prompt.question(0, "da", plan=plan)
    assert f"«{plan}»" in da
    assert "&lt;K+&gt; &amp; {plan}" in da
    assert prompt.question(0, "en-GB", plan="x").startswith("Last time you wrote: “x”")
    assert prompt.question(0, "de", plan="x") == prompt.question(0, "da", plan="x")
    with pytest.raises(KeyError):
        prompt.question(0, "da")


def test_intro_falls_back_to_danish() -> None:
    prompt = LIBRARY.prompts(Model.ROLFE)[0]
    assert prompt.intro_text("fr") == prompt.intro["da"]
    assert prompt.intro_text("") == prompt.intro["da"]


# --------------------------------------------------------------------------- phases


@pytest.mark.parametrize(
    ("offset", "length", "phase"),
    [
        (0, 60, Phase.START),  # first day
        (6, 60, Phase.START),  # day 7
        (7, 60, Phase.MIDDLE),  # day 8
        (52, 60, Phase.MIDDLE),  # 8 days before the end
        (53, 60, Phase.END),  # 7 days left (the last day is day 60)
        (59, 60, Phase.END),  # last day
        (70, 60, Phase.END),  # after the end
        (-3, 60, Phase.START),  # before the start
        (0, 10, Phase.START),
        (3, 10, Phase.END),  # a short placement: END wins
        (0, 5, Phase.END),
    ],
)
def test_phase_of(offset: int, length: int, phase: Phase) -> None:
    starts_on = date(2027, 1, 4)
    ends_on = starts_on + timedelta(days=length - 1)
    assert phase_of(starts_on + timedelta(days=offset), starts_on, ends_on) is phase


def test_the_default_folder_is_the_repositorys() -> None:
    assert default_prompts_dir() == Path(__file__).resolve().parents[2] / "knowledge" / "prompts"


# --------------------------------------------------------------------------- validation


def _prompt(model: Model, prompt_id: str) -> dict[str, Any]:
    """Return a valid prompt for all phases and professions."""
    text = "Sidst skrev du: «{plan}»." if model is Model.ALACT else "Hvad skete der?"
    steps = [{"key": k, "da": text, "en": text} for k in STEP_KEYS[model]]
    return {
        "id": prompt_id,
        "model": model.value,
        "intro": {"da": "Refleksion", "en": "Reflection"},
        "steps": steps,
    }


def _valid() -> dict[str, Any]:
    """Return a small valid library file."""
    return {"prompts": [_prompt(model, f"{model.value}-one") for model in Model]}


def _write(folder: Path, data: Any, name: str = "prompts.yaml") -> Path:
    """Write data as a YAML file and return the folder."""
    folder.mkdir(exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _first(data: dict[str, Any]) -> dict[str, Any]:
    """Return the first (rolfe) prompt of a library file."""
    return data["prompts"][0]


BREAKAGES: list[tuple[str, Callable[[dict[str, Any]], object], str]] = [
    ("bad id", lambda d: _first(d).update(id="Rolfe One"), "id must be"),
    ("long id", lambda d: _first(d).update(id="r" * 41), "id must be"),
    ("model", lambda d: _first(d).update(model="schon"), "model: unknown value 'schon'"),
    ("phase", lambda d: _first(d).update(phases=["first"]), "phases: unknown value 'first'"),
    ("profession", lambda d: _first(d).update(professions=["vet"]), "unknown value 'vet'"),
    ("role", lambda d: _first(d).update(roles=["boss"]), "roles: unknown value 'boss'"),
    ("role", lambda d: _first(d).update(roles=["leader"]), "only with professions: [medicine]"),
    ("theme", lambda d: _first(d).update(themes=["Hard shift"]), "themes: 'Hard shift'"),
    ("key", lambda d: _first(d).update(phase=["start"]), "unknown keys ['phase']"),
    ("steps", lambda d: _first(d)["steps"].pop(), "needs the steps what, so_what, now_what"),
    ("order", lambda d: _first(d)["steps"].reverse(), "in this order"),
    ("english", lambda d: _first(d)["intro"].pop("en"), "intro: the 'en' text is missing"),
    ("danish", lambda d: _first(d)["steps"][1].update(da=" "), "step 'so_what': the 'da' text"),
    ("html", lambda d: _first(d)["steps"][0].update(en="A & B"), "instead of <, > or &"),
    ("long", lambda d: _first(d)["steps"][2].update(da="x" * 301), "301 characters"),
    ("field", lambda d: _first(d)["steps"][0].update(da="{name}?"), "placeholder {name}"),
    ("plan", lambda d: _first(d)["steps"][0].update(da="{plan}?"), "only for alact"),
    ("noplan", lambda d: d["prompts"][2]["steps"][0].update(en="How?"), "must contain {plan}"),
]


@pytest.mark.parametrize(
    ("breakage", "message"), [(b, m) for _, b, m in BREAKAGES], ids=[n for n, _, _ in BREAKAGES]
)
def test_a_broken_prompt_is_refused_with_file_id_and_reason(
    tmp_path: Path, breakage: Callable[[dict[str, Any]], object], message: str
) -> None:
    data = _valid()
    breakage(data)
    with pytest.raises(PromptLibraryError) as caught:
        PromptLibrary.load(_write(tmp_path / "p", data, "daily.yaml"))
    assert message in str(caught.value)
    assert re.match(
        r"daily\.yaml: prompt '(rolfe-one|alact-one|Rolfe One|r{41})': ", str(caught.value)
    )


def test_a_valid_small_library_loads(tmp_path: Path) -> None:
    library = PromptLibrary.load(_write(tmp_path / "p", _valid()))
    assert len(library) == 3
    sosu = _prompt(Model.ROLFE, "rolfe-sosu")
    library = PromptLibrary.load(_write(tmp_path / "p", {"prompts": [sosu]}, "more.yml"))
    assert library.get("rolfe-sosu") is not None


def test_sosu_means_both_sosu_professions(tmp_path: Path) -> None:
    data = _valid()
    data["prompts"].append(_prompt(Model.ROLFE, "rolfe-sosu") | {"professions": ["sosu"]})
    library = PromptLibrary.load(_write(tmp_path / "p", data))
    assert library.get("rolfe-sosu").professions == SOSU  # type: ignore[union-attr]


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    folder = _write(tmp_path / "p", _valid(), "a.yaml")
    _write(folder, {"prompts": [_prompt(Model.ROLFE, "rolfe-one")]}, "b.yaml")
    with pytest.raises(PromptLibraryError, match=r"b\.yaml: prompt 'rolfe-one': .* in a\.yaml"):
        PromptLibrary.load(folder)


def test_every_model_phase_and_profession_must_be_covered(tmp_path: Path) -> None:
    data = _valid()
    _first(data)["phases"] = ["start", "middle"]
    with pytest.raises(PromptLibraryError, match="no rolfe prompt for phase end"):
        PromptLibrary.load(_write(tmp_path / "p", data))
    data = _valid()
    _first(data)["professions"] = ["nursing"]
    with pytest.raises(PromptLibraryError, match=r"no rolfe prompt .* profession biomedical_lab"):
        PromptLibrary.load(_write(tmp_path / "q", data))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("prompts: [", "cannot be read as YAML"),
        ("", "expected 'prompts:'"),
        ("prompts: {id: x}", "expected 'prompts:'"),
        ("- id: x", "expected 'prompts:'"),
    ],
)
def test_a_broken_file_is_refused(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(PromptLibraryError, match=message) as caught:
        PromptLibrary.load(_write(tmp_path / "p", content, "bad.yaml"))
    assert str(caught.value).startswith("bad.yaml: ")


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PromptLibraryError, match=r"no \*\.yaml prompt files"):
        PromptLibrary.load(tmp_path)


def test_a_library_built_in_code_refuses_duplicates() -> None:
    prompt = LIBRARY.prompts()[0]
    with pytest.raises(PromptLibraryError, match="not unique"):
        PromptLibrary([prompt, replace(prompt)])
