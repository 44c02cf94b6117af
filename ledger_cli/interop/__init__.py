"""The files of the tools around the ledger: import files and bank statements read, and the
export formats written (register CSV, the NDJSON backup and its reader, hledger, beancount)."""
