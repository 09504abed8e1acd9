"""Every private Pulumi API the emulator relies on, in one place.

The public mocks API (`pulumi.runtime.set_mocks`, `Mocks`) registers
resources but offers no way to run a whole program as a stack, wait for all
of its registrations and read its exports back synchronously; the helpers
below do that with pulumi's own internals, the way `pulumi.runtime.test` does
inside pulumi. The translator tests also read pulumi_aws's input names
through one of them (`input_property_names`). `PINNED` names each one;
`missing()` reports what an installed pulumi lacks, and
tests/emulator/test_pulumi_internals.py fails on it.

Nothing here emulates AWS.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from pulumi import _types
from pulumi.runtime import settings as _settings
from pulumi.runtime import stack as _stack
from pulumi.runtime import sync_await as _sync_await_module

PINNED: dict[str, tuple[Any, str, tuple[str, ...]]] = {
    # name: (module, attribute, the parameters the emulator passes)
    "pulumi.runtime.sync_await._sync_await": (_sync_await_module, "_sync_await", ("awaitable",)),
    "pulumi.runtime.stack.run_pulumi_func": (_stack, "run_pulumi_func", ("func",)),
    "pulumi.runtime.settings.ROOT": (_settings, "ROOT", ()),
    "pulumi.runtime.settings.SETTINGS": (_settings, "SETTINGS", ()),
    "pulumi._types.input_type_py_to_pulumi_names": (
        _types,
        "input_type_py_to_pulumi_names",
        ("input_type_cls",),
    ),
}


def missing() -> list[str]:
    """What the installed pulumi lacks of `PINNED`, one line each; empty when all is there."""
    problems: list[str] = []
    for dotted, (module, attr, params) in PINNED.items():
        value = getattr(module, attr, None)
        if value is None:
            problems.append(f"{dotted} is gone")
            continue
        if params:
            try:
                have = tuple(inspect.signature(value).parameters)
            except (TypeError, ValueError):
                have = ()
            if have[: len(params)] != params:
                problems.append(f"{dotted} takes {have}, the emulator passes {params}")
    settings = getattr(_settings, "SETTINGS", None)
    for attr in ("outputs", "rpc_manager"):
        if settings is not None and not callable(
            getattr(getattr(settings, attr, None), "clear", None)
        ):
            problems.append(f"pulumi.runtime.settings.SETTINGS.{attr}.clear() is gone")
    root = getattr(_settings, "ROOT", None)
    if root is not None and not callable(getattr(root, "set", None)):
        problems.append("pulumi.runtime.settings.ROOT is no longer a ContextVar")
    return problems


def forget_root_stack() -> None:
    """Drop any root stack visible in this context (an earlier deploy's, or the caller's).

    `set_mocks` creates a root stack only when none is set, and the public API
    has no way to unset one; without this, a deploy could register its
    resources under a stack of another run.
    """
    _settings.ROOT.set(None)


def clear_pending_outputs() -> None:
    """Forget output tasks and RPCs left by an earlier (failed) deploy.

    The runtime awaits every output task it knows of before a program ends, so
    a failed deploy's leftovers would re-raise in the next one.
    `pulumi.runtime.test` clears the same two sets; no public call does.
    """
    _settings.SETTINGS.outputs.clear()
    _settings.SETTINGS.rpc_manager.clear()


def clear_output_tasks() -> None:
    """Forget the output tasks of the run just ended, so none lingers into the next."""
    _settings.SETTINGS.outputs.clear()


def root_stack_exports() -> dict[str, Any]:
    """The values `pulumi.export` recorded on the root stack, unresolved.

    `get_root_resource()` is public, but the exports live in the internal
    `Stack.outputs` dict; under mocks they are never read back through an
    engine, so there is no public accessor.
    """
    root = _settings.get_root_resource()
    return dict(getattr(root, "outputs", {}) or {})


def run_program(body: Callable[[], Awaitable[None] | None]) -> None:
    """Run `body` as the Pulumi program and block until every registration has finished.

    `run_pulumi_func` waits for all outstanding RPCs and re-raises the
    program's exception; `_sync_await` drives the event loop from this
    synchronous call. The public `pulumi.runtime.run_in_stack` is a coroutine
    that also creates its own root stack, which `set_mocks` already created.
    """
    _sync_await_module._sync_await(_stack.run_pulumi_func(body))


def input_property_names(args_type: type) -> frozenset[str]:
    """The wire names (camelCase, as the mocks receive them) of a resource's `*Args` inputs.

    Provider SDK classes declare them only through `@pulumi.getter(name=...)`
    on their input types; pulumi has no public reader for that mapping. The
    translator tests use it to check `APPLIED` and `NOT_EMULATED` against
    pulumi_aws.
    """
    return frozenset(_types.input_type_py_to_pulumi_names(args_type).values())


def _unwrap(typ: Any) -> Any:
    """The element type under Input/Output/Optional and any Sequence."""
    import collections.abc as abc
    import typing

    typ = _types.unwrap_type(typ)
    while typing.get_origin(typ) in (list, abc.Sequence):
        (typ,) = typing.get_args(typ)
        typ = _types.unwrap_type(typ)
    if typing.get_origin(typ) is typing.Union:  # an input type or its TypedDict form
        members = [t for t in typing.get_args(typ) if _types.is_input_type(t)]
        typ = members[0] if members else typ
    return typ


def input_path_exists(args_type: type, path: str) -> bool:
    """Whether a dotted input path (`deploymentCircuitBreaker.rollback`, `tags.*`) is real.

    Each step must be a property of the input type reached so far (list items
    share their list's path); a final `*` (passed whole) must stand under a map
    or an object-typed input.
    Read through `pulumi._types`, like `input_property_names`.
    """
    import collections.abc as abc
    import typing

    current: Any = args_type
    for part in path.split("."):
        typ = _unwrap(current)
        if part == "*":
            is_object = isinstance(typ, type) and _types.is_input_type(typ)
            return is_object or typing.get_origin(typ) in (dict, abc.Mapping) or typ is dict
        if not (isinstance(typ, type) and _types.is_input_type(typ)):
            return False
        fields = _types.input_type_types(typ)
        if part not in fields:
            return False
        current = fields[part]
    return True


def reveal_secrets(value: Any) -> Any:
    """`value` with every secret the mocks receive wrapped (`{sig: secret, value: v}`) unwrapped.

    Translators apply plain values; the program still sees its outputs as secrets.
    """
    from pulumi.runtime import rpc

    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return reveal_secrets(value.get("value"))
        return {k: reveal_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal_secrets(v) for v in value]
    return value
