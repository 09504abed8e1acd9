"""The hostile-input suite's sandbox: its outside is checked after each case."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from harness import Sandbox, snapshot, tree_diff  # noqa: E402


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """A sandbox; after the test, `outside/` is unchanged and no debris is left."""
    box = Sandbox.create(tmp_path / "box")
    before = snapshot(box.outside)
    yield box
    assert tree_diff(before, snapshot(box.outside)) == [], "a run touched files outside"
    assert box.leftovers() == [], "a run left temporary or half-written files"
