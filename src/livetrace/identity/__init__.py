"""Parties, their people and API tokens, and the locations where things happen."""
