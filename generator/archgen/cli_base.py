"""The one place where archgen's errors become a one-line message and an exit code.

Every command and group (`archgen`, and the lazily loaded `packs`, `update`,
`check`) uses these classes, so the translation happens once, at the CLI
boundary, however a command is invoked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from archgen import interrupts
from archgen.errors import ArchgenError


class _OneLineErrors:
    """Mixin for click commands: ArchgenError -> `archgen: error: ...`; a signal -> its code.

    Ctrl-C (or EOF at a prompt) exits 130; SIGTERM 143 and SIGHUP 129 once
    `archgen.interrupts` routes them here (see `archgen._entry`).
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except ArchgenError as err:
            click.echo(f"archgen: error: {err}", err=True)
            ctx.exit(err.exit_code)
        except (KeyboardInterrupt, click.Abort):
            click.echo("\nAborted.", err=True)
            ctx.exit(interrupts.exit_code())


class UserPath(click.Path):
    """A path option where a NUL byte is a usage error (click's own Path raises ValueError).

    A path too long for the file system is left to the code that opens it, which
    says which file it could not read.
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = os.fspath(value) if isinstance(value, os.PathLike) else value
        if isinstance(text, str) and "\0" in text:
            self.fail("contains a NUL byte", param, ctx)
        return super().convert(value, param, ctx)


project_option = click.option(
    "--project",
    type=UserPath(file_okay=False, exists=True, path_type=Path),
    default=Path(),
    show_default=True,
    help="The generated project.",
)
"""`--project DIR` (default: the working directory) of the commands run inside a project."""


class ArchgenCommand(_OneLineErrors, click.Command):
    """A command whose errors are translated once, at the boundary."""


class ArchgenCommandGroup(_OneLineErrors, click.Group):
    """A group whose (and whose subcommands') errors are translated once, at the boundary."""

    command_class = ArchgenCommand
