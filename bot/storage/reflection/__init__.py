"""SQL tables and repositories of schedules, reflections and learning goals."""
