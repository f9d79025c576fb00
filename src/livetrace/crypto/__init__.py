"""Signing keys: Ed25519 generation, encryption at rest, signers and verifiers."""
