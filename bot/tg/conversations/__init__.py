"""Placement conversations in the chat: /samtaler and the agreed plan."""
