"""Export and deletion of everything about a person, and retention of reflections."""
