"""Benchmark: `archgen new --no-input` against plain `cookiecutter --no-input`, same files.

Both run as fresh processes, side by side in one run, on the same answers (the
credit-decision example's `.archgen.yaml`): archgen renders its layers,
copies the stack components in and moves the project into place; cookiecutter
renders one template that holds the same layers already merged, the same stack
components (copied without rendering) and the same context. Rounds alternate
between the two; the figure is the ratio of the medians.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ROOT / "examples" / "credit-decisions" / ".archgen.yaml"
ROUNDS = 7
SLUG_DIR = "{{cookiecutter.project_slug}}"


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def merged_template(project: Path, dest: Path) -> Path:
    """One cookiecutter template that renders the same files as archgen rendered into `project`."""
    from archgen.patterns import Pattern
    from archgen.render import layers_for, template_dir

    record = yaml.safe_load((project / ".archgen.yaml").read_text(encoding="utf-8"))
    pattern = Pattern(record["pattern"])
    templates = template_dir()
    target = dest / SLUG_DIR
    for layer in layers_for(pattern):
        shutil.copytree(templates / layer / SLUG_DIR, target, dirs_exist_ok=True)
    (target / ".archgen.yaml").write_bytes((project / ".archgen.yaml").read_bytes())
    context = json.loads((templates / "base" / "cookiecutter.json").read_text(encoding="utf-8"))
    slug = project.name
    context.update(
        project_slug=slug,
        package_name=slug.replace("-", "_"),
        pattern=pattern.value,
        region=record["answers"]["region"],
        _copy_without_render=[".archgen.yaml"],
    )
    (dest / "cookiecutter.json").write_text(json.dumps(context, indent=2), encoding="utf-8")
    return dest


def _timed(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def measure(rounds: int = ROUNDS) -> dict[str, float]:
    """Median wall time of each tool over `rounds` alternating runs, in seconds."""
    archgen_cmd = [sys.executable, "-m", "archgen", "new", "--no-input", "--answers", str(ANSWERS)]
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        work = Path(tmp)
        first = work / "first"
        subprocess.run([*archgen_cmd, "-o", str(first)], check=True, capture_output=True)
        (project,) = [p for p in first.iterdir() if p.is_dir()]
        template = merged_template(project, work / "template")
        config = work / "cookiecutter-config.yaml"
        config.write_text(
            yaml.safe_dump(
                {"replay_dir": str(work / "replay"), "cookiecutters_dir": str(work / "cc-cache")}
            ),
            encoding="utf-8",
        )
        cc_cmd = [
            *[sys.executable, "-m", "cookiecutter", "--no-input"],
            *["--config-file", str(config), str(template)],
        ]
        subprocess.run([*cc_cmd, "-o", str(work / "cc-first")], check=True, capture_output=True)
        made = work / "cc-first" / project.name
        if _files(made) != _files(project):
            raise RuntimeError("cookiecutter and archgen rendered different file sets")
        ours: list[float] = []
        theirs: list[float] = []
        for i in range(rounds):
            ours.append(_timed([*archgen_cmd, "-o", str(work / f"a{i}")], work))
            theirs.append(_timed([*cc_cmd, "-o", str(work / f"c{i}")], work))
    return {"archgen_s": statistics.median(ours), "cookiecutter_s": statistics.median(theirs)}


def run() -> list[tuple[str, float, str]]:
    """`(name, value, unit)` lines for benchmarks/run.py."""
    figures = measure()
    return [
        (
            "new_vs_cookiecutter_ratio",
            round(figures["archgen_s"] / figures["cookiecutter_s"], 3),
            "x",
        ),
        ("new_median_s", round(figures["archgen_s"], 3), "s"),
        ("cookiecutter_median_s", round(figures["cookiecutter_s"], 3), "s"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value} {unit}")
