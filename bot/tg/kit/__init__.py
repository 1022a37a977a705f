"""Shared Telegram helpers: rendering, callback data, menus, who is writing, errors."""
