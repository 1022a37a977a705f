"""SQL tables and repository of the weekly pulse."""
