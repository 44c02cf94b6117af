"""SQL that the relational backends (SQLite and PostgreSQL) share."""
