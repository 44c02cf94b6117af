"""Properties of documents (SPEC 13) on a real ledger file, through the commands and queries
(in-process, the CliRunner helpers): random sequences of entries (deposit, check, transfer,
void), `attach` (small contents from a pool, so the same bytes come back and are stored once,
with random names, notes and references, invalid ones included) and `detach` (by the full hash
or a prefix; of documents attached or not) are checked after every step against a small
independent model: which steps are refused (exit 1, and no event written), the `docs --json`
listing in attach order, `docs missing --all`, every `history` row's `documents`, the number of
rows of the `documents` table (one per distinct content ever attached), the event count, and
`reconcile`. Each Hypothesis example gets its own ledger file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import cli, denied, event_count, ok, ok_json
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

TODAY = "2026-03-31"

# The contents a step may attach. The first bytes decide the media type when they are those
# of a PDF or a PNG, whatever the name; else the name's extension does.
POOL = [
    b"%PDF-1.7\n% receipt A\n",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR photo",
    b"Grocer\n1 x bread 2.50\n",
    b"x",
    b"\x00\x01\x02 binary \xff\xfe",
]
HASHES = [hashlib.sha256(content).hexdigest() for content in POOL]
assert len({h[:8] for h in HASHES}) == len(HASHES)  # an 8-digit prefix names one of them
NAMES = ["receipt.pdf", "scan.png", "note.txt", "scan", "Fäktura März.pdf"]
NOTES = [None, "", "parking", "client visit; 50% off"]
EXTENSIONS = {".pdf": "application/pdf", ".png": "image/png", ".txt": "text/plain"}
BAD_REFS = ["T999", "nope", "t1"]

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def media_type(content: bytes, name: str) -> str:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return EXTENSIONS.get(Path(name).suffix.lower(), "application/octet-stream")


# -- the model ---------------------------------------------------------------------------------


@dataclass
class Tx:
    kind: str  # deposit | check | transfer | void | other (opens an account, attaches, detaches)
    legs: list[tuple[str, int]] = field(default_factory=list)  # (account, signed minor units)
    voided: bool = False


@dataclass
class Doc:
    ref: str
    sha256: str
    name: str
    size: int
    media_type: str
    note: str | None


@dataclass
class Model:
    txs: dict[str, Tx] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)  # every reference, in the order made
    rows: list[str] = field(default_factory=list)  # the ref of each register row, in seq order
    balance: dict[str, int] = field(default_factory=lambda: {"checking": 0, "savings": 0})
    attached: list[Doc] = field(default_factory=list)  # in attach order
    contents: set[str] = field(default_factory=set)  # every sha256 ever stored
    events: int = 0

    def moves_money(self, ref: str) -> bool:
        tx = self.txs.get(ref)
        return tx is not None and tx.kind != "other"

    def docs_of(self, ref: str) -> list[str]:
        return [doc.sha256 for doc in self.attached if doc.ref == ref]

    def record(self, ref: str, tx: Tx, events: int) -> None:
        assert ref not in self.txs, ref
        self.txs[ref] = tx
        self.refs.append(ref)
        self.events += events
        for account, amount in tx.legs:
            self.balance[account] += amount
            self.rows.append(ref)

    def missing(self) -> list[str]:
        """The refs of `docs missing --all`: deposits and checks, not voided, with no document
        (all on one day, so in seq order)."""
        return [
            ref for ref in self.rows
            if self.txs[ref].kind in ("deposit", "check")
            and not self.txs[ref].voided
            and not self.docs_of(ref)
        ]


# -- the steps ---------------------------------------------------------------------------------

# A reference: mostly one of the money entries made so far (deposits, checks, transfers,
# voids), else any reference made so far (account openings and document events included), or
# one the ledger does not have.
entry = st.integers(min_value=0, max_value=40).map(lambda n: ("entry", n))
refs = st.one_of(
    entry,
    entry,
    st.integers(min_value=0, max_value=40).map(lambda n: ("made", n)),
    st.sampled_from(BAD_REFS).map(lambda text: ("bad", text)),
)
amounts = st.integers(min_value=1, max_value=400)
steps = st.one_of(
    st.tuples(st.just("deposit"), amounts),
    st.tuples(st.just("check"), amounts),
    st.tuples(st.just("transfer"), amounts),
    st.tuples(st.just("void"), refs),
    st.tuples(
        st.just("attach"), refs, st.integers(0, len(POOL) - 1), st.integers(0, len(NAMES) - 1),
        st.sampled_from(NOTES),
    ),
    st.tuples(
        st.just("attach"), refs, st.integers(0, 1), st.integers(0, len(NAMES) - 1),
        st.sampled_from(NOTES),
    ),
    # a document attached now (by its index in the listing), or a reference and a content
    # (-1: not a hash at all)
    st.tuples(
        st.just("detach"), st.integers(0, 40).map(lambda n: ("attached", n)),
        st.just(0), st.sampled_from([64, 12, 8]),
    ),
    st.tuples(st.just("detach"), refs, st.integers(-1, len(POOL) - 1), st.sampled_from([64, 8])),
)


def resolve(model: Model, choice: tuple[str, object]) -> str:
    kind, value = choice
    if kind == "bad":
        return str(value)
    made = model.refs if kind == "made" else [r for r in model.refs if model.moves_money(r)]
    return made[int(str(value)) % len(made)]


class Run:
    """One example: a fresh ledger file, the model, and a folder for the files attached."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = folder / "ledger.db"
        self.model = Model()
        self.files = 0

    def write(self, *args: str) -> dict[str, object]:
        result: dict[str, object] = ok_json(*args, db=self.db)
        return result

    def refuse(self, *args: str) -> None:
        event(f"refused: {args[0]}")
        before = event_count(self.db)
        denied(*args, db=self.db)
        assert event_count(self.db) == before, args

    def step(self, step: tuple[object, ...]) -> None:
        model = self.model
        kind = step[0]
        if kind in ("deposit", "check", "transfer"):
            amount = int(str(step[1]))
            cents = amount * 100
            args = {
                "deposit": ["deposit", str(amount)],
                "check": ["check", str(amount)],
                "transfer": ["transfer", str(amount), "--from", "checking", "--to", "savings"],
            }[str(kind)]
            if kind != "deposit" and cents > model.balance["checking"]:
                self.refuse(*args)
                return
            legs = [("checking", cents)] if kind == "deposit" else [("checking", -cents)]
            if kind == "transfer":
                legs.append(("savings", cents))
            ref = str(self.write(*args)["ref"])
            model.record(ref, Tx(str(kind), legs), len(legs))
        elif kind == "void":
            ref = resolve(model, step[1])  # type: ignore[arg-type]
            tx = model.txs.get(ref)
            if tx is None or tx.kind in ("other", "void") or tx.voided:
                self.refuse("void", ref)
                return
            made = str(self.write("void", ref)["ref"])
            tx.voided = True
            model.record(made, Tx("void", [(a, -amount) for a, amount in tx.legs]), len(tx.legs))
        elif kind == "attach":
            self.attach(resolve(model, step[1]), *step[2:])  # type: ignore[arg-type]
        elif step[1][0] == "attached":  # type: ignore[index]
            if not model.attached:
                return
            doc = model.attached[int(str(step[1][1])) % len(model.attached)]  # type: ignore[index]
            self.detach(doc.ref, HASHES.index(doc.sha256), int(str(step[3])))
        else:
            self.detach(resolve(model, step[1]), int(str(step[2])), int(str(step[3])))  # type: ignore[arg-type]

    def attach(self, ref: str, which: int, name_index: int, note: str | None) -> None:
        model = self.model
        content, name = POOL[which], NAMES[name_index]
        self.files += 1
        folder = self.folder / f"file{self.files}"
        folder.mkdir()
        path = folder / name
        path.write_bytes(content)
        args = ["attach", ref, str(path), *(["--note", note] if note is not None else [])]
        sha = HASHES[which]
        if not model.moves_money(ref) or sha in model.docs_of(ref):
            self.refuse(*args)
            return
        event("attach: bytes already stored" if sha in model.contents else "attach: new bytes")
        result = self.write(*args)
        document = result["document"]
        assert isinstance(document, dict) and document["sha256"] == sha
        model.attached.append(
            Doc(ref, sha, name, len(content), media_type(content, name), note or None)
        )
        model.contents.add(sha)
        model.record(str(result["ref"]), Tx("other"), 1)

    def detach(self, ref: str, which: int, digits: int) -> None:
        model = self.model
        given = "not-a-hash" if which < 0 else HASHES[which][:digits]
        args = ["detach", ref, given, "--reason", "wrong receipt"]
        if which < 0 or not model.moves_money(ref) or HASHES[which] not in model.docs_of(ref):
            self.refuse(*args)
            return
        event("detach: accepted")
        made = str(self.write(*args)["ref"])
        model.attached = [
            doc for doc in model.attached if not (doc.ref == ref and doc.sha256 == HASHES[which])
        ]
        model.record(made, Tx("other"), 1)

    def check(self) -> None:
        model = self.model
        listing = ok_json("docs", db=self.db)
        assert [
            (d["ref"], d["sha256"], d["name"], d["size"], d["media_type"], d["note"])
            for d in listing
        ] == [
            (d.ref, d.sha256, d.name, d.size, d.media_type, d.note) for d in model.attached
        ]
        seqs = [d["seq"] for d in listing]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert [r["ref"] for r in ok_json("docs", "missing", "--all", db=self.db)] == (
            model.missing()
        )
        rows = ok_json("history", "--all", db=self.db)
        assert [(r["ref"], r["documents"]) for r in rows] == [
            (ref, model.docs_of(ref)) for ref in model.rows
        ]
        assert stored_documents(self.db) == len(model.contents)
        assert event_count(self.db) == model.events
        report = ok_json("reconcile", db=self.db)
        assert (report["ok"], report["problems"], report["events"]) == (True, [], model.events)

    def check_csv(self) -> None:
        """`history --csv`: the documents column, `;`-joined."""
        text = ok("history", "--all", "--csv", db=self.db)
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [(r["ref"], r["documents"]) for r in rows] == [
            (ref, ";".join(self.model.docs_of(ref))) for ref in self.model.rows
        ]


def stored_documents(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_TODAY", TODAY)
    monkeypatch.setenv("LEDGER_NO_REMINDERS", "1")


@PROPERTY_SETTINGS
@given(st.lists(steps, min_size=1, max_size=20))
def test_documents_follow_the_model(plan: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        run = Run(Path(folder))
        first = run.write("deposit", "1000", "--payee", "Acme")
        run.model.record(str(first["ref"]), Tx("deposit", [("checking", 100_000)]), 2)
        opened = run.write("open", "savings")
        run.model.record(str(opened["ref"]), Tx("other"), 1)
        run.check()
        for step in plan:
            run.step(step)
            run.check()
        run.check_csv()
        # Nothing of this is lost in a rebuild of the read models.
        code, _, err = cli("rebuild", db=run.db)
        assert code == 0, err
        run.check()
