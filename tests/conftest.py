"""Keep every test away from the real user's archgen config and cache."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(Path(home) / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(Path(home) / "cache"))
    monkeypatch.delenv("ARCHGEN_PACK", raising=False)
