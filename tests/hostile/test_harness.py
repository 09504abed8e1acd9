"""The harness catches what it is meant to catch, so a green hostile suite means something."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import EXAMPLE, Sandbox, assert_clean_failure, snapshot, tree_diff


def test_snapshot_sees_content_mode_and_links(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("x", encoding="utf-8")
    before = snapshot(tmp_path)
    (tmp_path / "a").chmod(0o600)
    (tmp_path / "l").symlink_to("a")
    diff = tree_diff(before, snapshot(tmp_path))
    assert diff == ["added l", "changed a"]


def test_a_good_run_leaves_no_debris(sandbox: Sandbox) -> None:
    run = sandbox.run(["new", "--no-input", "--answers", str(EXAMPLE), "-o", "out"])
    assert run.returncode == 0, run.stderr
    assert (sandbox.work / "out" / "credit-decisions" / ".archgen.yaml").is_file()
    assert sandbox.leftovers() == []


def test_leftovers_notices_temp_files(tmp_path: Path) -> None:
    box = Sandbox.create(tmp_path)
    (box.root / "tmp" / "archgen-x").mkdir()
    (box.cache / "archgen" / "templates").mkdir(parents=True)
    (box.cache / "archgen" / "templates" / "0.2.0.old").mkdir()
    assert box.leftovers() == ["tmp/archgen-x", "cache/archgen/templates/0.2.0.old"]


def test_clean_failure_rejects_a_traceback() -> None:
    from harness import Run

    bad = Run([], 1, "", "Traceback (most recent call last):\narchgen: error: x\n")
    with pytest.raises(AssertionError):
        assert_clean_failure(bad, 1, "x")
