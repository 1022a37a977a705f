"""Reflection prompts in the chat, the logbook, goals and prompt settings."""
