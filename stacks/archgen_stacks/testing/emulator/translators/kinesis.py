"""Kinesis data streams, created in moto's Kinesis.

Emulated: a provisioned or on-demand stream, its shard count, retention above
the default 24 hours, KMS encryption and tags. Other inputs (shard-level
metrics, consumer deletion on destroy) fail strict mode.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int


def _stream(m: Backend, name: str, i: R) -> tuple[str, R]:
    sname = m.physical_name(i, name)
    kin = m.client("kinesis")
    mode = (i.get("streamModeDetails") or {}).get("streamMode", "PROVISIONED")
    kw: R = {"StreamName": sname, "StreamModeDetails": {"StreamMode": mode}}
    if mode == "PROVISIONED":
        kw["ShardCount"] = _int(i.get("shardCount", 1))
    kin.create_stream(**kw)
    if i.get("tags"):  # moto's create_stream drops its Tags parameter
        kin.add_tags_to_stream(
            StreamName=sname, Tags={str(k): str(v) for k, v in i["tags"].items()}
        )
    desc = kin.describe_stream_summary(StreamName=sname)["StreamDescriptionSummary"]
    arn = desc["StreamARN"]
    if i.get("retentionPeriod") and _int(i["retentionPeriod"]) > 24:
        kin.increase_stream_retention_period(
            StreamName=sname, RetentionPeriodHours=_int(i["retentionPeriod"])
        )
    if i.get("encryptionType") == "KMS":
        kin.start_stream_encryption(
            StreamName=sname, EncryptionType="KMS", KeyId=i.get("kmsKeyId") or "alias/aws/kinesis"
        )
    return arn, {"name": sname, "arn": arn}


HANDLERS: dict[str, Handler] = {
    "kinesis.Stream": _stream,
}

APPLIED: dict[str, frozenset[str]] = {
    "kinesis.Stream": frozenset(
        {
            "streamModeDetails.streamMode",
            "tags.*",
            "encryptionType",
            "kmsKeyId",
            "name",
            "retentionPeriod",
            "shardCount",
            "streamModeDetails",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {"kinesis.Stream": {}}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
