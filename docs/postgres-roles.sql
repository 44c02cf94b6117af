-- Shared books on PostgreSQL, step 1 of 2: the roles and the database.
--
-- Run as a superuser (or a role with CREATEROLE and CREATEDB), giving the three passwords:
--
--   psql -v ON_ERROR_STOP=1 -v owner_password=... -v writer_password=... \
--        -v reader_password=... -f docs/postgres-roles.sql
--
-- ledger_owner  owns the database and the ledger's tables: its first write creates them.
--               Only the owner (and a superuser) could disable the guards; keep it for
--               upgrades, and do not use it day to day.
-- ledger_writer runs every command: it appends events and documents and keeps the read
--               models, and can neither change nor remove what the log holds.
-- ledger_reader runs every query; a write with it is refused ("read-only", exit 4).

CREATE ROLE ledger_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE ledger_writer LOGIN PASSWORD :'writer_password';
CREATE ROLE ledger_reader LOGIN PASSWORD :'reader_password';

CREATE DATABASE books OWNER ledger_owner ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE books FROM PUBLIC;
GRANT CONNECT ON DATABASE books TO ledger_writer, ledger_reader;

-- Then, as the owner, the first write creates the ledger's tables:
--
--   LEDGER_DB=postgresql://ledger_owner@HOST/books ledger open checking
--
-- and step 2 (docs/postgres-grants.sql) gives the other two roles what they may do.
