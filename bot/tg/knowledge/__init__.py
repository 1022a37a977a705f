"""The knowledge base in the chat: documents coordinators add, /dokumenter, FAQ answers."""
