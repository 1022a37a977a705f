"""Onboarding questions in the chat, votes, hand-offs and coordinators' replies."""
