"""SIGINT, SIGTERM and SIGHUP take one path, from archgen's first instruction.

`install()` (called by `archgen._entry` before anything heavy is imported)
makes all three raise `Interrupted`, a `KeyboardInterrupt`, so every cleanup
written for Ctrl-C also runs for a `kill` or a closed terminal. The process
then exits with 128 + the signal number, as shells report it: 130 (SIGINT),
143 (SIGTERM), 129 (SIGHUP). Only the first signal raises; later ones are
recorded and ignored, so they cannot cut a rollback short. One raised where
Python cannot propagate an exception (a weakref callback during an import) is
raised again a millisecond later rather than printed and lost.

`critical()` blocks the three signals around a section that must not be
interrupted half-way (the renames that put a project or an update in place);
a signal that arrives meanwhile is delivered when the section is done.
`hold()` marks the command's outcome as decided (the project is committed):
from then on a signal is only recorded; optional work (the template snapshot)
checks `received()` and stops early.

This module imports nothing heavy: it runs before click, pydantic or jinja.
"""

from __future__ import annotations

import sys

_signal = sys.modules.get("_signal") or __import__("_signal")

SIGNALS = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP)
INTERRUPTED_EXIT = 130
"""Exit code of a Ctrl-C (and of an interrupt whose signal is unknown)."""


class Interrupted(KeyboardInterrupt):
    """A SIGINT, SIGTERM or SIGHUP, raised where the process was."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class _State:
    installed = False
    received: int | None = None
    raised = False
    holding = False


_state = _State()


def _handler(signum: int, frame: object) -> None:
    if _state.received is None:
        _state.received = signum
    if _state.holding or _state.raised:
        return
    _state.raised = True
    raise Interrupted(signum)


def _unraisable(hook: object) -> None:
    """An `Interrupted` raised where Python cannot propagate it (a weakref callback, a
    `__del__`) would be printed and lost: raise it again a moment later instead."""
    if isinstance(getattr(hook, "exc_value", None), Interrupted):
        _state.raised = False
        _signal.signal(_signal.SIGALRM, _redeliver)
        _signal.setitimer(_signal.ITIMER_REAL, 0.001)
        return
    sys.__unraisablehook__(hook)  # type: ignore[arg-type]


def _redeliver(signum: int, frame: object) -> None:
    if _state.received is not None:
        _handler(_state.received, frame)


def install() -> None:
    """Route SIGINT, SIGTERM and SIGHUP through `Interrupted` (the CLI's entry point calls this)."""
    for signum in SIGNALS:
        _signal.signal(signum, _handler)
    sys.unraisablehook = _unraisable
    _state.installed = True


def received() -> int | None:
    """The first signal this process got since `install()`, if any."""
    return _state.received


def interrupted() -> bool:
    """True once a signal has been raised as `Interrupted` in this process."""
    return _state.raised


def hold() -> None:
    """The command's outcome is decided: later signals are recorded, not raised."""
    if _state.installed:
        _state.holding = True


def block_for_exit() -> None:
    """Block the three signals for the rest of the process: the exit code is decided.

    Python puts the default handlers back while it shuts down, so a signal in
    that window would kill the process (a negative status, not archgen's code);
    blocked, it stays pending and the process exits with the code it chose.
    """
    _signal.pthread_sigmask(_signal.SIG_BLOCK, SIGNALS)


def exit_code() -> int:
    """128 + the signal that interrupted the process (130 for a plain KeyboardInterrupt)."""
    return 128 + _state.received if _state.received is not None else INTERRUPTED_EXIT


class _Critical:
    """Block the three signals for the duration of a `with` block (re-entrant)."""

    def __enter__(self) -> None:
        import signal

        self._old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)

    def __exit__(self, *exc: object) -> None:
        import signal

        signal.pthread_sigmask(signal.SIG_SETMASK, self._old)


def critical() -> _Critical:
    """`with critical(): ...` runs the block whole; a signal meanwhile arrives at its end."""
    return _Critical()
