"""Daily reflection prompts, their schedules, the answers and the digital logbook."""
