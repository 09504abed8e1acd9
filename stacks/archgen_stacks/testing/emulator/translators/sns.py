"""SNS topics, subscriptions and topic policies, created in moto's SNS.

Emulated: a topic with its KMS key and tags, a subscription (protocol and
endpoint) and a topic policy. Other topic inputs (FIFO topics, delivery
feedback roles and delivery policies) fail strict mode.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _json_text, _tags


def _topic(m: Backend, name: str, i: R) -> tuple[str, R]:
    tname = m.physical_name(i, name)
    attrs: R = {}
    if i.get("kmsMasterKeyId"):
        attrs["KmsMasterKeyId"] = i["kmsMasterKeyId"]
    kw: R = {"Name": tname, "Attributes": attrs}
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    arn = m.client("sns").create_topic(**kw)["TopicArn"]
    return arn, {"name": tname, "arn": arn, "owner": m.account_id}


def _subscription(m: Backend, name: str, i: R) -> tuple[str, R]:
    out = m.client("sns").subscribe(
        TopicArn=i["topic"],
        Protocol=i["protocol"],
        Endpoint=i["endpoint"],
        ReturnSubscriptionArn=True,
    )
    arn = out["SubscriptionArn"]
    return arn, {"arn": arn, "ownerId": m.account_id}


def _topic_policy(m: Backend, name: str, i: R) -> tuple[str, R]:
    m.client("sns").set_topic_attributes(
        TopicArn=i["arn"], AttributeName="Policy", AttributeValue=_json_text(i["policy"])
    )
    return str(i["arn"]), {"owner": m.account_id}


HANDLERS: dict[str, Handler] = {
    "sns.Topic": _topic,
    "sns.TopicSubscription": _subscription,
    "sns.TopicPolicy": _topic_policy,
}

APPLIED: dict[str, frozenset[str]] = {
    "sns.Topic": frozenset({"tags.*", "kmsMasterKeyId", "name", "namePrefix"}),
    "sns.TopicSubscription": frozenset({"endpoint", "protocol", "topic"}),
    "sns.TopicPolicy": frozenset({"arn", "policy"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "sns.Topic": {},
    "sns.TopicSubscription": {},
    "sns.TopicPolicy": {},
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
