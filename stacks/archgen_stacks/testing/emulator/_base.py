"""The vocabulary the harness, the translators and the data sources share.

`EmulatorError` is what every failure surfaces as; `Backend` is the part of
`MotoMocks` a translator may use (boto3 clients bound to moto, the region and
account, physical names, the adjustments log), so translators never import
the harness. Nothing here talks to moto or Pulumi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

R = dict[str, Any]
"""Inputs as the mocks receive them (camelCase keys, numbers as floats), or outputs."""


class EmulatorError(RuntimeError):
    """A resource or data source could not be emulated in moto."""


class Backend(Protocol):
    """What a translator needs of the mocks: moto clients and the deploy's bookkeeping."""

    region: str
    adjustments: list[str]

    def client(self, service: str) -> Any:
        """A cached boto3 client bound to moto."""

    @property
    def account_id(self) -> str:
        """Account id of the moto backend."""

    def physical_name(self, inputs: Mapping[str, Any], name: str, key: str = "name") -> str:
        """The name an input sets, else an auto-name derived from the logical name."""

    def after_deploy(self, check: Callable[[], object]) -> None:
        """Run `check` once every resource of the deploy exists (at once outside `deploy`)."""


Handler = Callable[[Backend, str, R], tuple[str, R]]
"""Creates one resource in moto: (mocks, logical name, inputs) -> (id, extra outputs)."""
