"""The outbox: messages that are not replies, quiet hours, pacing and the dispatcher."""
