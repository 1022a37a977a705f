"""Rendering: message splitting, keyboards and callback data limits."""

from __future__ import annotations

import pytest

from bot.tg.kit.callbacks import as_int, pack, unpack
from bot.tg.kit.render import esc, keyboard, split_text


def test_split_keeps_every_character_within_the_limit() -> None:
    paragraphs = [f"Afsnit {i}: " + "ord " * 300 for i in range(10)]
    text = "\n\n".join(paragraphs)
    parts = split_text(text)
    assert all(len(p) <= 4096 for p in parts)
    assert len(parts) > 1
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )


def test_split_hard_cuts_a_single_huge_word() -> None:
    parts = split_text("x" * 10_000)
    assert [len(p) for p in parts] == [4096, 4096, 1808]


def test_escape_html() -> None:
    assert esc("<b>Ole & Co</b>") == "&lt;b&gt;Ole &amp; Co&lt;/b&gt;"


def test_callback_data_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="64"):
        pack("ob", "y", "da", "æ" * 30)
    with pytest.raises(ValueError, match="64"):
        keyboard([[("x", "y" * 65)]])


def test_unpack_rejects_foreign_or_malformed_data() -> None:
    assert unpack("lg:da", "lg", 1) == ["da"]
    assert unpack("lg:da:extra", "lg", 1) is None
    assert unpack("xx:da", "lg", 1) is None
    assert unpack(None, "lg", 1) is None
    assert as_int("12") == 12
    assert as_int("-1") is None
    assert as_int("9" * 30) is None
