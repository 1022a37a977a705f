"""`praktikbot run`: start the bot and stop it cleanly on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from bot.bootstrap import start_bot, stop_bot
from bot.config import Settings
from bot.outbox_runner import start_dispatcher
from bot.startup import open_database

MISSING_TOKEN = """\
TELEGRAM_BOT_TOKEN is not set, so Praktikbot cannot connect to Telegram.

How to get a token:
  1. In Telegram, open a chat with @BotFather (https://t.me/BotFather).
  2. Send /newbot and choose a name and a username that ends in "bot".
  3. BotFather replies with a token that looks like 123456789:AAH...

Where to put it:
  - in a file named .env in the project folder (copy .env.example to .env):
        TELEGRAM_BOT_TOKEN=123456789:AAH...
  - or in the environment:  export TELEGRAM_BOT_TOKEN=123456789:AAH...

Then run `make run` again."""


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM, then shut down in order."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runtime = await start_bot(settings)
    try:
        await stop.wait()
    finally:
        await stop_bot(runtime)


async def dispatch(settings: Settings) -> None:
    """Run only the outbox dispatcher (more processes may run side by side)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    engine = await open_database(settings.resolved_database_url)
    runner = await start_dispatcher(settings, engine)
    try:
        await stop.wait()
    finally:
        await runner.stop()
        await engine.dispose()
