"""Sending outbox messages to Telegram (the outbox's Sender adapter)."""
