"""Periodic jobs that ask the database who is due. Built with the outbox and prompts (#4, #5)."""
