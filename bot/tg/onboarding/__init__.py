"""/start with an invite: language, consent, name."""
