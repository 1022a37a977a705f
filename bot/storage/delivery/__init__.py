"""The outbox table and its store."""
