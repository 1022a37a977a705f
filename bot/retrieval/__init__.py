"""Retrieval over knowledge/ (LangChain + Chroma). Built in issue #3; nothing here yet."""
