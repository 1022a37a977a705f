"""SQL tables and repository of questions and their forwards."""
