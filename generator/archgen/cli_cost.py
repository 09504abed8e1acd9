"""`archgen cost`: what a generated project's stack config costs a month, resource by resource.

A thin shell over `archgen_stacks.pricing` (the stack program run under
Pulumi's mocks and priced): archgen-stacks comes with the project's infra
requirements, so this command imports it only when invoked.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archgen.cli_base import ArchgenCommand, project_option
from archgen.errors import CostError, UsageError

if TYPE_CHECKING:
    from archgen_stacks.pricing import Estimate

INSTALL_HINT = (
    "archgen cost needs archgen-stacks (pinned in the project's infra/requirements.txt): "
    "pip install -r infra/requirements.txt"
)


def _pricing() -> Any:
    try:
        import archgen_stacks.pricing as pricing
    except ImportError as err:
        raise CostError(INSTALL_HINT) from err
    return pricing


def price(project: Path, stack: str, config_text: str | None = None) -> Estimate:
    """The estimate of `infra/Pulumi.<stack>.yaml` (or of `config_text` for that stack)."""
    pricing = _pricing()
    try:
        estimate: Estimate = pricing.price_project(project, stack=stack, config_text=config_text)
    except (UsageError, CostError):
        raise
    except Exception as err:  # the project's own program failed under mocks
        raise CostError(f"the stack program failed for stack {stack!r}: {err}") from err
    return estimate


def _ref_config(project: Path, stack: str, ref: str) -> tuple[str, str | None]:
    """`ref` as (stack name, config text): another stack file, or this one at a git revision."""
    if (project / "infra" / f"Pulumi.{ref}.yaml").is_file():
        return ref, None
    spec = f"{ref}:./infra/Pulumi.{stack}.yaml"
    try:
        shown = subprocess.run(
            ["git", "show", spec], cwd=project, capture_output=True, text=True, check=False
        )
    except OSError as err:
        raise UsageError(f"--diff {ref}: no stack {ref!r} and git is not available") from err
    if shown.returncode != 0:
        raise UsageError(
            f"--diff {ref}: neither infra/Pulumi.{ref}.yaml nor {spec} exists "
            f"({shown.stderr.strip().splitlines()[-1] if shown.stderr.strip() else 'git failed'})"
        )
    return stack, shown.stdout


def diff(base: Estimate, head: Estimate) -> dict[str, Any]:
    """What `head` adds, removes and changes against `base`, per resource."""
    before = {line.resource: line for line in base.lines}
    after = {line.resource: line for line in head.lines}

    def row(line: Any) -> dict[str, Any]:
        return {"resource": line.resource, "type": line.type, "monthly_usd": line.monthly_usd}

    changed = [
        {**row(after[n]), "before_usd": before[n].monthly_usd}
        for n in after
        if n in before and abs(after[n].monthly_usd - before[n].monthly_usd) >= 0.005
    ]
    return {
        "base": {"stack": base.stack, "total_usd": base.total_usd},
        "head": {"stack": head.stack, "total_usd": head.total_usd},
        "delta_usd": round(head.total_usd - base.total_usd, 2),
        "added": [row(after[n]) for n in after if n not in before],
        "removed": [row(before[n]) for n in before if n not in after],
        "changed": changed,
    }


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def render_table(est: Estimate) -> str:
    """The estimate grouped by component; $0 resources counted, unknown types listed."""
    out = [f"Monthly estimate of stack {est.stack} ({est.region}, prices {est.prices_version})", ""]
    free = 0
    for component, lines in est.by_component().items():
        billed = [line for line in lines if line.monthly_usd > 0 or line.charges]
        free += len(lines) - len(billed)
        if not billed:
            continue
        subtotal = sum(line.monthly_usd for line in billed)
        out.append(f"{component}  {_usd(subtotal)}")
        for line in billed:
            out.append(f"  {line.resource}  {_usd(line.monthly_usd)}")
            for c in line.charges:
                flag = "  [fallback price]" if c.price.fallback else ""
                out.append(
                    f"    {c.item}: {c.quantity / c.per:,.4g} {c.price.unit} x "
                    f"${c.price.usd:.6g} = {_usd(c.monthly_usd)}{flag}"
                )
    out.append("")
    out.append(f"{free} resources at no charge (IAM, routes, bucket settings, ...)")
    if est.not_priced:
        names = ", ".join(f"{line.resource} ({line.type})" for line in est.not_priced)
        out.append(f"not priced ({len(est.not_priced)}): {names}")
    out.append(f"Total: {_usd(est.total_usd)} a month")
    return "\n".join(out)


def render_diff(change: dict[str, Any]) -> str:
    """The diff as a short review comment."""
    base, head = change["base"], change["head"]
    out = [
        f"Cost change {base['stack']} -> {head['stack']}: {_usd(base['total_usd'])} -> "
        f"{_usd(head['total_usd'])} ({change['delta_usd']:+,.2f} USD a month)"
    ]
    out += [f"+ {r['resource']} ({r['type']})  {_usd(r['monthly_usd'])}" for r in change["added"]]
    out += [f"- {r['resource']} ({r['type']})  {_usd(r['monthly_usd'])}" for r in change["removed"]]
    out += [
        f"~ {r['resource']}  {_usd(r['before_usd'])} -> {_usd(r['monthly_usd'])}"
        for r in change["changed"]
    ]
    return "\n".join(out)


@click.command(
    "cost",
    cls=ArchgenCommand,
    epilog="""\b
Examples (inside a generated project):
  archgen cost                      # infra/Pulumi.dev.yaml
  archgen cost --stack prod --json
  archgen cost --diff origin/main   # this stack file against the same file at a git revision
  archgen cost --stack dev --diff prod
""",
)
@click.option("--stack", default="dev", show_default=True, help="The stack config to price.")
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
@click.option("--diff", "ref", metavar="REF", help="Compare with another stack or a git revision.")
@project_option
def cost(stack: str, as_json: bool, ref: str | None, project: Path) -> None:
    """Price every resource the project's stack config deploys (offline, before `pulumi up`)."""
    head = price(project, stack)
    document: dict[str, Any] = head.to_json()
    text = render_table(head)
    if ref is not None:
        base_stack, config_text = _ref_config(project, stack, ref)
        base = price(project, base_stack, config_text)
        if config_text is not None:
            base.stack = f"{stack}@{ref}"
        change = diff(base, head)
        document["diff"] = change
        text = render_diff(change)
    click.echo(json.dumps(document, indent=2) if as_json else text)
