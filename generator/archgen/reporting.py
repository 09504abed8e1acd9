"""Terminal tables for a plan: the decision, the sizing and the cost (rich, for the CLI only).

Kept apart from `cli.py` so the option parsing stays small and so `--json`
and `--help` never pay for importing rich.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from archgen.criteria import burden
from archgen.decision import CRITERIA, load_matrix
from archgen.plan import Plan


def _fmt(value: float | int | str) -> str:
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


SOURCES: dict[str, str] = {
    "latency": " (matrix)",
    "volume": " (matrix)",
    "complexity": " (parts)",
    "cost": " (estimate)",
}
"""Where a criterion's figure comes from: the seed's matrix, the deployed parts, the estimate."""


def decision_table(plan: Plan) -> Table:
    """Every pattern's fit per criterion (rows) with the weights, totals and feasibility."""
    matrix = load_matrix()
    decision = plan.decision
    scores = decision.scores
    table = Table(title="Decision (fit per criterion, 0 to 1)", title_justify="left")
    table.add_column("Criterion")
    table.add_column("Weight", justify="right")
    for s in scores:
        mark = ""
        if s.pattern is decision.recommended:
            mark = " *"
        if s.pattern is decision.chosen and decision.chosen is not decision.recommended:
            mark = " (chosen)"
        style = "bold green" if s.pattern is decision.chosen else ("dim" if not s.feasible else "")
        table.add_column(s.pattern.label + mark, justify="right", style=style)
    for c in CRITERIA:
        table.add_row(
            c.replace("_", " ") + SOURCES.get(c, ""),
            f"{matrix.weight(c):g}",
            *(f"{s.by_criterion.get(c, 0.0):.2f}" for s in scores),
        )
    table.add_row("Total", "", *(f"{s.total:.2f}" for s in scores), style="bold")
    table.add_row("Feasible", "", *("yes" if s.feasible else "no" for s in scores))
    per_pattern = plan.cost.per_pattern
    table.add_row(
        "estimate, USD/month",
        "",
        *(f"{per_pattern[s.pattern]:,.0f}" if s.pattern in per_pattern else "" for s in scores),
    )
    table.add_row("complexity burden", "", *(f"{burden(s.pattern, matrix):g}" for s in scores))
    table.caption = "* recommended; cost and complexity fits come from the last two rows"
    return table


def sizing_table(plan: Plan) -> Table:
    """Each sized figure with its unit and the formula or assumption behind it."""
    table = Table(title=f"Sizing ({plan.sizing.pattern.label})", title_justify="left")
    table.add_column("Figure")
    table.add_column("Value", justify="right")
    table.add_column("Unit")
    table.add_column("Basis", overflow="fold")
    for f in plan.sizing.figures:
        table.add_row(f.label, _fmt(f.value), f.unit, f.basis)
    return table


def cost_table(plan: Plan) -> Table:
    """The chosen pattern's monthly estimate, line by line."""
    cost = plan.cost
    table = Table(
        title=f"Monthly cost ({cost.chosen.pattern.label}, {cost.pricing.region}, "
        f"prices of {cost.pricing.date})",
        title_justify="left",
    )
    table.add_column("Item")
    table.add_column("Quantity", justify="right")
    table.add_column("Unit")
    table.add_column("Unit price", justify="right")
    table.add_column("USD/month", justify="right")
    for line in cost.chosen.lines:
        table.add_row(
            line.item,
            _fmt(line.quantity),
            line.unit,
            f"{line.unit_price_usd:g}",
            f"{line.monthly_usd:,.2f}",
        )
    table.add_row("Total", "", "", "", f"{cost.chosen.total_usd:,.2f}", style="bold")
    return table


def per_pattern_table(plan: Plan) -> Table:
    """The monthly total of every pattern next to the budget."""
    table = Table(title="Every pattern, monthly", title_justify="left")
    table.add_column("Pattern")
    table.add_column("USD/month", justify="right")
    table.add_column("Within budget")
    for pattern, total in plan.cost.per_pattern.items():
        table.add_row(
            pattern.label, f"{total:,.2f}", "yes" if total <= plan.cost.budget_usd else "no"
        )
    return table


def print_decision(plan: Plan, console: Console) -> None:
    """The recommendation: table, reasons, why not the others, warnings."""
    decision = plan.decision
    console.print(decision_table(plan))
    console.print(f"[bold]Recommended: {decision.recommended.label}[/bold]")
    for reason in decision.reasons:
        console.print(f"  - {reason}")
    console.print("[bold]Why not the others[/bold]")
    for pattern, text in decision.why_not.items():
        console.print(f"  - {pattern.label}: {text}")
    for warning in decision.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")


def print_plan(plan: Plan, console: Console) -> None:
    """Everything `archgen recommend` shows."""
    print_decision(plan, console)
    console.print(sizing_table(plan))
    if plan.sizing.headroom:
        console.print(f"Headroom: {plan.sizing.headroom}")
    console.print(cost_table(plan))
    console.print(per_pattern_table(plan))
    cost = plan.cost
    if cost.over_budget:
        console.print(
            f"[red]Over budget:[/red] ${cost.chosen.total_usd:,.0f}/month against "
            f"${cost.budget_usd:,.0f}/month."
        )
        for driver in cost.drivers:
            console.print(f"  - {driver}")
    else:
        console.print(
            f"Within budget: ${cost.chosen.total_usd:,.0f}/month of ${cost.budget_usd:,.0f}/month."
        )
    console.print(f"[dim]Prices: {cost.pricing.source} (version {cost.pricing.version}).[/dim]")
