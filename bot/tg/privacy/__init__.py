"""/eksport and /slet."""
