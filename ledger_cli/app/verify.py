"""Verification: `reconcile` checks both chains of the whole log, that it still holds a digest
saved earlier, that every document is stored and still hashes to the name its event gives it,
and that the read models agree with it. Findings are returned, not raised: the
caller decides the exit code.

A backend's quick check answers for an intact log, the common case, at a fraction of the
cost; when it finds anything or cannot tell, the Verifier (store/chain.py) reads every row and
names the first failing seq and why.
"""

from __future__ import annotations

from typing import NamedTuple

from ledger_cli.store.base import GENESIS, Progress, RowFilter, Store
from ledger_cli.store.chain import Finding, Verifier, verify


class Reconciliation(NamedTuple):
    """What `reconcile` found: the verification, the problems (exit 3), the warnings."""

    verifier: Verifier
    findings: list[Finding]
    warnings: list[str]
    documents: int = 0  # stored documents re-hashed

    @property
    def ok(self) -> bool:
        return not self.findings


def reconcile(
    store: Store,
    digest: tuple[int, str] | None = None,
    progress: Progress | None = None,
    *,
    read_models: bool | None = None,
) -> Reconciliation:
    """Verify `store`'s log; `read_models`: whether they describe its head (None: ask)."""
    schema = store.schema_problem()
    head = store.head()
    balances = store.quick_check(head.seq, progress) if schema is None else None
    if balances is not None:
        verifier = Verifier.passed(head.seq, head.seq, head.hash, balances)
    else:
        verifier = verify(store.rows())
    findings = list(verifier.findings)
    if schema is not None:
        findings.append(Finding(0, "schema", schema))
    warnings = [
        f"the guard trigger {name} is gone: the database no longer refuses edits"
        for name in store.missing_guards()
    ]
    warnings += [
        f"seq {row.seq} ({row.ref}, {row.type} on {row.account}, dated {row.date}) was "
        "recorded with --force into a period sealed by a reconciled statement"
        for row in store.rows(RowFilter(forced=True))
    ]
    if digest is not None:
        findings.extend(_digest_problems(store, digest, verifier.head_seq))
    from ledger_cli.app.documents import problems

    found, unnamed, documents = problems(store)
    findings.extend(found)
    warnings += unnamed
    findings.sort(key=lambda finding: finding.seq)
    if read_models is None:
        read_models = store.read_models_current()
    if not findings and read_models:
        # The log is intact: the read models must say what it says.
        findings.extend(
            Finding(
                verifier.head_seq,
                "read-model",
                f"the read models disagree with the log on {name}; run `ledger rebuild`",
            )
            for name in store.read_model_mismatches(verifier.balances)
        )
    return Reconciliation(verifier, findings, warnings, documents)


def _digest_problems(store: Store, digest: tuple[int, str], last: int) -> list[Finding]:
    """Whether the log still holds the event a digest SEQ:HASH saved earlier names."""
    seq, expected = digest
    if seq == 0 and expected == GENESIS:
        return []  # the empty prefix: every log holds it
    row = store.row_at(seq)
    if row is None:
        detail = f"the log ends at seq {last}; the digest names seq {seq} (truncated or rewritten)"
        return [Finding(seq, "digest", detail)]
    if row.hash != expected:
        detail = f"seq {seq} no longer has the hash of the digest (rewritten)"
        return [Finding(seq, "digest", detail)]
    return []
