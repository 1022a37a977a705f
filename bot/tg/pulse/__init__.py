"""The weekly pulse buttons."""
