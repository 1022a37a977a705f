"""SQL table and repository of broadcasts."""
