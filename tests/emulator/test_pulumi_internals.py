"""The private Pulumi APIs the emulator relies on are still there, with the signatures it uses."""

from __future__ import annotations

import importlib

import pytest

from archgen_stacks.testing.emulator import _pulumi_internals


def test_every_pinned_private_pulumi_api_is_still_there() -> None:
    problems = _pulumi_internals.missing()
    assert not problems, (
        "the installed pulumi changed private APIs the emulator uses "
        "(see archgen_stacks/testing/emulator/_pulumi_internals.py): " + "; ".join(problems)
    )


def test_the_pins_name_real_dotted_paths() -> None:
    for dotted, (module, attr, _params) in _pulumi_internals.PINNED.items():
        module_name, _, name = dotted.rpartition(".")
        assert name == attr, dotted
        assert importlib.import_module(module_name) is module, dotted


def test_a_vanished_api_is_reported_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    module, attr, _ = _pulumi_internals.PINNED["pulumi.runtime.stack.run_pulumi_func"]
    monkeypatch.delattr(module, attr)
    assert _pulumi_internals.missing() == ["pulumi.runtime.stack.run_pulumi_func is gone"]


def test_a_changed_signature_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    module, attr, _ = _pulumi_internals.PINNED["pulumi.runtime.sync_await._sync_await"]
    monkeypatch.setattr(module, attr, lambda loop, awaitable: None)
    (problem,) = _pulumi_internals.missing()
    assert problem.startswith("pulumi.runtime.sync_await._sync_await takes ('loop', 'awaitable')")
