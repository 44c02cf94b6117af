"""A tamper corpus: a few hundred edits of one ledger made with the real `sqlite3` shell, each
checked against `ledger reconcile --json`: exit 3, and the first problem at the seq the test
expects from what it changed.

One template ledger of a few hundred events (deposits, checks, withdrawals, transfers between
two accounts, voids, an account opened and closed) is built once, in-process, through the
service. Every case copies that file, drops the guard triggers and edits it with the `sqlite3`
shell. The test keeps a mirror of the table in Python (`Editor`), so it knows exactly what the
file now holds (and checks that it does, reading it back with the shell).

The expected first failing seq is set by each case from what it changed. A small model of the
documented chain rules (docs/FORMAT.md: gap, hash, balance, order), run over the mirror, must
agree with that seq (a check of the test's own reasoning) and gives the kinds each seq must be
reported with; `format`, `digest` and `schema` findings, which the model does not compute, are
listed by the cases that cause them.

Every case is reconciled in-process (typer's CliRunner, as JSON and as text); every fourth case
also through the installed `ledger`, in a pool of subprocesses, on the same tampered file.

The cases, the editor's SQL and `check_reported` serve a ledger on PostgreSQL too:
e2e/test_pg_tamper.py runs a sample of the corpus there.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    DROP_TRIGGERS,
    EVENT_COLUMNS,
    GENESIS,
    LedgerProcess,
    cli,
    flip_hex,
    ledger_process,
    require_sqlite_shell,
    shift_recorded,
    sql_literal,
    sqlite_shell,
)

from ledger_cli.app.service import Ledger
from ledger_cli.domain.commands import (
    CloseAccount,
    Command,
    Deposit,
    OpenAccount,
    Transfer,
    Void,
    Withdraw,
    WriteCheck,
)
from ledger_cli.errors import Denied

require_sqlite_shell(minimum=None)  # as before the move: no version check of its own

Row = dict[str, Any]

COLUMNS = EVENT_COLUMNS
FAR = 1_000_000  # a seq offset beyond any row, to move rows without a UNIQUE conflict
SEED = 20260418
COMMANDS = 260  # template commands after the opening ones: a few hundred events
SUBPROCESS_EVERY = 4  # every fourth case is also reconciled by the installed `ledger`


# -- the documented rules (docs/FORMAT.md), independent of the tool -------------------------------


def link_hash(prev_hash: str, row: Row) -> str:
    canonical = json.dumps(
        [row[name] for name in COLUMNS[:9]], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def chain_problems(rows: Iterable[Row]) -> set[tuple[int, str]]:
    """(seq, kind) for every gap, hash, balance and order problem, as FORMAT.md and the README
    define them: each row is checked against the stored row before it."""
    found: set[tuple[int, str]] = set()
    head_seq, head_hash, latest = 0, GENESIS, ""
    balances: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: r["seq"]):
        seq = row["seq"]
        if any(type(row[name]) is not int for name in ("seq", "amount", "balance")):
            # Only a table rebuilt without STRICT holds these: a `format` finding, which the
            # case lists. The next row links to this row's stored hash, and the account's
            # next balance follows from this row's stored balance, whatever its amount holds.
            head_seq, head_hash = seq, row["hash"]
            if type(row["balance"]) is int:
                balances[row["account"]] = row["balance"]
            latest = max(latest, row["recorded_at"])
            continue
        if seq != head_seq + 1:
            found.add((seq, "gap"))
        if row["prev_hash"] != head_hash or link_hash(row["prev_hash"], row) != row["hash"]:
            found.add((seq, "hash"))
        if row["balance"] != balances.get(row["account"], 0) + row["amount"]:
            found.add((seq, "balance"))
        if row["recorded_at"] < latest:
            found.add((seq, "order"))
        head_seq, head_hash = seq, row["hash"]
        latest = max(latest, row["recorded_at"])
        balances[row["account"]] = row["balance"]
    return found


def canonical_details(details: dict[str, Any]) -> str:
    return json.dumps(details, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# -- the editor: SQL for the shell, and a mirror of what the table holds after it ---------------


class Editor:
    """Records SQL for the `sqlite3` shell and applies the same change to a mirror of the
    table, so that the test knows every stored value after the edit."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows: dict[int, Row] = {row["seq"]: dict(row) for row in rows}
        self.sql: list[str] = [DROP_TRIGGERS]

    def table(self) -> list[Row]:
        return [self.rows[seq] for seq in sorted(self.rows)]

    def row(self, seq: int) -> Row:
        return self.rows[seq]

    def update(self, seq: int, values: dict[str, int | str]) -> None:
        sets = ", ".join(f"{name} = {sql_literal(value)}" for name, value in values.items())
        self.sql.append(f"UPDATE events SET {sets} WHERE seq = {seq};")
        row = self.rows.pop(seq)
        row.update(values)
        assert row["seq"] not in self.rows
        self.rows[row["seq"]] = row

    def delete(self, seq: int) -> None:
        self.sql.append(f"DELETE FROM events WHERE seq = {seq};")
        del self.rows[seq]

    def delete_after(self, seq: int) -> None:
        self.sql.append(f"DELETE FROM events WHERE seq > {seq};")
        for key in [key for key in self.rows if key > seq]:
            del self.rows[key]

    def insert(self, row: Row) -> None:
        values = ", ".join(sql_literal(row[name]) for name in COLUMNS)
        self.sql.append(f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({values});")
        assert row["seq"] not in self.rows
        self.rows[row["seq"]] = dict(row)

    def shift(self, start: int, by: int) -> None:
        """Renumber every row from `start` on by `by` (two steps: no UNIQUE conflict)."""
        self.sql.append(f"UPDATE events SET seq = seq + {FAR} WHERE seq >= {start};")
        self.sql.append(f"UPDATE events SET seq = seq - {FAR} + {by} WHERE seq >= {FAR};")
        moved = [self.rows.pop(seq) for seq in sorted(self.rows) if seq >= start]
        for row in moved:
            row["seq"] += by
            self.rows[row["seq"]] = row

    def swap(self, first: int, second: int) -> None:
        """Exchange two rows' places: each keeps its content but takes the other's seq."""
        self.sql.append(f"UPDATE events SET seq = {FAR} WHERE seq = {first};")
        self.sql.append(f"UPDATE events SET seq = {first} WHERE seq = {second};")
        self.sql.append(f"UPDATE events SET seq = {second} WHERE seq = {FAR};")
        a, b = self.rows[first], self.rows[second]
        a["seq"], b["seq"] = second, first
        self.rows[first], self.rows[second] = b, a

    def rehash(self, seq: int) -> None:
        """Recompute one row's hash from its own (stored) prev_hash."""
        row = self.rows[seq]
        self.update(seq, {"hash": link_hash(row["prev_hash"], row)})

    def rechain(self, start: int) -> None:
        """Rebuild the hash chain from `start` on, as a forger who knows the rules would."""
        ordered = sorted(self.rows)
        before = [seq for seq in ordered if seq < start]
        prev = self.rows[before[-1]]["hash"] if before else GENESIS
        for seq in (seq for seq in ordered if seq >= start):
            row = self.rows[seq]
            new = dict(row, prev_hash=prev)
            new["hash"] = link_hash(prev, new)
            if (new["prev_hash"], new["hash"]) != (row["prev_hash"], row["hash"]):
                self.update(seq, {"prev_hash": new["prev_hash"], "hash": new["hash"]})
            prev = new["hash"]

    def shift_balances(self, after: int, account: str, delta: int) -> None:
        """Add `delta` to every later balance of `account`, keeping its chain consistent."""
        for seq in sorted(self.rows):
            row = self.rows[seq]
            if seq > after and row["account"] == account:
                self.update(seq, {"balance": row["balance"] + delta})

    def balance_before(self, seq: int, account: str) -> int:
        earlier = [r for s, r in self.rows.items() if s < seq and r["account"] == account]
        return max(earlier, key=lambda r: r["seq"])["balance"] if earlier else 0


# -- the template ledger ------------------------------------------------------------------------

PAYEES = ["Acme Corp", "O'Brien's Hardware", "Électricité de Ville", "Café № 5", "Landlord"]
MEMOS = [None, "rent, March", "paint & brushes", "it's fine", "bill № 7", "100% done"]


def _amount(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low, high)}.{rng.randint(0, 99):02d}"


