"""Helpers shared by the tests and the benches (importable without pytest)."""
