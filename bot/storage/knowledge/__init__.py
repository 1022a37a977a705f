"""SQL tables and repositories of waiting uploads and FAQ entries."""
