"""Enrolment by invite: consent, name and language, the first welcome."""
