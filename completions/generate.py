"""Write the shell completion scripts in this folder, as the app generates them.

    .venv/bin/python completions/generate.py          # write ledger.bash, _ledger, ledger.fish
    .venv/bin/python completions/generate.py --check  # exit 1 if one differs from the app's

Each script is what the installed `ledger` prints for `_LEDGER_COMPLETE=source_<shell>`
(typer's completion machinery), without the blank line it starts with: the same text as
`ledger --show-completion` prints in that shell. (zsh's compinit reads `#compdef` only from
a file's first line.)
The scripts only call `ledger` back on Tab, so commands, options, account names and
references are always those of the installed version and of the ledger in use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ledger_cli.cli.completion import COMPLETE_VAR, SHELLS

HERE = Path(__file__).resolve().parent


def ledger_executable() -> str:
    """The `ledger` console script beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "ledger"
    if beside.exists():
        return str(beside)
    found = shutil.which("ledger")
    if found is None:
        sys.exit("generate.py: the `ledger` command is not installed (pip install -e .)")
    return found


def generated(shell: str) -> str:
    """The completion script the app prints for `shell`."""
    env = {**os.environ, COMPLETE_VAR: f"source_{shell}"}
    result = subprocess.run(
        [ledger_executable()], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip() + "\n"


def main(argv: list[str]) -> int:
    check = argv == ["--check"]
    stale = []
    for shell, name in SHELLS.items():
        path = HERE / name
        text = generated(shell)
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run completions/generate.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
