"""Feedback requests in the chat, for students and supervisors."""
