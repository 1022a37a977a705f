"""Structured feedback requests (Ask-Tell-Ask with SBI), nudges, reminders and expiry."""
