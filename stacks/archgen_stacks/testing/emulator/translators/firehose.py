"""Firehose delivery streams, created in moto's Firehose.

Emulated: a direct-put or Kinesis-sourced stream delivering to S3 (extended
S3: role, bucket, buffering, compression, prefixes, KMS key, CloudWatch
error logging), server-side encryption of the stream, tags. Error logging
must name a log group and stream that exist once the deploy is done: AWS
accepts any names and then drops the errors. Any other
destination fails the resource, and so does an input below the S3
configuration that is not applied (processing, format conversion, dynamic
partitioning). moto does not deliver records to S3 on a timer.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int, _tags


def _log_stream_exists(m: Backend, group: str, stream: str) -> None:
    logs = m.client("logs")
    found = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=stream)
    if stream not in [s["logStreamName"] for s in found["logStreams"]]:
        raise ValueError(
            f"error logging names log stream {stream!r} of {group!r}, which no resource "
            "creates: Firehose would drop its delivery errors"
        )


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
    if conf.get("kmsKeyArn"):
        s3["EncryptionConfiguration"] = {"KMSEncryptionConfig": {"AWSKMSKeyARN": conf["kmsKeyArn"]}}
    logging = conf.get("cloudwatchLoggingOptions") or {}
    if logging.get("enabled"):
        group, stream = logging.get("logGroupName"), logging.get("logStreamName")
        m.after_deploy(lambda: _log_stream_exists(m, str(group), str(stream)))
    if logging:
        s3["CloudWatchLoggingOptions"] = {
            "Enabled": bool(logging.get("enabled", False)),
            **({"LogGroupName": logging["logGroupName"]} if logging.get("logGroupName") else {}),
            **({"LogStreamName": logging["logStreamName"]} if logging.get("logStreamName") else {}),
        }
    kw["ExtendedS3DestinationConfiguration"] = s3
    sse = i.get("serverSideEncryption") or {}
    if sse.get("enabled"):
        key: R = {"KeyType": sse.get("keyType", "AWS_OWNED_CMK")}
        if sse.get("keyArn"):
            key["KeyARN"] = sse["keyArn"]
        kw["DeliveryStreamEncryptionConfigurationInput"] = key
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    arn = m.client("firehose").create_delivery_stream(**kw)["DeliveryStreamARN"]
    return arn, {"name": fname, "arn": arn, "destinationId": "destinationId-000000000001"}


HANDLERS: dict[str, Handler] = {
    "kinesis.FirehoseDeliveryStream": _firehose,
}

APPLIED: dict[str, frozenset[str]] = {
    "kinesis.FirehoseDeliveryStream": frozenset(
        {
            "extendedS3Configuration.bucketArn",
            "extendedS3Configuration.bufferingInterval",
            "extendedS3Configuration.bufferingSize",
            "extendedS3Configuration.cloudwatchLoggingOptions",
            "extendedS3Configuration.cloudwatchLoggingOptions.enabled",
            "extendedS3Configuration.cloudwatchLoggingOptions.logGroupName",
            "extendedS3Configuration.cloudwatchLoggingOptions.logStreamName",
            "extendedS3Configuration.compressionFormat",
            "extendedS3Configuration.errorOutputPrefix",
            "extendedS3Configuration.kmsKeyArn",
            "extendedS3Configuration.prefix",
            "extendedS3Configuration.roleArn",
            "kinesisSourceConfiguration.kinesisStreamArn",
            "kinesisSourceConfiguration.roleArn",
            "serverSideEncryption",
            "serverSideEncryption.enabled",
            "serverSideEncryption.keyArn",
            "serverSideEncryption.keyType",
            "tags.*",
            "destination",
            "extendedS3Configuration",
            "kinesisSourceConfiguration",
            "name",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {"kinesis.FirehoseDeliveryStream": {}}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
