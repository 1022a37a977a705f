"""Placement conversations: expectations, midway and final evaluation, with reminders."""
