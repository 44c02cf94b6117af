"""Ctrl-C (SIGINT) and SIGTERM: a command stops, with one line and exit 130 or 143, only while
nothing is recorded. From the moment a write begins to commit, a signal is only noted: the
command finishes, prints its result and exits 0, so that an exit status other than 0 (but 74,
which names the ref) means that nothing was recorded (README, "Exit codes").

The console script (cli/main.py) calls `install` as it starts: from then on the two signals are
noted and nothing more, through the imports of the tool, until `arm` (once main() is inside
the block that reports an interruption); then a signal raises `Interrupted` where the program
is. The store calls `hold` just before its COMMIT: the signals are blocked from then until the
process exits (a blocked signal waits in the kernel, so no handler runs between the COMMIT and
the exit, and none of Python's default actions while it shuts down), and `release` unblocks
them only when the COMMIT failed (nothing was recorded). main() calls `disarm` as the command
ends, which blocks them too: its exit status is decided. The first signal that raises disarms
the handler, so that a second Ctrl-C cannot interrupt the clean-up and its report; one that
Python swallowed (raised inside a finalizer or a weakref callback) is noted again, and `hold`
acts on it before any commit.

In a process that did not install the handler (the tests run the app in-process), `hold` and
`release` change nothing: SIGINT raises Python's own KeyboardInterrupt, which the CLI reports in
the same way.

Like errors.py, this module imports nothing of the tool, so that every layer may call it. It
speaks to the interpreter's own `_signal` (loaded at every start) rather than `signal` and
`typing`, which would add their imports (enum, typing: most of `ledger --version`) to every
command's start.
"""

from __future__ import annotations

import _signal  # type: ignore[import-not-found]
import sys
from types import FrameType

SIGINT, SIGTERM = int(_signal.SIGINT), int(_signal.SIGTERM)
_MESSAGES = {SIGINT: "interrupted", SIGTERM: "terminated"}


class Interrupted(BaseException):
    """A signal stopped the command before anything was recorded. A BaseException, like
    KeyboardInterrupt, so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum  # 130 for SIGINT, 143 for SIGTERM
        super().__init__(_MESSAGES.get(signum, "interrupted"))


class _State:
    installed = False
    armed = False  # a signal raises Interrupted (else it is only noted)
    holding = False  # a commit has begun: signals are only noted, for good
    pending: int | None = None  # the first signal noted and not raised


_state = _State()


def _handler(signum: int, frame: FrameType | None) -> None:
    if not _state.armed or _state.holding:
        if _state.pending is None:
            _state.pending = signum
        return
    _state.armed = False  # the first one wins; the process is on its way out
    raise Interrupted(signum)


def cause(error: BaseException) -> Interrupted | None:
    """The interruption behind `error`, if one is: the interpreter wraps an exception raised
    inside some of its own hooks (a class's `__set_name__` while a module is imported raises
    RuntimeError "Error calling __set_name__", with the Interrupted as its cause)."""
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        if isinstance(found, Interrupted):
            return found
        seen.add(id(found))
        found = found.__cause__ or found.__context__
    return None


def install(noted: list[int] | None = None) -> None:
    """Note SIGINT and SIGTERM from now on (the console script, as it starts); `noted`: the
    signals its own first handler noted before this one took over."""
    for signum in _MESSAGES:
        _signal.signal(signum, _handler)
    _state.installed = True
    if noted and _state.pending is None:
        _state.pending = noted[0]
    previous = sys.unraisablehook

    def swallowed(unraisable: sys.UnraisableHookArgs) -> None:
        # A signal raised inside a finalizer or a weakref callback (importlib runs them
        # during imports), where Python prints the exception and goes on: note it again, for
        # `hold` to act on before any commit, and let the next signal raise.
        if isinstance(unraisable.exc_value, Interrupted):
            if _state.pending is None:
                _state.pending = unraisable.exc_value.signum
            _state.armed = True
            return
        previous(unraisable)

    sys.unraisablehook = swallowed


def arm() -> None:
    """Let a signal stop the command; one noted already stops it now."""
    if not _state.installed:
        return
    _state.armed = True
    if _state.pending is not None and not _state.holding:
        signum, _state.pending = _state.pending, None
        _state.armed = False
        raise Interrupted(signum)


def disarm() -> None:
    """The command is over, and its exit status decided: from now on the two signals wait
    (blocked) until the process has exited. (Python restores the default actions while it
    shuts down, which would otherwise let a late signal kill a process that has finished.)"""
    _state.armed = False
    _block(_signal.SIG_BLOCK)


def hold() -> None:
    """A write is about to commit: from here on nothing stops the command (the signals are
    blocked until the process exits, or `release`). A signal noted and not yet acted on
    stops it now, before anything is recorded."""
    if _state.installed and _state.armed and _state.pending is not None:
        signum, _state.pending = _state.pending, None
        _state.armed = False
        raise Interrupted(signum)
    _state.holding = True
    _block(_signal.SIG_BLOCK)


def release() -> None:
    """The commit failed and nothing was recorded: a signal stops the command again, and one
    that arrived meanwhile stops it now."""
    _state.holding = False
    _block(_signal.SIG_UNBLOCK)  # a signal blocked meanwhile is delivered now, and raises
    if _state.installed and _state.armed and _state.pending is not None:
        signum, _state.pending = _state.pending, None
        _state.armed = False
        raise Interrupted(signum)


def _block(how: int) -> None:
    """Block or unblock SIGINT and SIGTERM for this process, where the platform can (only in
    the console script: a process that did not install the handler keeps its own)."""
    mask = getattr(_signal, "pthread_sigmask", None)
    if _state.installed and mask is not None:
        mask(how, _MESSAGES)

