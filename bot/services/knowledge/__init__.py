"""The knowledge base coordinators keep: documents, FAQ entries, the live index."""
