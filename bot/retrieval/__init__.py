"""Retrieval over knowledge/: ingestion (LangChain + Chroma) and hybrid Danish search."""
