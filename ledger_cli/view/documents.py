"""Documents as they are printed: the words of an attach's result line, and `docs` as a table
or JSON, built once as records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ledger_cli.domain.documents import short, size_text
from ledger_cli.view.output import Output

if TYPE_CHECKING:
    from ledger_cli.domain.documents import Attachment

def described(details: Mapping[str, object]) -> str:
    """A document in a few words: "receipt.pdf (application/pdf, 48.2 KiB, sha256
    3fa2b1c4d5e6)"."""
    size = size_text(int(str(details["size"])))
    return (
        f"{details['name']} ({details['media_type']}, {size}, sha256 "
        f"{short(str(details['sha256']))})"
    )


def record(doc: Attachment) -> dict[str, Any]:
    """`{"ref", "sha256", "name", "size", "media_type", "note", "seq", "recorded_at"}`."""
    return {
        "ref": doc.ref,
        "sha256": doc.sha256,
        "name": doc.name,
        "size": doc.size,
        "media_type": doc.media_type,
        "note": doc.note,
        "seq": doc.seq,
        "recorded_at": doc.recorded_at,
    }


def listing(output: Output, docs: Sequence[Attachment], ref: str | None, *, as_json: bool) -> None:
    """`docs [REF]`: every document attached now, in the order attached (`seq`: of the
    event that attached it, which `audit` shows with its recorded time)."""
    if as_json:
        output.json([record(doc) for doc in docs])
        return
    if not docs:
        where = f" to {ref}" if ref is not None else ""
        output.line(f"No documents are attached{where}.")
        return
    output.table(
        ["ref", "sha256", "name", "type", "size", "seq", "note"],
        (
            [doc.ref, short(doc.sha256), doc.name, doc.media_type, size_text(doc.size),
             str(doc.seq), doc.note or ""]
            for doc in docs
        ),
        right=[4, 5],
        wrap=[2, 6],
        title=f"Documents of {ref}" if ref is not None else "Documents",
    )


def written(output: Output, sha256: str, size: int, target: str, *, as_json: bool) -> None:
    """`docs get -o PATH`: what was written where."""
    if as_json:
        output.json({"sha256": sha256, "size": size, "path": target})
    else:
        output.line(f"Wrote document {short(sha256)} ({size_text(size)}) to {target}")
