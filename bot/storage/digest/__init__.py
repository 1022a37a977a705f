"""SQL queries of the weekly supervisor digest."""
