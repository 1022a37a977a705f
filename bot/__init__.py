"""Praktikbot: a Telegram learning assistant for clinical placements."""

__version__ = "0.1.0"