def build_template(path: Path) -> None:
    """A few hundred events, built in-process; deterministic but for times and hashes."""
    rng = random.Random(SEED)
    ledger = Ledger(path)
    start = date(2025, 1, 1)
    for command in (
        OpenAccount("checking", start),
        OpenAccount("savings", start),
        OpenAccount("travel", start),
        CloseAccount("travel", start + timedelta(days=1)),
        Deposit("5000", start + timedelta(days=1), payee="Acme Corp"),
    ):
        ledger.execute(command)
    voidable: list[str] = []
    for i in range(COMMANDS):
        day = start + timedelta(days=2 + i // 3)
        account = rng.choice(["checking", "checking", "savings"])
        roll = rng.random()
        command: Command
        if roll < 0.28:
            command = Deposit(
                _amount(rng, 200, 2500), day, account, rng.choice(PAYEES), rng.choice(MEMOS)
            )
        elif roll < 0.48:
            command = WriteCheck(
                _amount(rng, 5, 400), day, account, None, rng.choice(PAYEES), rng.choice(MEMOS)
            )
        elif roll < 0.60:
            command = Withdraw(_amount(rng, 20, 200), day, account, rng.choice(MEMOS))
        elif roll < 0.85 or not voidable:
            source, target = rng.sample(["checking", "savings"], 2)
            command = Transfer(_amount(rng, 10, 300), day, source, target, rng.choice(MEMOS))
        else:
            command = Void(voidable.pop(rng.randrange(len(voidable))), None, "entered twice")
        try:
            outcome = ledger.execute(command)
        except Denied:
            continue
        if not isinstance(command, Void):
            voidable.append(outcome.ref)


def read_rows(db: Path) -> list[Row]:
    """Every stored row, read back with the shell."""
    out = sqlite_shell(db, f".mode json\nSELECT {', '.join(COLUMNS)} FROM events ORDER BY seq;")
    return json.loads(out) if out.strip() else []


# -- the cases ----------------------------------------------------------------------------------


@dataclass
class Tamper:
    """What a case did: the SQL, the table it leaves, and what reconcile must report."""

    editor: Editor
    first: int  # the first failing seq, from what was changed
    extra: set[tuple[int, str]] = field(default_factory=set)  # format, digest, schema
    digest: tuple[int, str] | None = None  # for reconcile --digest, taken before the edit
    holds: list[tuple[int, str]] = field(default_factory=list)  # digests that must still hold
    details: dict[tuple[int, str], str] = field(default_factory=dict)  # exact details to find


@dataclass(frozen=True)
class Spec:
    """A case, fixed at collection: its kind, a parameter, and random draws for positions."""

    name: str
    kind: str
    param: str
    draws: tuple[float, ...]


def _pick(draw: float, candidates: list[int]) -> int:
    assert candidates
    return candidates[min(int(draw * len(candidates)), len(candidates) - 1)]


Builder = Callable[[list[Row], Spec], Tamper]

_RETYPE = {
    "AccountOpened": "AccountClosed",
    "AccountClosed": "AccountOpened",
    "FundsDeposited": "TransferReceived",
    "TransferReceived": "FundsDeposited",
    "CheckWritten": "CashWithdrawn",
    "CashWithdrawn": "CheckWritten",
    "TransferSent": "CheckWritten",
}


def _retype(row: Row) -> str:
    """Another well-formed type for the row (same sign of amount): only the hash can tell."""
    if row["type"] == "TransactionVoided":
        return "FundsDeposited" if row["amount"] > 0 else "CashWithdrawn"
    return _RETYPE[row["type"]]


def _edited_details(row: Row) -> str:
    details = json.loads(row["details"])
    details["memo"] = str(details.get("memo", "")) + " (edited)"
    return canonical_details(details)


def _forged_value(column: str, row: Row, rows: list[Row]) -> int | str:
    n = len(rows)
    match column:
        case "seq":
            return n + 100
        case "ref":
            return next(r["ref"] for r in reversed(rows) if r["ref"] != row["ref"])
        case "type":
            return _retype(row)
        case "account":
            return "intruder"
        case "amount":
            return int(row["amount"]) + (1 if row["amount"] > 0 else -1)
        case "balance":
            return int(row["balance"]) + 1
        case "date":
            return (date.fromisoformat(row["date"]) + timedelta(days=1)).isoformat()
        case "recorded_at":
            return shift_recorded(row["recorded_at"], timedelta(microseconds=1))
        case "details":
            return _edited_details(row)
        case "prev_hash" | "hash":
            return flip_hex(row[column])
    raise AssertionError(column)


def _column_candidates(column: str, rows: list[Row]) -> list[int]:
    if column == "amount":
        return [r["seq"] for r in rows if r["amount"] != 0]
    return [r["seq"] for r in rows]


def build_column(rows: list[Row], spec: Spec) -> Tamper:
    """One stored value of one row changed, nothing else: the row's own checks catch it."""
    column = spec.param
    n = len(rows)
    candidates = _column_candidates(column, rows)
    where = spec.name.rsplit("-", 1)[-1]
    seq = (
        candidates[0]
        if where == "first"
        else candidates[-1]
        if where == "last"
        else _pick(spec.draws[0], candidates)
    )
    row = rows[seq - 1]
    new = _forged_value(column, row, rows)
    assert new != row[column] and type(new) is type(row[column])
    editor = Editor(rows)
    editor.update(seq, {column: new})
    if column == "seq":
        # No row is left at seq k: the first stored row that fails is the one after the hole
        # (its seq is not the previous + 1, its prev_hash does not link), or, when k was the
        # last row, the moved row itself.
        first = seq + 1 if seq < n else int(new)
        found = seq + 1 if seq < n else new
        gap = f"expected seq {seq} after {seq - 1}, found {found}"
        return Tamper(editor, first, details={(first, "gap"): gap})
    return Tamper(editor, seq)


def build_delete(rows: list[Row], spec: Spec) -> Tamper:
    seq = _pick(spec.draws[0], list(range(2, len(rows))))
    editor = Editor(rows)
    editor.delete(seq)
    gap = f"expected seq {seq} after {seq - 1}, found {seq + 1}"
    return Tamper(editor, seq + 1, details={(seq + 1, "gap"): gap})


def build_swap(rows: list[Row], spec: Spec) -> Tamper:
    first = _pick(spec.draws[0], list(range(1, len(rows))))
    second = _pick(spec.draws[1], list(range(first + 1, len(rows) + 1)))
    editor = Editor(rows)
    editor.swap(first, second)
    return Tamper(editor, first)


def _forged_row(editor: Editor, seq: int, prev: Row) -> Row:
    """A deposit that fits the chain at `seq`: right prev_hash, hash, balance and time."""
    amount = 4242
    row: Row = {
        "seq": seq,
        "ref": "T9999",
        "type": "FundsDeposited",
        "account": "checking",
        "amount": amount,
        "balance": editor.balance_before(seq, "checking") + amount,
        "date": prev["date"],
        "recorded_at": prev["recorded_at"],
        "details": canonical_details({"memo": "forged", "payee": "Mallory"}),
        "prev_hash": prev["hash"],
        "hash": "",
    }
    row["hash"] = link_hash(row["prev_hash"], row)
    return row


def build_insert(rows: list[Row], spec: Spec) -> Tamper:
    """A forged row inserted at k, the rest renumbered. With a valid link and balance the
    forgery itself passes; the row after it, renumbered and no longer linked, does not."""
    n = len(rows)
    editor = Editor(rows)
    if spec.param == "end-gap":
        seq = n + 2
        forged = _forged_row(editor, seq, rows[-1])
        editor.insert(forged)
        gap = f"expected seq {n + 1} after {n}, found {n + 2}"
        return Tamper(editor, seq, details={(seq, "gap"): gap})
    seq = _pick(spec.draws[0], list(range(2, n + 1)))
    forged = _forged_row(editor, seq, rows[seq - 2])
    editor.shift(seq, 1)
    if spec.param == "bad-hash":
        forged["hash"] = flip_hex(forged["hash"])
        editor.insert(forged)
        return Tamper(editor, seq)
    editor.insert(forged)
    return Tamper(editor, seq + 1)


def build_relink(rows: list[Row], spec: Spec) -> Tamper:
    """A row edited and its own hash recomputed: only the next row's prev_hash catches it."""
    seq = _pick(spec.draws[0], list(range(1, len(rows))))
    row = rows[seq - 1]
    column = spec.param
    new = _forged_value(column, row, rows)
    editor = Editor(rows)
    editor.update(seq, {column: new})
    editor.rehash(seq)
    link = f"prev_hash does not match the hash of seq {seq}"
    return Tamper(editor, seq + 1, details={(seq + 1, "hash"): link})


def build_rebalance(rows: list[Row], spec: Spec) -> Tamper:
    """The hash chain rebuilt after an edit of money: only the balance chain catches it."""
    money = [r["seq"] for r in rows if r["amount"] != 0]
    editor = Editor(rows)
    if spec.param == "amount":
        # The amount changed, the balance not: the row no longer follows from its amount.
        seq = _pick(spec.draws[0], money)
        row = rows[seq - 1]
        editor.update(seq, {"amount": row["amount"] + (100 if row["amount"] > 0 else -100)})
        editor.rechain(seq)
        return Tamper(editor, seq)
    if spec.param == "balance":
        # The balance changed: this row is wrong, and so is the account's next row.
        seq = _pick(spec.draws[0], [r["seq"] for r in rows])
        editor.update(seq, {"balance": rows[seq - 1]["balance"] + 100})
        editor.rechain(seq)
        return Tamper(editor, seq)
    # Amount and balance changed together: the row is consistent, the account's next is not.
    later = [
        r["seq"]
        for r in rows
        if r["amount"] != 0
        and any(o["account"] == r["account"] and o["seq"] > r["seq"] for o in rows)
    ]
    seq = _pick(spec.draws[0], later)
    row = rows[seq - 1]
    delta = 100 if row["amount"] > 0 else -100
    editor.update(seq, {"amount": row["amount"] + delta, "balance": row["balance"] + delta})
    editor.rechain(seq)
    following = next(r["seq"] for r in rows if r["seq"] > seq and r["account"] == row["account"])
    return Tamper(editor, following)


def build_order(rows: list[Row], spec: Spec) -> Tamper:
    """Recorded times that go backwards, the hash chain rebuilt: only the order check."""
    n = len(rows)
    editor = Editor(rows)
    if spec.param == "backwards":
        seq = _pick(spec.draws[0], list(range(2, n + 1)))
        earlier = shift_recorded(rows[seq - 2]["recorded_at"], timedelta(seconds=-1))
        editor.update(seq, {"recorded_at": earlier})
        editor.rechain(seq)
        return Tamper(editor, seq)
    # forwards: row k claims a time after row k+1's, so k+1 goes backwards
    seq = _pick(spec.draws[0], list(range(1, n)))
    later = shift_recorded(rows[seq]["recorded_at"], timedelta(seconds=1))
    editor.update(seq, {"recorded_at": later})
    editor.rechain(seq)
    return Tamper(editor, seq + 1)


def build_gap(rows: list[Row], spec: Spec) -> Tamper:
    """The seqs from k on renumbered with a gap, the hash chain rebuilt: only the gap."""
    by = int(spec.param)
    seq = _pick(spec.draws[0], list(range(2, len(rows) + 1)))
    editor = Editor(rows)
    editor.shift(seq, by)
    editor.rechain(seq + by)
    gap = f"expected seq {seq} after {seq - 1}, found {seq + by}"
    return Tamper(editor, seq + by, details={(seq + by, "gap"): gap})


def build_format(rows: list[Row], spec: Spec) -> Tamper:
    """A value no event of the tool can hold, the chains kept intact: only `format`."""
    editor = Editor(rows)
    kind = spec.param
    if kind == "opened-moves-money":
        seq = _pick(spec.draws[0], [r["seq"] for r in rows if r["type"] == "AccountOpened"])
        row = rows[seq - 1]
        editor.update(seq, {"amount": 500, "balance": row["balance"] + 500})
        editor.shift_balances(seq, row["account"], 500)
    elif kind == "wrong-sign":
        seq = _pick(spec.draws[0], [r["seq"] for r in rows if r["type"] == "FundsDeposited"])
        row = rows[seq - 1]
        delta = -2 * row["amount"]
        editor.update(seq, {"amount": -row["amount"], "balance": row["balance"] + delta})
        editor.shift_balances(seq, row["account"], delta)
    else:
        seq = _pick(spec.draws[0], [r["seq"] for r in rows])
        row = rows[seq - 1]
        forged: dict[str, dict[str, int | str]] = {
            "bad-date": {"date": "2026-02-30"},
            "unknown-type": {"type": "FundsStolen"},
            "recorded-form": {"recorded_at": row["recorded_at"].replace("Z", "+00:00")},
            "details-spaced": {"details": json.dumps(json.loads(row["details"]), indent=1)},
            "details-key": {"details": canonical_details({"colour": "red"})},
            "details-list": {"details": "[]"},
        }
        editor.update(seq, forged[kind])
    editor.rechain(seq)
    return Tamper(editor, seq, extra={(seq, "format")})


def build_truncate(rows: list[Row], spec: Spec) -> Tamper:
    """The tail cut off: self-consistent, caught only by a digest taken before."""
    n = len(rows)
    keep = 0 if spec.param == "all" else _pick(spec.draws[0], list(range(1, n)))
    editor = Editor(rows)
    editor.delete_after(keep)
    holds = [(keep, rows[keep - 1]["hash"] if keep else GENESIS)]
    ends = f"the log ends at seq {keep}; the digest names seq {n} (truncated or rewritten)"
    return Tamper(
        editor,
        n,
        extra={(n, "digest")},
        digest=(n, rows[-1]["hash"]),
        holds=holds,
        details={(n, "digest"): ends},
    )


def build_rewrite(rows: list[Row], spec: Spec) -> Tamper:
    """History rewritten from k on, every chain rebuilt: caught only by a digest of a seq at
    or after k; a digest of the untouched prefix still holds."""
    n = len(rows)
    editor = Editor(rows)
    seq = _pick(spec.draws[0], [r["seq"] for r in rows if r["amount"] != 0 and r["seq"] > 1])
    row = rows[seq - 1]
    if spec.param == "amount":
        delta = 1000 if row["amount"] > 0 else -1000
        editor.update(seq, {"amount": row["amount"] + delta, "balance": row["balance"] + delta})
        editor.shift_balances(seq, row["account"], delta)
    else:  # a memo reworded
        editor.update(seq, {"details": _edited_details(row)})
    editor.rechain(seq)
    at = _pick(spec.draws[1], list(range(seq, n + 1)))
    moved = f"seq {at} no longer has the hash of the digest (rewritten)"
    return Tamper(
        editor,
        at,
        extra={(at, "digest")},
        digest=(at, rows[at - 1]["hash"]),
        holds=[(seq - 1, rows[seq - 2]["hash"])],
        details={(at, "digest"): moved},
    )


def build_schema(rows: list[Row], spec: Spec) -> Tamper:
    """The table rebuilt without STRICT (reported at seq 0); then a text amount fits."""
    editor = Editor(rows)
    # untyped columns (no affinity): every value stays as it was stored
    columns = ", ".join(["seq INTEGER PRIMARY KEY", *COLUMNS[1:]])
    editor.sql.append(
        f"CREATE TABLE events2 ({columns}); INSERT INTO events2 SELECT * FROM events; "
        "DROP TABLE events; ALTER TABLE events2 RENAME TO events;"
    )
    extra = {(0, "schema")}
    if spec.param == "text-amount":
        seq = _pick(spec.draws[0], [r["seq"] for r in rows if r["amount"] != 0])
        text = str(rows[seq - 1]["amount"])
        editor.sql.append(f"UPDATE events SET amount = '{text}' WHERE seq = {seq};")
        editor.rows[seq]["amount"] = text
        extra.add((seq, "format"))
    return Tamper(editor, 0, extra=extra)


BUILDERS: dict[str, Builder] = {
    "column": build_column,
    "delete": build_delete,
    "swap": build_swap,
    "insert": build_insert,
    "relink": build_relink,
    "rebalance": build_rebalance,
    "order": build_order,
    "gap": build_gap,
    "format": build_format,
    "truncate": build_truncate,
    "rewrite": build_rewrite,
    "schema": build_schema,
}


def _specs() -> list[Spec]:
    rng = random.Random(SEED)
    specs: list[Spec] = []

    def add(kind: str, param: str, count: int, label: str = "") -> None:
        for i in range(count):
            draws = (rng.random(), rng.random())
            specs.append(Spec(f"{kind}-{param}-{label or i}", kind, param, draws))

    for column in COLUMNS:
        add("column", column, 1, "first")
        add("column", column, 1, "last")
        for i in range(8):
            add("column", column, 1, f"r{i}")
    add("delete", "middle", 12)
    add("swap", "two", 12)
    add("insert", "valid", 8)
    add("insert", "bad-hash", 4)
    add("insert", "end-gap", 1)
    for column in ("details", "date", "ref", "type"):
        add("relink", column, 3)
    add("rebalance", "amount", 5)
    add("rebalance", "balance", 5)
    add("rebalance", "both", 6)
    add("order", "backwards", 6)
    add("order", "forwards", 4)
    for by in ("1", "2", "3"):
        add("gap", by, 3)
    for kind in (
        "bad-date", "unknown-type", "recorded-form", "details-spaced", "details-key",
        "details-list", "opened-moves-money", "wrong-sign",
    ):
        add("format", kind, 1)
    add("truncate", "tail", 7)
    add("truncate", "all", 1)
    add("rewrite", "amount", 4)
    add("rewrite", "memo", 4)
    add("schema", "rebuilt", 1)
    add("schema", "text-amount", 1)
    return specs


SPECS = _specs()
assert len(SPECS) >= 200, len(SPECS)
assert len({spec.name for spec in SPECS}) == len(SPECS)


# -- running the corpus: the shell and the subprocess reconciles in a pool ----------------------


@dataclass
class Prepared:
    tamper: Tamper | None
    db: Path | None
    stored: list[Row] | None
    process: subprocess.CompletedProcess[str] | None
    error: BaseException | None


@dataclass
class Corpus:
    template: Path
    rows: list[Row]
    cases: dict[str, Prepared]


def _digest_args(digest: tuple[int, str] | None) -> list[str]:
    return ["--digest", f"{digest[0]}:{digest[1]}"] if digest else []


def _prepare(index: int, spec: Spec, rows: list[Row], template: Path, folder: Path) -> Prepared:
    tamper: Tamper | None = None
    db: Path | None = None
    try:
        tamper = BUILDERS[spec.kind](rows, spec)
        db = folder / f"{index:03d}-{spec.name}.db"
        shutil.copyfile(template, db)
        sqlite_shell(db, "\n".join(tamper.editor.sql))
        stored = read_rows(db)
        process = None
        if index % SUBPROCESS_EVERY == 0:
            process = ledger_process(
                "--db", str(db), "reconcile", "--json", *_digest_args(tamper.digest), db=db,
                timeout=120,
            )
        return Prepared(tamper, db, stored, process, None)
    except BaseException as error:  # reported by the case's own test
        return Prepared(tamper, db, None, None, error)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    folder = tmp_path_factory.mktemp("tamper-corpus")
    template = folder / "template.db"
    build_template(template)
    sqlite_shell(template, "PRAGMA wal_checkpoint(TRUNCATE);")
    wal = template.with_name(template.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    rows = read_rows(template)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {
            spec.name: pool.submit(_prepare, i, spec, rows, template, folder)
            for i, spec in enumerate(SPECS)
        }
        cases = {name: future.result() for name, future in futures.items()}
    return Corpus(template, rows, cases)


# -- the tests ----------------------------------------------------------------------------------


def test_the_template_is_a_few_hundred_varied_events_and_reconciles_clean(
    corpus: Corpus, tmp_path: Path
) -> None:
    rows = corpus.rows
    assert 300 <= len(rows) <= 600, len(rows)
    assert [row["seq"] for row in rows] == list(range(1, len(rows) + 1))
    assert {row["type"] for row in rows} == {
        "AccountOpened", "AccountClosed", "FundsDeposited", "CheckWritten", "CashWithdrawn",
        "TransferSent", "TransferReceived", "TransactionVoided",
    }
    assert sum(row["type"] == "TransactionVoided" for row in rows) >= 10
    assert sum(row["type"] == "TransferSent" for row in rows) >= 30
    assert chain_problems(rows) == set()  # the model itself raises no false alarm

    # no false alarm from the tool, through the installed script
    db = tmp_path / "clean.db"
    shutil.copyfile(corpus.template, db)
    head = {"seq": len(rows), "hash": rows[-1]["hash"]}
    result = LedgerProcess(db)("--db", str(db), "reconcile", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "ok": True, "events": len(rows), "head": head, "problems": [], "warnings": [],
        "documents": 0, "known_at": rows[-1]["recorded_at"],
    }
    text = LedgerProcess(db)(
        "--db", str(db), "reconcile", "--digest", f"{len(rows)}:{rows[-1]['hash']}"
    )
    assert text.returncode == 0, text.stderr
    assert text.stdout == (
        f"OK: {len(rows)} events verified; running balances and hash chain intact; "
        f"head {len(rows)}:{rows[-1]['hash']}\n"
    )
    # the harness alone (copy, drop the triggers, a no-op UPDATE) is no tampering
    sqlite_shell(db, f"{DROP_TRIGGERS} UPDATE events SET amount = amount WHERE seq = 7;")
    assert read_rows(db) == rows
    code, out, err = cli("reconcile", "--json", db=db)
    assert code == 0, err
    report = json.loads(out)
    assert (report["ok"], report["problems"], report["head"]) == (True, [], head)
    assert len(report["warnings"]) == 3


CASES = [pytest.param(spec, id=spec.name) for spec in SPECS]


@pytest.mark.parametrize("spec", CASES)
def test_a_tampered_ledger_is_reported_at_the_first_changed_seq(
    corpus: Corpus, spec: Spec
) -> None:
    prepared = corpus.cases[spec.name]
    if prepared.error is not None:
        raise prepared.error
    tamper, db, stored = prepared.tamper, prepared.db, prepared.stored
    assert tamper is not None and db is not None and stored is not None
    check_reported(tamper, str(db), stored, corpus.rows, spec.kind, prepared.process)


def check_reported(
    tamper: Tamper, where: str, stored: list[Row], original: list[Row], case_kind: str,
    process: subprocess.CompletedProcess[str] | None, guards_gone: int = 3,
) -> None:
    """What `reconcile` must say of the ledger at `where` (a file or a PostgreSQL URL) after
    the edit `tamper` of the events `original` (a case of `case_kind`): the ledger now holds
    `stored`; `process` is the installed `ledger`'s `reconcile --json` on it, if it ran;
    `guards_gone`, the number of guard triggers the edit left dropped or disabled."""
    # The ledger holds exactly what the test believes it changed.
    table = tamper.editor.table()
    assert stored == table
    if tamper.extra != {(0, "schema")}:  # a rebuild alone keeps every value
        assert stored != original

    # The test's own reasoning: the model of the chain rules fails first where the case says.
    expected = chain_problems(table) | tamper.extra
    assert expected, "the case changed nothing the rules can see"
    assert min(seq for seq, _ in expected) == tamper.first, sorted(expected)[:5]
    first_kinds = {kind for seq, kind in expected if seq == tamper.first}

    code, out, err = cli("--db", where, "reconcile", "--json", *_digest_args(tamper.digest))
    assert "Traceback" not in err
    assert code == 3, (out, err)
    report = json.loads(out)
    assert report["ok"] is False
    problems = report["problems"]
    assert problems, report
    assert problems[0]["seq"] == tamper.first, problems[:4]
    assert problems == sorted(problems, key=lambda p: p["seq"])
    reported = {(p["seq"], p["kind"]) for p in problems}
    assert {kind for seq, kind in reported if seq == tamper.first} == first_kinds, problems[:4]
    assert reported == expected, sorted(reported ^ expected)[:6]
    for (seq, kind), detail in tamper.details.items():
        assert {"seq": seq, "kind": kind, "detail": detail} in problems, problems[:4]
    if case_kind != "schema":
        assert report["events"] == len(table)
        head = table[-1] if table else {"seq": 0, "hash": GENESIS}
        assert report["head"] == {"seq": head["seq"], "hash": head["hash"]}
    assert len(report["warnings"]) == guards_gone  # the dropped guards

    # As text: exit 3 and stderr names the first failing seq, in one line.
    code, out, err = cli("--db", where, "reconcile", *_digest_args(tamper.digest))
    assert code == 3
    first = problems[0]
    assert err == (
        f"ledger: the log is broken at seq {first['seq']} ({first['kind']}): {first['detail']}\n"
    )
    assert out.startswith(f"BROKEN: {len(problems)} problem(s) in ")

    if tamper.digest is not None:
        # Both chains are self-consistent without the digest, and a digest of what is left
        # still holds. (The read models, which this edit of `events` did not touch, may
        # disagree with the log: that is a finding of its own kind, not a chain problem.)
        for args in (
            ["--json"],
            *(["--json", "--digest", f"{seq}:{hash_}"] for seq, hash_ in tamper.holds),
        ):
            code, out, err = cli("--db", where, "reconcile", *args)
            kinds = {p["kind"] for p in json.loads(out)["problems"]}
            assert kinds <= {"read-model"}, (args, out, err)
            assert code == (3 if kinds else 0), (args, out, err)

    # The installed script, on the same tampered ledger, says the same.
    if process is not None:
        assert process.returncode == 3, process.stderr
        assert "Traceback" not in process.stderr
        assert json.loads(process.stdout) == report
        # under --json, the failure is one JSON object on stderr
        assert process.stderr.count("\n") == 1
        assert json.loads(process.stderr) == {
            "error": f"the log is broken at seq {first['seq']} ({first['kind']}): "
            f"{first['detail']}",
            "code": 3,
        }


def test_the_corpus_covers_every_column_and_kind() -> None:
    columns = {spec.param for spec in SPECS if spec.kind == "column"}
    assert columns == set(COLUMNS)
    assert {spec.kind for spec in SPECS} == set(BUILDERS)
    sampled = [spec for i, spec in enumerate(SPECS) if i % SUBPROCESS_EVERY == 0]
    assert len(sampled) >= 50
    assert {spec.kind for spec in sampled} >= {"column", "delete", "swap", "insert", "truncate"}
