"""Getting documents in: loading files, chunking them into sections and units, the index."""
