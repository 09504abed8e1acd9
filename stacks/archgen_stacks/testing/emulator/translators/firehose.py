"""Firehose delivery streams, created in moto's Firehose.

Emulated: a direct-put or Kinesis-sourced stream delivering to S3 (extended
S3: role, bucket, buffering, compression, prefixes). Any other destination
fails the resource. Not emulated: tags, processing configuration, format
conversion, dynamic partitioning; moto does not deliver records to S3 on a
timer.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int


def _firehose(m: Backend, name: str, i: R) -> tuple[str, R]:
    fname = m.physical_name(i, name)
    kw: R = {"DeliveryStreamName": fname}
    src = i.get("kinesisSourceConfiguration")
    if src:
        kw["DeliveryStreamType"] = "KinesisStreamAsSource"
        kw["KinesisStreamSourceConfiguration"] = {
            "KinesisStreamARN": src["kinesisStreamArn"],
            "RoleARN": src["roleArn"],
        }
    else:
        kw["DeliveryStreamType"] = "DirectPut"
    dest = str(i.get("destination", "extended_s3"))
    conf = i.get("extendedS3Configuration") or {}
    if dest != "extended_s3" or not conf:
        raise ValueError(f"only extended_s3 destinations are emulated, got {dest}")
    s3: R = {
        "RoleARN": conf["roleArn"],
        "BucketARN": conf["bucketArn"],
        "BufferingHints": {
            "IntervalInSeconds": _int(conf.get("bufferingInterval", 300)),
            "SizeInMBs": _int(conf.get("bufferingSize", 5)),
        },
        "CompressionFormat": conf.get("compressionFormat", "UNCOMPRESSED"),
    }
    for srck, dstk in (("prefix", "Prefix"), ("errorOutputPrefix", "ErrorOutputPrefix")):
        if conf.get(srck):
            s3[dstk] = conf[srck]
    kw["ExtendedS3DestinationConfiguration"] = s3
    arn = m.client("firehose").create_delivery_stream(**kw)["DeliveryStreamARN"]
    return arn, {"name": fname, "arn": arn, "destinationId": "destinationId-000000000001"}


HANDLERS: dict[str, Handler] = {
    "kinesis.FirehoseDeliveryStream": _firehose,
}

APPLIED: dict[str, frozenset[str]] = {
    "kinesis.FirehoseDeliveryStream": frozenset(
        {"destination", "extendedS3Configuration", "kinesisSourceConfiguration", "name"}
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, frozenset[str]] = {
    "kinesis.FirehoseDeliveryStream": frozenset({"tags"}),
}
"""Per kind, the inputs knowingly left out of moto (kept in the outputs as given)."""
