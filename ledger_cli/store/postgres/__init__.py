"""The PostgreSQL backend: shared books on a database server (SPEC section 14)."""
