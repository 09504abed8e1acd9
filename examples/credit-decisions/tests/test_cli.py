"""The local tools write a dataset, a model and an input file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from credit_decisions import data, storage
from credit_decisions.__main__ import main
from credit_decisions.config import Settings
from credit_decisions.model import SpecModel


def test_generate_and_train(tmp_path: Path) -> None:
    assert main(["generate", "--rows", "300", "--out", str(tmp_path / "a.csv")]) == 0
    assert len(data.read_csv((tmp_path / "a.csv").read_bytes())) == 300
    assert main(["train", "--rows", "2000", "--out", str(tmp_path / "m"), "--version", "v9"]) == 0
    assert SpecModel.load(tmp_path / "m").metadata.version == "v9"


def test_upload_puts_input_where_the_scorer_reads(buckets: Any, settings: Settings) -> None:
    assert main(["upload", "--rows", "50", "--run-date", "2024-02-03"]) == 0
    key = storage.part_key(settings.raw_prefix, date(2024, 2, 3), 0)
    assert len(data.read_csv(storage.get_bytes(buckets, settings.raw_bucket, key))) == 50


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--rows", "0", "--out", str(tmp_path / "x.csv")]) == 1
    assert capsys.readouterr().err.strip() == "error: rows must be at least 1"
