"""Telegram transport: parse updates, call one service, render the result."""
