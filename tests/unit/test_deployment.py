"""The deployment files an IT department reviews: the lock files with hashes and that `make`
and the Dockerfile install from them, the chromadb pin shared by client and server, the
compose file's health checks, dependencies, mounts, grace period and required password, and
the .dockerignore. There is no Docker engine here, so the files are parsed and checked."""

from __future__ import annotations

import fnmatch
import importlib.metadata
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()
# After the outbox's drain the bot still stops polling, waits for running handlers and closes
# its pools: give that this much on top before Docker kills the container.
AFTER_DRAIN_SECONDS = 15


@dataclass(frozen=True, slots=True)
class Pin:
    """One entry of a lock file: name==version, its marker, and its hashes."""

    requirement: Requirement
    hashes: tuple[str, ...]

    @property
    def version(self) -> Version:
        [spec] = self.requirement.specifier
        return Version(spec.version)


def read_lock(name: str) -> dict[str, list[Pin]]:
    """Parse a hashed requirements file (continuation lines joined, comments dropped)."""
    text = (ROOT / name).read_text()
    logical = re.sub(r"\\\n", " ", "\n".join(line.split("#", 1)[0] for line in text.splitlines()))
    pins: dict[str, list[Pin]] = {}
    for line in logical.splitlines():
        if not line.strip():
            continue
        requirement, *options = line.split(" --hash=")
        pin = Pin(Requirement(requirement.strip()), tuple(opt.strip() for opt in options))
        pins.setdefault(canonicalize_name(pin.requirement.name), []).append(pin)
    return pins


LOCKS = {"requirements.lock": read_lock("requirements.lock")}
LOCKS["requirements-dev.lock"] = read_lock("requirements-dev.lock")


def applicable(lock: dict[str, list[Pin]], name: str) -> Pin | None:
    """The lock's entry for `name` on this interpreter and platform (markers evaluated)."""
    found = [
        pin
        for pin in lock.get(canonicalize_name(name), [])
        if pin.requirement.marker is None or pin.requirement.marker.evaluate()
    ]
    assert len(found) <= 1, f"{name}: {len(found)} entries apply at once"
    return found[0] if found else None


def top_level(dev: bool) -> list[Requirement]:
    """What pyproject asks for: the dependencies, the build back-end, and the dev tools."""
    names = PYPROJECT["project"]["dependencies"] + PYPROJECT["build-system"]["requires"]
    if dev:
        names = names + PYPROJECT["project"]["optional-dependencies"]["dev"]
    return [Requirement(name) for name in names]


def applies(requirement: Requirement, extras: frozenset[str]) -> bool:
    """Whether a requirement applies here when the package is installed with `extras`."""
    if requirement.marker is None:
        return True
    environment: dict[str, str] = dict(default_environment())
    return any(
        requirement.marker.evaluate({**environment, "extra": extra}) for extra in extras | {""}
    )


@pytest.mark.parametrize("lock_name", sorted(LOCKS))
def test_every_entry_is_pinned_exactly_and_hashed(lock_name: str) -> None:
    lock = LOCKS[lock_name]
    assert len(lock) > 50
    for name, pins in lock.items():
        for pin in pins:
            [spec] = pin.requirement.specifier
            assert spec.operator == "==", f"{lock_name}: {name} is not pinned exactly"
            assert pin.hashes, f"{lock_name}: {name} has no hash"
            assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in pin.hashes), name


