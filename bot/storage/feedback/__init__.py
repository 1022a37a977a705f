"""SQL tables and repository of feedback requests and nudges."""
