"""docker-compose.yml's Chroma health check, run against a real Chroma server of the pinned
version (the chromadb package carries the server the image runs) on loopback: it passes once
the server answers, fails while nothing listens, and the bot's client talks to that server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
STARTUP_SECONDS = 60  # a bound on waiting for the server to listen; never asserted


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _health_check(port: int) -> int:
    """Run compose's health check command for Chroma, aimed at `port`; return its exit code."""
    test = COMPOSE["services"]["chroma"]["healthcheck"]["test"]
    assert test[0] == "CMD"
    command = [part.replace("127.0.0.1/8000", f"127.0.0.1/{port}") for part in test[1:]]
    assert command != test[1:], "the check no longer names 127.0.0.1/8000"
    return subprocess.run(command, capture_output=True, timeout=10, check=False).returncode


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A `chroma run` of the installed (pinned) chromadb on a free loopback port."""
    chroma = Path(sys.executable).with_name("chroma")
    assert chroma.exists(), "the chromadb package's `chroma` command is missing"
    port = _free_port()
    command = [str(chroma), "run", "--path", str(tmp_path / "chroma")]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while _health_check(port) != 0:
            assert server.poll() is None, "chroma run exited"
            assert time.monotonic() < deadline, "chroma run did not answer"
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_the_health_check_fails_while_nothing_listens() -> None:
    assert Path("/bin/bash").exists()
    assert _health_check(_free_port()) != 0


def test_the_health_check_passes_against_the_pinned_server_and_the_client_talks_to_it(
    chroma_server: int,
) -> None:
    assert _health_check(chroma_server) == 0
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    assert client.heartbeat() > 0
    collection = client.get_or_create_collection("compose-check")
    collection.add(ids=["a"], embeddings=[[0.1, 0.2, 0.3]], documents=["Velkommen"])
    assert collection.get(ids=["a"])["documents"] == ["Velkommen"]
