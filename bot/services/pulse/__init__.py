"""The weekly anonymous pulse of how a cohort is doing."""
