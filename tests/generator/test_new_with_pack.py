"""`archgen new` with a team pack: hooks run, a failing hook leaves nothing, sources are kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archgen import __version__
from archgen.cli import cli
from archgen.snapshots import cache_root

REPO = Path(__file__).resolve().parents[2]
SLUG = "{{cookiecutter.project_slug}}"


def hooked_pack(root: Path, post_gen: str) -> Path:
    manifest = {
        "name": "hooked",
        "version": "0.2.0",
        "layers": {"base": "layers/base"},
        "hooks": {"pre_gen": ["hooks/pre.py"], "post_gen": ["hooks/post.py"]},
    }
    files = {
        "archgen-pack.yaml": yaml.safe_dump(manifest),
        f"layers/base/{SLUG}/TEAM.md": "owned by {{ cookiecutter.project_slug }}\n",
        "hooks/pre.py": (  # records whether the project existed when it ran
            "import os, pathlib\n"
            "seen = pathlib.Path(os.environ['ARCHGEN_PROJECT_DIR']).exists()\n"
            "(pathlib.Path(os.environ['ARCHGEN_PACK_DIR']) / 'pre-ran').write_text(str(seen))\n"
        ),
        "hooks/post.py": post_gen,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def new(pack: Path, out: Path, *extra: str) -> object:
    args = ["new", "--no-input", "--project-name", "hook-demo", "--pack", str(pack), "-o", str(out)]
    return CliRunner().invoke(cli, [*args, *extra])


def test_trusted_hooks_run_after_render_and_templates_are_snapshotted(tmp_path: Path) -> None:
    post = "import pathlib\npathlib.Path('HOOKED').write_text('yes')\n"
    pack = hooked_pack(tmp_path / "pack", post)
    result = new(pack, tmp_path / "out", "--trust")
    assert result.exit_code == 0, result.output
    project = tmp_path / "out" / "hook-demo"
    assert (pack / "pre-ran").read_text() == "False"  # pre_gen ran before anything was written
    assert (project / "HOOKED").read_text() == "yes"  # post_gen ran inside the project
    assert (project / "TEAM.md").read_text() == "owned by hook-demo\n"
    snapshot = cache_root() / __version__ / "base" / "cookiecutter.json"
    assert snapshot.is_file()  # `archgen update` can find the templates this project used


def test_untrusted_hooks_stop_before_anything_is_written(tmp_path: Path) -> None:
    pack = hooked_pack(tmp_path / "pack", "print('never')\n")
    result = new(pack, tmp_path / "out")
    assert result.exit_code == 2
    assert "--trust" in result.output
    assert not (tmp_path / "out" / "hook-demo").exists()


@pytest.mark.parametrize("force", [False, True])
def test_failing_post_gen_hook_leaves_no_new_project(tmp_path: Path, force: bool) -> None:
    pack = hooked_pack(tmp_path / "pack", "raise SystemExit('lint failed')\n")
    out = tmp_path / "out"
    mine = out / "hook-demo" / "notes.txt"
    if force:  # a folder the user already had keeps its files
        mine.parent.mkdir(parents=True)
        mine.write_text("mine", encoding="utf-8")
    result = new(pack, out, "--trust", *(["--force"] if force else []))
    assert result.exit_code != 0
    assert "hook hooks/post.py failed" in result.output
    if force:
        assert mine.read_text(encoding="utf-8") == "mine"
    else:
        assert not (out / "hook-demo").exists()
