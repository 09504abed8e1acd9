"""The one error tree. The CLI turns any `ArchgenError` into a one-line message and exit code."""

from __future__ import annotations


class ArchgenError(Exception):
    """Root of every error archgen raises on purpose."""

    exit_code = 1


class UsageError(ArchgenError):
    """Bad input from the user: a flag value, an answers file, an unknown key."""

    exit_code = 2


class AnswersError(UsageError):
    """An answer (from a prompt, a flag or a file) is missing, unknown or out of range."""


class SpecError(UsageError):
    """A model spec (a `--schema` file, a `--sample` CSV) is missing, malformed or unusable."""


class DecisionError(ArchgenError):
    """No pattern satisfies the hard constraints, or a forced pattern is impossible."""


class RenderError(ArchgenError):
    """A template could not be rendered or the project could not be written."""


class TargetExistsError(RenderError):
    """The output directory holds files and `--force` was not given."""

    exit_code = 2


class PackError(ArchgenError):
    """A team pack is missing, malformed, untrusted or broken."""

    exit_code = 2


class UpdateError(ArchgenError):
    """`archgen update` or `archgen check` cannot proceed."""


class ConflictsError(UpdateError):
    """An update left merge conflicts in the tree."""


class CostError(ArchgenError):
    """`archgen cost` cannot price a project: archgen-stacks is missing or its program fails."""


class ScanError(ArchgenError):
    """`archgen scan` cannot run: checkov is missing or failed, or a type has no Terraform name."""
