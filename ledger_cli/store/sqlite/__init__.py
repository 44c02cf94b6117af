"""The SQLite backend: one ledger file."""
