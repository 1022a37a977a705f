"""SQL queries of the coordinator's aggregated figures."""
