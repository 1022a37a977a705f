"""HTTP driver: the Telegram webhook and /healthz on one aiohttp app."""
