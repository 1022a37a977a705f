"""SQL tables and repositories of people, organisations, cohorts, invites, links and audit."""
