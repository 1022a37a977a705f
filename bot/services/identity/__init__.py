"""People, organisations, cohorts, roles, invites and supervisor links: who may do what."""
