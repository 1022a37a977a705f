"""The coordinator's figures per cohort, aggregated and never about fewer than five people."""
