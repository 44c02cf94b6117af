"""A ledger on a database server, named by its URL: `postgresql://USER[:PASSWORD]@HOST[:PORT]/
DBNAME[?...]` (or `postgres://`). Its text, as every message and output shows it, never holds
the password: `str()` and `repr()` give the URL without it (the userinfo's password and a
`password=` parameter are left out). Only the backend's connect reads `secret`.

A location is a file's Path or a DatabaseUrl (`Location`); this module loads on every
command's start-up and imports nothing heavy."""

from __future__ import annotations

from pathlib import Path
from typing import TypeAlias

SCHEMES = ("postgresql", "postgres")


def is_database_url(text: str) -> bool:
    """Whether `text` names a ledger on a PostgreSQL server rather than a file."""
    scheme, _, rest = text.partition("://")
    return bool(rest or _) and scheme.lower() in SCHEMES


class DatabaseUrl:
    """A PostgreSQL URL; its text is the URL without the password."""

    __slots__ = ("secret", "_shown")

    def __init__(self, url: str) -> None:
        self.secret = url  # what connect() reads: never printed
        self._shown = without_password(url)

    def __str__(self) -> str:
        return self._shown

    def __repr__(self) -> str:
        return f"DatabaseUrl({self._shown!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatabaseUrl) and other.secret == self.secret

    def __hash__(self) -> int:
        return hash(self.secret)


Location: TypeAlias = Path | DatabaseUrl


def without_password(url: str) -> str:
    """`url` with neither a password in its userinfo nor a `password` parameter."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hosts = netloc.rpartition("@")
            netloc = f"{userinfo.partition(':')[0]}@{hosts}"
        query = parts.query
        if query:
            kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                    if k.lower() != "password"]
            query = urlencode(kept, safe="/:")
        shown = f"{parts.scheme}://{netloc}{parts.path}"
        return shown + (f"?{query}" if query else "")
    except ValueError:
        # Not even a URL's shape: show only what names the server kind.
        return f"{url.partition(':')[0]}://..."