@pytest.mark.parametrize(
    ("lock_name", "dev"), [("requirements.lock", False), ("requirements-dev.lock", True)]
)
def test_the_lock_matches_pyproject_and_is_complete(lock_name: str, dev: bool) -> None:
    """Every pyproject requirement (with its extras), and everything those require in turn,
    is in the lock at a version the requirement allows: a dependency added to pyproject
    without `make lock` fails here."""
    lock = LOCKS[lock_name]
    missing: list[str] = []
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(requirement, "pyproject.toml") for requirement in top_level(dev)]
    while todo:
        requirement, wanted_by = todo.pop()
        extras = frozenset(requirement.extras)
        if not applies(requirement, frozenset()):
            continue
        pin = applicable(lock, requirement.name)
        if pin is None:
            missing.append(f"{requirement} (wanted by {wanted_by}) is not in {lock_name}")
            continue
        if not requirement.specifier.contains(pin.version, prereleases=True):
            missing.append(f"{requirement} (wanted by {wanted_by}): {lock_name} has {pin.version}")
        key = (canonicalize_name(requirement.name), extras)
        if key in seen:
            continue
        seen.add(key)
        try:
            requires = importlib.metadata.requires(requirement.name) or []
        except importlib.metadata.PackageNotFoundError:
            missing.append(f"{requirement.name} is not installed: run `make install-dev`")
            continue
        for line in requires:
            child = Requirement(line)
            if applies(child, extras):
                todo.append((child, requirement.name))
    assert not missing, "run `make lock`:\n" + "\n".join(sorted(set(missing)))


def test_the_runtime_and_dev_locks_agree_on_every_shared_package() -> None:
    runtime, dev = LOCKS["requirements.lock"], LOCKS["requirements-dev.lock"]
    assert set(runtime) <= set(dev)
    for name, pins in runtime.items():
        assert [str(p.requirement) for p in pins] == [str(p.requirement) for p in dev[name]]


def _recipe(target: str) -> str:
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", MAKEFILE, re.M)
    assert match, f"no rule for {target} in the Makefile"
    return match.group(0)


@pytest.mark.parametrize(
    ("target", "lock_var"),
    [("$(VENV)/.installed", "$(LOCK)"), ("$(VENV)/.installed-dev", "$(DEV_LOCK)")],
)
def test_make_installs_from_the_lock_with_hashes(target: str, lock_var: str) -> None:
    rule = _recipe(target)
    prerequisites = rule.splitlines()[0]
    assert lock_var in prerequisites, "a changed lock must reinstall"
    installs = [line.strip() for line in rule.splitlines()[1:] if "$(PIP)" in line]
    assert installs[0] == f"$(PIP) install --require-hashes -r {lock_var}"
    assert installs[1] == "$(PIP) install --no-deps --no-build-isolation -e ."
    assert len(installs) == 2
    assert "LOCK := requirements.lock" in MAKEFILE
    assert "DEV_LOCK := requirements-dev.lock" in MAKEFILE
    assert "--generate-hashes" in _recipe("lock") + MAKEFILE


def test_the_image_installs_from_the_lock_with_hashes() -> None:
    joined = DOCKERFILE.replace("\\\n", " ")
    runs = re.findall(r"^RUN (.*)$", joined, re.M)
    steps = [" ".join(step.split()) for run in runs for step in run.split("&&")]
    installs = [step for step in steps if "pip install" in step]
    assert installs == [
        "pip install --require-hashes -r requirements.lock",
        "pip install --no-deps --no-build-isolation .",
    ]
    assert "COPY requirements.lock ./" in DOCKERFILE


def test_the_chroma_client_and_server_have_one_version() -> None:
    [pin] = [
        Requirement(r) for r in PYPROJECT["project"]["dependencies"] if r.startswith("chromadb")
    ]
    [spec] = pin.specifier
    assert spec.operator == "==", "pin chromadb exactly: the compose server must match it"
    for lock in LOCKS.values():
        [locked] = lock["chromadb"]
        assert str(locked.version) == spec.version
    image = COMPOSE["services"]["chroma"]["image"]
    assert image == f"chromadb/chroma:{spec.version}"


def test_every_service_has_a_health_check_and_waits_for_healthy_dependencies() -> None:
    services: dict[str, Any] = COMPOSE["services"]
    assert set(services) == {"bot", "postgres", "chroma"}
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check, f"{name} has no health check"
        assert check.get("test"), f"{name}: healthcheck without a test"
        assert check["test"][0] in {"CMD", "CMD-SHELL"}
        for key in ("interval", "timeout", "retries"):
            assert key in check, f"{name}: healthcheck without {key}"
        for dependency, condition in service.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}, f"{name} -> {dependency}"
    assert set(services["bot"]["depends_on"]) == {"postgres", "chroma"}
    bot_check = " ".join(services["bot"]["healthcheck"]["test"])
    assert "/healthz" in bot_check
    chroma_check = " ".join(services["chroma"]["healthcheck"]["test"])
    assert "/api/v2/heartbeat" in chroma_check
    assert services["bot"]["environment"]["CHROMA_URL"] == "http://chroma:8000"
    assert "/dev/tcp/127.0.0.1/8000" in chroma_check


