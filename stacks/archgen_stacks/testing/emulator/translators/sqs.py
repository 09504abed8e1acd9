"""SQS queues and queue policies, created in moto's SQS.

Emulated: a standard or FIFO queue with its timeouts, retention, delay,
maximum size, long polling, encryption (KMS or SQS-managed), redrive policy
and access policy, tags; a queue policy. Other inputs (content-based
deduplication, redrive allow policies) fail strict mode.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int, _json_text


def _queue(m: Backend, name: str, i: R) -> tuple[str, R]:
    qname = m.physical_name(i, name)
    if i.get("fifoQueue") and not qname.endswith(".fifo"):
        qname += ".fifo"
    attrs: R = {}
    for src, dst in (
        ("visibilityTimeoutSeconds", "VisibilityTimeout"),
        ("messageRetentionSeconds", "MessageRetentionPeriod"),
        ("delaySeconds", "DelaySeconds"),
        ("maxMessageSize", "MaximumMessageSize"),
        ("receiveWaitTimeSeconds", "ReceiveMessageWaitTimeSeconds"),
        ("kmsDataKeyReusePeriodSeconds", "KmsDataKeyReusePeriodSeconds"),
    ):
        if i.get(src) is not None:
            attrs[dst] = str(_int(i[src]))
    if i.get("fifoQueue"):
        attrs["FifoQueue"] = "true"
    if i.get("kmsMasterKeyId"):
        attrs["KmsMasterKeyId"] = i["kmsMasterKeyId"]
    if i.get("sqsManagedSseEnabled") is not None:
        attrs["SqsManagedSseEnabled"] = str(bool(i["sqsManagedSseEnabled"])).lower()
    if i.get("redrivePolicy"):
        attrs["RedrivePolicy"] = _json_text(i["redrivePolicy"])
    if i.get("policy"):
        attrs["Policy"] = _json_text(i["policy"])
    sqs = m.client("sqs")
    kw: R = {"QueueName": qname, "Attributes": attrs}
    if i.get("tags"):
        kw["tags"] = {str(k): str(v) for k, v in i["tags"].items()}
    url = sqs.create_queue(**kw)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, {"name": qname, "arn": arn, "url": url}


def _queue_policy(m: Backend, name: str, i: R) -> tuple[str, R]:
    m.client("sqs").set_queue_attributes(
        QueueUrl=i["queueUrl"], Attributes={"Policy": _json_text(i["policy"])}
    )
    return str(i["queueUrl"]), {}


HANDLERS: dict[str, Handler] = {
    "sqs.Queue": _queue,
    "sqs.QueuePolicy": _queue_policy,
}

APPLIED: dict[str, frozenset[str]] = {
    "sqs.Queue": frozenset(
        {
            "tags.*",
            "delaySeconds",
            "fifoQueue",
            "kmsDataKeyReusePeriodSeconds",
            "kmsMasterKeyId",
            "maxMessageSize",
            "messageRetentionSeconds",
            "name",
            "namePrefix",
            "policy",
            "receiveWaitTimeSeconds",
            "redrivePolicy",
            "sqsManagedSseEnabled",
            "visibilityTimeoutSeconds",
        }
    ),
    "sqs.QueuePolicy": frozenset({"policy", "queueUrl"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {"sqs.Queue": {}, "sqs.QueuePolicy": {}}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
