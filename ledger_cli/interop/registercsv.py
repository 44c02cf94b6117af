"""`export --format csv`: the register of every account, account by account, with the columns
of `history --csv` after `account` and `currency`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Any

from ledger_cli.app.queries import Queries
from ledger_cli.view.output import Output
from ledger_cli.view.register import HISTORY_COLUMNS, csv_record, history_record

CSV_COLUMNS = ["account", "currency", *HISTORY_COLUMNS]


def write(q: Queries, out: IO[str], as_of: date | None, known_at: datetime | None) -> None:
    """The rows of `history --csv` of every account, account by account, with the account
    and its currency in front."""

    def records() -> Iterator[dict[str, Any]]:
        for item in q.balances(as_of, known_at):
            cur = item.currency
            for line in q.history(item.account, as_of=as_of, known_at=known_at):
                record = history_record(line, cur)
                yield {"account": item.account, "currency": cur.code, **csv_record(record)}

    Output(out=out, terminal=False).csv(CSV_COLUMNS, records())
