"""A progress bar for long work (a large import, restore or reconcile), on stderr when it is a
terminal. rich is imported only when one is drawn."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress_bar(label: str, total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr, when it is a terminal and there is a `total` (the caller
    decides what is long enough): yields a function that sets how much is done. Otherwise
    yields None, and rich is not even imported."""
    err = sys.stderr
    terminal = err is not None and err.isatty() and os.environ.get("TERM") != "dumb"
    if not terminal or not total:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    with Progress(
        f"{label}",
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda done: progress.update(task, completed=done)
