"""The weekly supervisor digest."""
