"""The process entry point (`archgen` and `python -m archgen`): signals first, then the CLI.

The handlers are installed before click, pydantic or any other heavy module
is imported, so a Ctrl-C, SIGTERM or SIGHUP at any moment of archgen's own
code ends in `Aborted.` and 130, 143 or 129, never a traceback (see
`archgen.interrupts`). A signal that arrives while the Python interpreter
itself is still starting, before this module runs, is Python's: SIGTERM and
SIGHUP end the process silently, SIGINT may print Python's own report; archgen
has written nothing by then.
"""

from __future__ import annotations

from archgen import interrupts

interrupts.install()


def _aborted() -> None:
    import sys

    sys.stderr.write("\nAborted.\n")
    sys.stderr.flush()


def main() -> None:
    """Run the CLI; exit 128 + the signal's number when a signal interrupted it."""
    code: int | str | None
    try:
        from archgen.cli import main as cli_main

        cli_main()
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int | str) or done.code is None else 1
    except KeyboardInterrupt:  # while the CLI was still being imported
        _aborted()
        code = interrupts.exit_code()
    # from here the outcome is decided: a late signal must not turn it into a traceback
    interrupts.hold()
    if interrupts.received() is not None and code not in (0, None) and interrupts.interrupted():
        code = interrupts.exit_code()
    interrupts.block_for_exit()
    raise SystemExit(code)
