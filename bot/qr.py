"""Invite links and their QR codes (posters on the ward are scanned with phones)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import segno


def invite_link(bot_username: str, code: str) -> str:
    """Return the t.me deep link that starts the bot with an invite code."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def qr_png(link: str, scale: int = 10) -> bytes:
    """Return a PNG with the link as a QR code, large enough to print on a poster."""
    buffer = BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def write_qr(link: str, path: Path) -> Path:
    """Write the QR code PNG to a file and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(qr_png(link))
    return path
