"""The README's tour cannot drift: its ```console blocks are run as written, in order, in one
bash session, and each command must print what the README shows under it.

A line `$ COMMAND` is a command; the lines after it, up to the next `$ ` line or the end of
the block, are what it prints (stdout and stderr together, as a terminal shows them). A block
```text file=NAME is a file the tour uses: it is written as NAME before the next command runs.
Only what changes from run to run is normalised: recorded times, hashes (not the all-zero
hash of the first event) and the day in the `recorded` column of `history` (which must be the
day of the run). hledger steps follow the interop tests' policy: skipped where hledger is
missing, an error in CI.
"""

from __future__ import annotations

import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(.*)$")
TIME = re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
HASH = re.compile(r"\b(?!0{64}\b)[0-9a-f]{64}\b")
RECORDED = re.compile(r"^(\d{4}-\d\d-\d\d  )(\d{4}-\d\d-\d\d)(?=  )", re.M)
OPTIONAL_TOOLS = ("hledger",)
TO_DO = ("README.md's tour no longer shows what it prints. If the new output is right, put it "
         "in the README's block at the line named above (recorded times, hashes and the "
         "recorded day may stay as they are); if not, fix the regression.")


class Step(NamedTuple):
    """A command of a ```console block (`line`: its line in the README) or a file to write."""

    line: int
    command: str
    expected: str
    file: str | None = None


def parse(readme: Path) -> list[Step]:
    """The README's commands and files, in order."""
    steps: list[Step] = []
    info: str | None = None
    for number, line in enumerate(readme.read_text(encoding="utf-8").splitlines(), 1):
        fence = FENCE.match(line)
        if fence and info is None:
            info, start, body = fence[1].strip(), number, []
        elif fence:
            name = re.fullmatch(r"text file=(\S+)", info or "")
            if name:
                steps.append(Step(start, "", "\n".join(body) + "\n", name[1]))
            info = None
        elif info == "console" and line.startswith("$ "):
            steps.append(Step(number, line[2:], ""))
        elif info == "console":
            if number == start + 1 or steps[-1].file:
                raise ValueError(f"{readme}, line {number}: output before the block's first $")
            steps[-1] = steps[-1]._replace(expected=steps[-1].expected + line + "\n")
        elif info is not None:
            body.append(line)
    return steps


def normalise(text: str, days: set[str] | None = None) -> str:
    """Placeholders, as wide as what they replace, for what changes between runs. With `days`
    (the days of a run), the recorded column is replaced only where it holds one of them."""
    text = HASH.sub(lambda m: "<hash>".ljust(64), TIME.sub(lambda m: "<time>".ljust(27), text))
    text = RECORDED.sub(lambda m: m[1] + "<recorded>" if days is None or m[2] in days else m[0],
                        text)
    return "\n".join(line.rstrip() for line in text.splitlines())


def needs_missing_tool(command: str, missing: list[str]) -> bool:
    """Whether the command runs (as a command word) one of the tools that are missing."""
    return any(re.search(rf"(^|[;&|(]\s*){tool}\b", command) for tool in missing)


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def run_readme(readme: Path, workdir: Path, missing: Sequence[str] = ()) -> tuple[list[str], int]:
    """Run the README's steps in one bash session in `workdir`; return a report per command
    whose output differs, and how many were not checked because they need a missing tool."""
    steps = parse(readme)
    token = f"--readme-step-{uuid.uuid4().hex}--"
    script = [f"cd {shlex.quote(str(workdir))}"]
    for step in steps:
        if step.file:
            script.append(f"printf %s {shlex.quote(step.expected)} > {shlex.quote(step.file)}")
        else:
            script += [step.command, f"printf '\\n{token} %d\\n' \"$?\""]
    (workdir / "home").mkdir()
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "HOME": str(workdir / "home"), "LEDGER_DB": str(workdir / "ledger.db"),
           "TZ": "UTC", "NO_COLOR": "1", "LANG": "C.UTF-8",
           # Who appends the events (audit's `by`): the tour's user, whoever runs it.
           "LOGNAME": "alice", "USER": "alice"}
    days = {today()}
    output = subprocess.run(["bash", "--noprofile", "--norc"], input="\n".join(script) + "\n",
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, timeout=600).stdout
    days.add(today())
    chunks = re.split(rf"\n{token} (\d+)\n", output)
    results = list(zip(chunks[0::2], chunks[1::2], strict=False))
    commands = [step for step in steps if not step.file]
    failures, unchecked = [], 0
    for index, step in enumerate(commands):
        if needs_missing_tool(step.command, list(missing)):
            unchecked += 1
            continue
        actual, status = results[index] if index < len(results) else ("(did not run)", "?")
        expected_lines = normalise(step.expected).splitlines()
        actual_lines = normalise(actual, days).splitlines()
        if expected_lines != actual_lines or status != "0":  # every step of the tour succeeds
            diff = difflib.unified_diff(expected_lines, actual_lines, lineterm="",
                                        fromfile=f"README.md, line {step.line}",
                                        tofile="actual output (normalised)")
            failures.append(f"README.md, line {step.line}: $ {step.command}  (exit {status})\n"
                            + "\n".join(diff) + "\nactual output, as printed:\n" + actual)
    return failures, unchecked


def test_the_readme_tour_prints_what_it_shows(tmp_path: Path) -> None:
    missing = [tool for tool in OPTIONAL_TOOLS if shutil.which(tool) is None]
    if missing and os.environ.get("CI"):
        raise RuntimeError(f"{', '.join(missing)} missing in CI (.ci/run installs it)")
    assert len([step for step in parse(README) if not step.file]) >= 20, "the tour is gone"
    failures, unchecked = run_readme(README, tmp_path, missing)
    assert not failures, "\n\n".join(failures) + "\n\n" + TO_DO
    if unchecked:
        pytest.skip(f"{', '.join(missing)} not installed: {unchecked} step(s) not checked")


def test_a_changed_amount_in_the_readme_fails_naming_its_command(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    assert "\nchecking: 7,049.50 USD\n" in text
    copy = tmp_path / "README.md"
    copy.write_text(text.replace("\nchecking: 7,049.50 USD\n", "\nchecking: 7,049.51 USD\n"),
                    encoding="utf-8")
    (tmp_path / "run").mkdir()
    failures, _ = run_readme(copy, tmp_path / "run", ["hledger"])
    assert len(failures) == 1, failures
    line = text[: text.index("\nchecking: 7,049.50 USD\n")].count("\n") + 1
    assert failures[0].startswith(f"README.md, line {line}: $ ledger balance  (exit 0)\n")
    assert "\n-checking: 7,049.51 USD\n+checking: 7,049.50 USD\n" in failures[0]
