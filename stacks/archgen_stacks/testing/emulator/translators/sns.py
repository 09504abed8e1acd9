"""SNS topics, subscriptions and topic policies, created in moto's SNS.

Emulated: a topic with its KMS key, a subscription (protocol and endpoint)
and a topic policy. Not emulated: tags, FIFO topics, delivery feedback roles
and delivery policies.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _json_text


def _topic(m: Backend, name: str, i: R) -> tuple[str, R]:
    tname = m.physical_name(i, name)
    attrs: R = {}
    if i.get("kmsMasterKeyId"):
        attrs["KmsMasterKeyId"] = i["kmsMasterKeyId"]
    arn = m.client("sns").create_topic(Name=tname, Attributes=attrs)["TopicArn"]
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
    "sns.Topic": frozenset({"kmsMasterKeyId", "name", "namePrefix"}),
    "sns.TopicSubscription": frozenset({"endpoint", "protocol", "topic"}),
    "sns.TopicPolicy": frozenset({"arn", "policy"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, frozenset[str]] = {
    "sns.Topic": frozenset({"tags"}),
    "sns.TopicSubscription": frozenset(),
    "sns.TopicPolicy": frozenset(),
}
"""Per kind, the inputs knowingly left out of moto (kept in the outputs as given)."""
