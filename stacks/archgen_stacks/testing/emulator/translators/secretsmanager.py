"""Secrets Manager secrets, created in moto's Secrets Manager.

Emulated: a secret (given or prefix-named) with its description, KMS key and
tags, created without a value as the stack creates it (a team puts the value
later with `put-secret-value`). Not emulated: the recovery window (moto
deletes at once), replicas, resource policies and rotation.
"""

from __future__ import annotations

from .._base import Backend, Handler, R


def _secret(m: Backend, name: str, i: R) -> tuple[str, R]:
    sname = m.physical_name(i, name)
    kw: R = {"Name": sname}
    if i.get("description"):
        kw["Description"] = str(i["description"])
    if i.get("kmsKeyId"):
        kw["KmsKeyId"] = str(i["kmsKeyId"])
    if i.get("tags"):
        kw["Tags"] = [{"Key": str(k), "Value": str(v)} for k, v in i["tags"].items()]
    arn = m.client("secretsmanager").create_secret(**kw)["ARN"]
    return arn, {"name": sname, "arn": arn}


HANDLERS: dict[str, Handler] = {"secretsmanager.Secret": _secret}

APPLIED: dict[str, frozenset[str]] = {
    "secretsmanager.Secret": frozenset({"description", "kmsKeyId", "name", "namePrefix", "tags.*"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "secretsmanager.Secret": {
        "recoveryWindowInDays": "only matters when the secret is deleted",
    },
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
