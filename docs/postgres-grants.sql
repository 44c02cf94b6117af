-- Shared books on PostgreSQL, step 2 of 2: what the writer and the reader may do.
--
-- Run as ledger_owner, in the books database, once the owner's first write has created the
-- ledger's tables (docs/postgres-roles.sql):
--
--   psql -v ON_ERROR_STOP=1 "postgresql://ledger_owner@HOST/books" -f docs/postgres-grants.sql
--
-- The log (events) and the documents may be read and appended to, and nothing else: with
-- no UPDATE, DELETE or TRUNCATE privilege, a writer could not change them even without the
-- guard triggers (and only the owner can disable those). The read models, the idempotency
-- keys and the head row are the tool's own working tables.

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ledger_writer, ledger_reader;

-- The reader: every query.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ledger_reader;

-- The writer: every command.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO ledger_writer;
GRANT INSERT ON events, documents, command_keys TO ledger_writer;
-- Writers serialise by locking the one head row (SELECT ... FOR UPDATE needs UPDATE).
GRANT UPDATE ON ledger_head TO ledger_writer;
GRANT INSERT, UPDATE, DELETE ON
    rm_accounts, rm_transactions, rm_checks, rm_days, rm_cleared, rm_statement_rows,
    rm_recategorized, rm_category_days, rm_category_months, rm_payees, rm_rules, rm_budgets,
    rm_occurrences, rm_position
    TO ledger_writer;
