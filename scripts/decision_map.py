"""Draw the decision map: the winning pattern over a grid of answers, one panel per latency.

    python scripts/decision_map.py          # rewrite docs/decision-map.svg and its table
    python scripts/decision_map.py --check  # exit 1 when the committed files are stale

The grid is the one issue 11 measured the model on: urgency x data arrival x
model update x daily volume (1k to 100M), the p99 tied to the urgency (next day
or later: 24 h; within minutes or hours: 60 s; while the caller waits:
100 ms), every other answer at its default. Each cell is what `make_plan`
recommends, priced and sized as `archgen recommend` would. The SVG is written
by hand (no plotting dependency).
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from archgen.api import make_plan
from archgen.errors import DecisionError
from archgen.patterns import DataArrival, ModelUpdate, Pattern
from archgen.record import ProjectRecord
from archgen.requirements import Requirements, Urgency
from archgen.units import ms_text

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "docs" / "decision-map.svg"
DOC = ROOT / "docs" / "decision-map.md"
TABLE_START = "<!-- decision-map:start -->"
TABLE_END = "<!-- decision-map:end -->"

LATENCIES: tuple[tuple[Urgency, int], ...] = (
    (Urgency.NEXT_DAY, 24 * 3_600_000),
    (Urgency.MINUTES, 60_000),
    (Urgency.WAITING, 100),
)
ARRIVALS: tuple[DataArrival, ...] = tuple(DataArrival)
UPDATES: tuple[ModelUpdate, ...] = tuple(ModelUpdate)
VOLUMES: tuple[int, ...] = (1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000)
NONE = "none"
COLOURS: dict[str, str] = {
    Pattern.BATCH.value: "#4e79a7",
    Pattern.REALTIME.value: "#f28e2b",
    Pattern.STREAMING.value: "#59a14f",
    Pattern.HYBRID.value: "#b07aa1",
    NONE: "#d0d0d0",
}


@dataclass(frozen=True)
class Cell:
    urgency: Urgency
    latency_ms: int
    arrival: DataArrival
    update: ModelUpdate
    volume: int

    def requirements(self) -> Requirements:
        return Requirements(
            urgency=self.urgency,
            latency_p99_ms=self.latency_ms,
            data_arrival=self.arrival,
            model_update=self.update,
            daily_volume=self.volume,
        )


def cells() -> Iterator[Cell]:
    """The 270 cells of the grid, panel by panel."""
    for urgency, latency in LATENCIES:
        for arrival in ARRIVALS:
            for update in UPDATES:
                for volume in VOLUMES:
                    yield Cell(urgency, latency, arrival, update, volume)


def winner(cell: Cell) -> str:
    """The recommended pattern's value, or `none` when no pattern meets the answers."""
    try:
        plan = make_plan(ProjectRecord(answers=cell.requirements()))
    except DecisionError:
        return NONE
    return plan.decision.recommended.value


def winners() -> dict[Cell, str]:
    return {cell: winner(cell) for cell in cells()}


def shares(won: dict[Cell, str]) -> Counter[str]:
    return Counter(won.values())


def _volume(v: int) -> str:
    return f"{v // 1_000_000}M" if v >= 1_000_000 else f"{v // 1_000}k"


def svg(won: dict[Cell, str]) -> str:
    """The map as an SVG: one panel per latency, rows arrival x update, columns volume."""
    cw, ch, left, top, gap = 34, 16, 150, 48, 28
    rows = [(a, u) for a in ARRIVALS for u in UPDATES]
    panel_w = left + cw * len(VOLUMES) + gap
    width = panel_w * len(LATENCIES) + 10
    height = top + ch * len(rows) + 70
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for i, (urgency, latency) in enumerate(LATENCIES):
        x0 = i * panel_w
        title = f"needed {urgency.phrase} (p99 {ms_text(latency)})"
        out.append(f'<text x="{x0 + left}" y="16" font-weight="bold">{escape(title)}</text>')
        for j, v in enumerate(VOLUMES):
            x = x0 + left + j * cw + cw / 2
            out.append(f'<text x="{x:g}" y="{top - 6}" text-anchor="middle">{_volume(v)}</text>')
        for r, (arrival, update) in enumerate(rows):
            y = top + r * ch
            label = f"{arrival.value} / {update.value}"
            out.append(
                f'<text x="{x0 + left - 4}" y="{y + ch - 4}" text-anchor="end">{label}</text>'
            )
            for j, v in enumerate(VOLUMES):
                won_by = won[Cell(urgency, latency, arrival, update, v)]
                out.append(
                    f'<rect x="{x0 + left + j * cw}" y="{y}" width="{cw - 1}" height="{ch - 1}" '
                    f'fill="{COLOURS[won_by]}"><title>{won_by}</title></rect>'
                )
    y = top + ch * len(rows) + 20
    for k, (name, colour) in enumerate(COLOURS.items()):
        x = 10 + k * 130
        out.append(f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>')
        out.append(f'<text x="{x + 20}" y="{y + 11}">{name}</text>')
    out.append(
        f'<text x="10" y="{y + 36}">daily volume today (columns; sized for 10x growth); '
        "data arrival / model update (rows)</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def table(won: dict[Cell, str]) -> str:
    """The share of the grid each pattern wins, as a Markdown table."""
    counts = shares(won)
    total = sum(counts.values())
    lines = ["| pattern | cells won | share |", "|---|---|---|"]
    for name in [*(p.value for p in Pattern), NONE]:
        n = counts.get(name, 0)
        lines.append(f"| {name} | {n} | {n / total:.0%} |")
    return "\n".join(lines)


def doc_with_table(text: str, won: dict[Cell, str]) -> str:
    head, _, rest = text.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    return f"{head}{TABLE_START}\n{table(won)}\n{TABLE_END}{tail}"


def main(argv: list[str]) -> int:
    won = winners()
    picture = svg(won)
    doc = doc_with_table(DOC.read_text(encoding="utf-8"), won)
    if "--check" in argv:
        stale = [
            p.name
            for p, want in ((SVG, picture), (DOC, doc))
            if not p.exists() or p.read_text(encoding="utf-8") != want
        ]
        if stale:
            print(f"stale: {', '.join(stale)}; run python scripts/decision_map.py")
            return 1
        return 0
    SVG.write_text(picture, encoding="utf-8")
    DOC.write_text(doc, encoding="utf-8")
    print(table(won))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
