"""KMS keys and aliases, created in moto's KMS.

Emulated: a key with its description, key policy, tags and rotation flag; an
alias (given or auto-named) pointing at a key, with the key's real ARN as
`targetKeyArn`. Not emulated: the deletion window (nothing is deleted here),
multi-region keys, custom key stores, key specs other than the default
symmetric key.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _json_text, _tags


def _kms_key(m: Backend, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "Description": i.get("description") or name,
        "Tags": [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in _tags(i)],
    }
    if i.get("policy"):
        kw["Policy"] = _json_text(i["policy"])
    meta = m.client("kms").create_key(**kw)["KeyMetadata"]
    if i.get("enableKeyRotation"):
        m.client("kms").enable_key_rotation(KeyId=meta["KeyId"])
    return meta["KeyId"], {"arn": meta["Arn"], "keyId": meta["KeyId"]}


def _kms_alias(m: Backend, name: str, i: R) -> tuple[str, R]:
    alias = m.physical_name(i, f"alias/{name}")
    m.client("kms").create_alias(AliasName=alias, TargetKeyId=i["targetKeyId"])
    key = m.client("kms").describe_key(KeyId=i["targetKeyId"])["KeyMetadata"]
    arn = f"arn:aws:kms:{m.region}:{m.account_id}:{alias}"
    return alias, {"name": alias, "arn": arn, "targetKeyArn": key["Arn"]}


HANDLERS: dict[str, Handler] = {
    "kms.Key": _kms_key,
    "kms.Alias": _kms_alias,
}

APPLIED: dict[str, frozenset[str]] = {
    "kms.Key": frozenset(
        {
            "tags.*",
            "description",
            "enableKeyRotation",
            "policy",
        }
    ),
    "kms.Alias": frozenset({"name", "namePrefix", "targetKeyId"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "kms.Key": {
        "deletionWindowInDays": "only matters when a key is deleted; nothing is deleted here"
    },
    "kms.Alias": {},
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
