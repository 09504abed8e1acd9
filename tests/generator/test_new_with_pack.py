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


# -- nothing in a pack runs, except hooks in a real, trusted `new` ---------------------

MARKER_HOOK = (
    "import os, pathlib\n"
    "(pathlib.Path(os.environ['ARCHGEN_PACK_DIR']) / 'hook-ran').write_text('ran')\n"
)


def _marker(pack: Path) -> Path:
    return pack / "hook-ran"


@pytest.mark.parametrize(
    "command",
    [
        ["new", "--no-input", "--project-name", "dry-run", "--pretend", "--trust", "--pack", "P"],
        ["recommend", "--pack", "P"],
        ["packs", "show", "P"],
        ["packs", "list"],
        ["check", "--project", "PROJECT"],
    ],
    ids=["new-pretend-trusted", "recommend", "packs-show", "packs-list", "check"],
)
def test_hooks_never_run_outside_a_real_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    pack = hooked_pack(tmp_path / "pack", MARKER_HOOK)
    (pack / "hooks/pre.py").write_text(MARKER_HOOK, encoding="utf-8")
    monkeypatch.setenv("ARCHGEN_PACK", str(pack))  # `packs list` shows the active pack
    made = new(pack, tmp_path / "out", "--trust")
    assert made.exit_code == 0, made.output
    assert _marker(pack).is_file()  # the hooks do run in a real, trusted `new`
    _marker(pack).unlink()
    project = tmp_path / "out" / "hook-demo"
    args = [{"P": str(pack), "PROJECT": str(project)}.get(a, a) for a in command]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert not _marker(pack).exists(), f"a hook ran under {' '.join(command[:2])}"


@pytest.mark.parametrize("origin", ["ARCHGEN_PACK", ".archgen-pack", ".archgen.yaml", "config"])
def test_an_implicitly_picked_pack_with_hooks_still_needs_trust(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, origin: str
) -> None:
    pack = hooked_pack(tmp_path / "pack", MARKER_HOOK)
    (pack / "hooks/pre.py").write_text(MARKER_HOOK, encoding="utf-8")
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ARCHGEN_PACK", raising=False)
    if origin == "ARCHGEN_PACK":
        monkeypatch.setenv("ARCHGEN_PACK", str(pack))
    elif origin == ".archgen-pack":
        (here / ".archgen-pack").write_text("../pack\n", encoding="utf-8")
    elif origin == ".archgen.yaml":
        record = {"pack": {"name": "hooked", "version": "0.2.0", "source": str(pack)}}
        (here / ".archgen.yaml").write_text(yaml.safe_dump(record), encoding="utf-8")
    else:
        config = tmp_path / "config" / "archgen" / "config.yaml"
        config.parent.mkdir(parents=True)
        config.write_text(yaml.safe_dump({"pack": str(pack)}), encoding="utf-8")
    args = ["new", "--no-input", "--project-name", "implicit", "-o", "out"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "Using team pack" in result.stderr and "(from " in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("archgen: error:")]
    assert len(errors) == 1 and "--trust" in errors[0] and "pre_gen hooks/pre.py" in errors[0]
    assert not _marker(pack).exists()
    assert not (here / "out").exists()