def test_the_knowledge_folder_is_mounted_where_the_bot_reads_it() -> None:
    bot = COMPOSE["services"]["bot"]
    knowledge_dir = bot["environment"]["KNOWLEDGE_DIR"]
    assert f"KNOWLEDGE_DIR={knowledge_dir}" in DOCKERFILE
    assert f"./knowledge:{knowledge_dir}:ro" in bot["volumes"]
    assert any(volume.startswith("bot-data:/data") for volume in bot["volumes"])
    assert bot["environment"]["DATA_DIR"] == "/data"


def _seconds(duration: str) -> float:
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert duration, "empty duration"
    assert parts, f"unreadable duration {duration!r}"
    hours, minutes, seconds = (int(part or 0) for part in parts.groups())
    return hours * 3600 + minutes * 60 + seconds


def test_the_stop_grace_period_is_longer_than_the_drain() -> None:
    bot = COMPOSE["services"]["bot"]
    drain = float(
        bot["environment"].get(
            "OUTBOX_DRAIN_SECONDS", Settings.model_fields["outbox_drain_seconds"].default
        )
    )
    assert _seconds(bot["stop_grace_period"]) >= drain + AFTER_DRAIN_SECONDS
    # Docker's default is 10 s; PostgreSQL gets time to checkpoint too.
    assert _seconds(COMPOSE["services"]["postgres"]["stop_grace_period"]) >= 30


def test_the_postgres_password_is_required_and_never_defaulted() -> None:
    uses = re.findall(r"\$\{POSTGRES_PASSWORD([^}]*)\}", COMPOSE_TEXT)
    assert len(uses) == 2  # the server and the bot's DATABASE_URL
    assert all(use.startswith(":?") for use in uses), uses
    environment = COMPOSE["services"]["postgres"]["environment"]
    assert environment["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "${POSTGRES_PASSWORD:?" in COMPOSE["services"]["bot"]["environment"]["DATABASE_URL"]


def _dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches the path or a folder above it decides."""
    ignored = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern.removeprefix("!").strip("/")
        regex = fnmatch.translate(glob.replace("**/", "")) if "**/" in glob else None
        matched = any(
            fnmatch.fnmatchcase(prefix, glob)
            or (regex is not None and re.match(regex, prefix.rsplit("/", 1)[-1]))
            for prefix in prefixes
        )
        if matched:
            ignored = not negate
    return ignored


def test_the_docker_context_holds_no_secret_or_local_state_but_all_the_image_copies() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for secret_or_state in (
        ".env",
        ".env.production",
        ".git/config",
        ".venv/bin/python",
        "data/praktikbot.db",
        "data/chroma/chroma.sqlite3",
        "bot/__pycache__/config.cpython-311.pyc",
        "tests/conftest.py",
    ):
        assert _dockerignored(secret_or_state, patterns), secret_or_state
    copied = re.findall(r"^COPY (.+) \S+$", DOCKERFILE, re.M)
    sources = [source for line in copied for source in line.split()]
    assert {"requirements.lock", "pyproject.toml", "bot", "knowledge"} <= set(sources)
    for source in [*sources, "bot/locale/da/LC_MESSAGES/messages.po", "knowledge/README.md"]:
        assert not _dockerignored(source, patterns), f"the Dockerfile copies {source}"
    assert (ROOT / "knowledge" / "README.md").exists()


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") : readme.index("## Onboarding questions")]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    missing = [name.upper() for name in Settings.model_fields if name.upper() not in documented]
    assert not missing, f"add to the README's configuration table: {missing}"
