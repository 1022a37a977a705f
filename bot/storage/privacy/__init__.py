"""The export's read of every record that points at a person."""
