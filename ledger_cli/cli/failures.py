"""How a failure reaches the user: one line on stderr, `ledger: MESSAGE`, or with --json one
JSON object, `{"error": MESSAGE, "code": EXIT}` (SPEC 7). The console script (main.py) reports
an interruption with it before the CLI is loaded; the root group (app.py) every other
failure."""

import sys


def json_requested(args: list[str]) -> bool:
    """`--json` among the arguments, before a `--` that ends the options."""
    return "--json" in (args[: args.index("--")] if "--" in args else args)


def report(message: str, code: int, as_json: bool) -> None:
    """A failure on stderr: `ledger: MESSAGE`, or with --json one JSON object,
    `{"error": MESSAGE, "code": EXIT}`. Nothing when stderr is closed."""
    stream = sys.stderr
    if stream is None:
        return
    if as_json:
        import json

        try:
            text = json.dumps({"error": message, "code": code}, ensure_ascii=False)
            text.encode(stream.encoding or "utf-8")
        except (UnicodeEncodeError, LookupError):
            # Bytes of a path that are not UTF-8 (surrogates): JSON escapes carry them.
            text = json.dumps({"error": message, "code": code})
    else:
        from ledger_cli.view.output import clean

        text = f"ledger: {clean(message)}"
    try:
        stream.write(text + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass  # stderr is gone too: the exit status still tells
