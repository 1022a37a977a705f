"""Onboarding questions: cited answers from the documents, hand-offs and knowledge gaps."""
