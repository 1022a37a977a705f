"""Composing, listing and reporting broadcasts; the cohort's welcome text."""
