"""Turning a ranked passage into the answer shown: extractive windows or a generated reply."""
