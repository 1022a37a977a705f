"""Broadcasts to a cohort, their delivery reports, welcome texts and introductions."""
