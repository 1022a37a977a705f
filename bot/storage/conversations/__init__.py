"""SQL tables and repository of placement conversations (and the digest table)."""
