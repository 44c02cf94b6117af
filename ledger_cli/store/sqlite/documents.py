"""The bytes of documents in a ledger file (migration 6, schema.DOCUMENTS): stored once per
SHA-256, written and read in pieces through SQLite's incremental blob I/O, so that a document
is never held twice in memory and a query that does not ask for one never reads it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

CHUNK = 1024 * 1024  # bytes read or written at a time


def has_table(conn: sqlite3.Connection) -> bool:
    """Whether the file has the documents table (a file from before migration 6 has not)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'documents'"
    ).fetchone()
    return found is not None


def put(conn: sqlite3.Connection, sha256: str, content: memoryview) -> bool:
    """Store `content` under `sha256` unless bytes are already stored there; whether they
    were stored now. The caller has hashed `content`: the store keeps what it is given, and
    reconcile checks it."""
    if size(conn, sha256) is not None:
        return False
    cursor = conn.execute(
        "INSERT INTO documents (sha256, size, content) VALUES (?, ?, zeroblob(?))",
        (sha256, len(content), len(content)),
    )
    rowid = cursor.lastrowid
    assert rowid is not None
    with conn.blobopen("documents", "content", rowid) as blob:
        for start in range(0, len(content), CHUNK):
            blob.write(content[start : start + CHUNK])
    return True


def size(conn: sqlite3.Connection, sha256: str) -> int | None:
    """The stored size of the document `sha256`, None when it is not stored."""
    if not has_table(conn):
        return None
    found = conn.execute("SELECT size FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
    return None if found is None else int(found[0])


def chunks(conn: sqlite3.Connection, sha256: str) -> Iterator[bytes]:
    """The stored bytes of `sha256`, in pieces of at most CHUNK; none when it is not
    stored."""
    if not has_table(conn):
        return
    found = conn.execute("SELECT id FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
    if found is None:
        return
    with conn.blobopen("documents", "content", found[0], readonly=True) as blob:
        while piece := blob.read(CHUNK):
            yield piece


def stored(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    """(sha256, size as recorded, length of the bytes) of every stored document."""
    if not has_table(conn):
        return []
    return [
        (str(sha), int(recorded), int(length))
        for sha, recorded, length in conn.execute(
            "SELECT sha256, size, length(content) FROM documents ORDER BY id"
        )
    ]


def matching(conn: sqlite3.Connection, prefix: str) -> list[str]:
    """The stored hashes that start with `prefix` (lowercase hex), at most a few."""
    if not has_table(conn):
        return []
    upper = prefix + "g"  # above every hex digit: the range of hashes with the prefix
    rows = conn.execute(
        "SELECT sha256 FROM documents WHERE sha256 >= ? AND sha256 < ? ORDER BY sha256 LIMIT 6",
        (prefix, upper),
    )
    return [str(sha) for (sha,) in rows]
