"""Where output goes: plain lines, JSON, CSV and tables (rich on a terminal, aligned plain
text when piped). The one place that writes to the user's streams.

Text a user typed is never read as rich markup: every cell is a rich `Text`, and control
characters are shown escaped so that they cannot drive the terminal. rich is imported only
when a table is drawn on a terminal, or when a plain-text cell holds text other than ASCII:
columns are measured in the cells a terminal displays (rich's wcwidth rules: a combining
accent or a zero-width character takes none, a wide East Asian character two), not in code
points, so that `Cafe` + U+0301 does not shift the rest of its row.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any, Literal

_CONTROL = {code: f"\\x{code:02x}" for code in [*range(0x20), 0x7F]}
_WIDTH_SAMPLE = 1_000  # rows a plain-text table measures before it streams


class Output:
    """Where output goes and what the terminal can do; tests swap the streams."""

    def __init__(
        self,
        out: IO[str] | None = None,
        err: IO[str] | None = None,
        terminal: bool | None = None,
    ) -> None:
        # A closed stdout or stderr (`ledger deposit 5 >&-`) is None: the text goes nowhere.
        self.out: IO[str] = out or sys.stdout or open(os.devnull, "w")
        self.err: IO[str] = err or sys.stderr or open(os.devnull, "w")
        if terminal is None:
            terminal = self.out.isatty() and os.environ.get("TERM") != "dumb"
        self.terminal = terminal

    def line(self, text: str = "") -> None:
        self.out.write(printable(text) + "\n")

    def warn(self, text: str) -> None:
        self.err.write(f"ledger: warning: {clean(text)}\n")

    def json(self, value: Any) -> None:
        self.out.write(_json_text(value, indent=2) + "\n")

    def json_lines(self, values: Iterable[Mapping[str, Any]]) -> None:
        """A JSON array written element by element, so long outputs stream."""
        first = True
        for value in values:  # "[" once the first row is read: a failure before it prints none
            self.out.write("[\n  " if first else ",\n  ")
            self.out.write(_json_text(value))
            first = False
        self.out.write("[]\n" if first else "\n]\n")

    def csv(self, columns: Sequence[str], values: Iterable[Mapping[str, Any]]) -> None:
        import csv

        writer = csv.DictWriter(self.out, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        for value in values:
            writer.writerow(
                {
                    key: ""
                    if value[key] is None
                    else printable(value[key])
                    if isinstance(value[key], str)
                    else value[key]
                    for key in columns
                }
            )

    def table(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[str]],
        *,
        right: Sequence[int] = (),
        wrap: Sequence[int] = (),
        title: str | None = None,
    ) -> None:
        """A table: rich on a terminal, aligned plain text otherwise. Only the `wrap`
        columns (free text) may wrap on a narrow terminal; amounts, dates, references and
        hashes are always shown whole. Plain text streams: the column widths come from the
        first rows, and a longer cell later only pushes its line out, so memory stays flat
        however many rows there are."""
        cleaned = ([clean(cell) for cell in row] for row in rows)
        if self.terminal:
            self._rich_table(headers, list(cleaned), right, wrap, title)
            return
        if title:
            self.line(title)
        first = list(itertools.islice(cleaned, _WIDTH_SAMPLE))
        widths = [cell_width(h) for h in headers]
        for row in first:
            widths = [max(w, cell_width(cell)) for w, cell in zip(widths, row, strict=True)]
        for row in itertools.chain([list(headers)], first, cleaned):
            padded = []
            for i, (cell, width) in enumerate(zip(row, widths, strict=True)):
                pad = " " * (width - cell_width(cell))
                padded.append(pad + cell if i in right else cell + pad)
            self.line("  ".join(padded).rstrip())

    def _rich_table(
        self,
        headers: Sequence[str],
        cells: list[list[str]],
        right: Sequence[int],
        wrap: Sequence[int],
        title: str | None,
    ) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(title=Text(title) if title else None, title_justify="left")
        for i, header in enumerate(headers):
            justify: Literal["left", "right"] = "right" if i in right else "left"
            if i in wrap:
                table.add_column(Text(header), justify=justify, overflow="fold")
            else:
                widest = max([cell_width(header), *(cell_width(row[i]) for row in cells)])
                table.add_column(Text(header), justify=justify, no_wrap=True, min_width=widest)
        for row in cells:
            table.add_row(*(Text(cell) for cell in row))
        console = Console(file=self.out, highlight=False)
        # Wider than the terminal rather than cut: the terminal wraps the line, but amounts,
        # dates and hashes stay whole. Free-text columns get at least 8 characters.
        needed = 1 + sum(
            3
            + (8 if i in wrap else max(cell_width(header), *(cell_width(r[i]) for r in cells)))
            for i, header in enumerate(headers)
        )
        if needed > console.width:
            console = Console(file=self.out, highlight=False, width=needed)
        console.print(table)


def cell_width(text: str) -> int:
    """The cells `text` takes on a terminal (rich's measure, loaded only for text that is not
    ASCII, whose width is its length)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return int(cell_len(text))


def printable(text: str) -> str:
    """Text that can be written as UTF-8. Only an edit of the file can put bytes that are
    not UTF-8 into the log (they arrive as surrogates); they are shown as `\\xNN`."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def _json_text(value: Any, indent: int | None = None) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, indent=indent)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates from bytes that are not UTF-8: JSON can carry them as \udcNN.
        text = json.dumps(value, indent=indent)
    return text


def clean(text: str) -> str:
    """Text as typed, with control characters escaped so a terminal shows them literally."""
    return printable(text.translate(_CONTROL))
