"""DynamoDB tables, created in moto's DynamoDB.

Emulated: keys, attributes, billing mode and capacity, streams, server-side
encryption, global secondary indexes, deletion protection, tags, TTL and
point-in-time recovery. Not emulated: local secondary indexes, replicas,
table classes, imports from S3.
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _int, _tags


def _table(m: Backend, name: str, i: R) -> tuple[str, R]:
    tname = m.physical_name(i, name)
    keys = [{"AttributeName": i["hashKey"], "KeyType": "HASH"}]
    if i.get("rangeKey"):
        keys.append({"AttributeName": i["rangeKey"], "KeyType": "RANGE"})
    billing = i.get("billingMode", "PROVISIONED")
    kw: R = {
        "TableName": tname,
        "KeySchema": keys,
        "BillingMode": billing,
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]}
            for a in i.get("attributes") or []
        ],
    }
    if billing == "PROVISIONED":
        kw["ProvisionedThroughput"] = {
            "ReadCapacityUnits": _int(i.get("readCapacity", 1)),
            "WriteCapacityUnits": _int(i.get("writeCapacity", 1)),
        }
    if i.get("streamEnabled"):
        kw["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": i.get("streamViewType", "NEW_AND_OLD_IMAGES"),
        }
    sse = i.get("serverSideEncryption") or {}
    if sse.get("enabled"):
        kw["SSESpecification"] = {
            "Enabled": True,
            "SSEType": "KMS",
            **({"KMSMasterKeyId": sse["kmsKeyArn"]} if sse.get("kmsKeyArn") else {}),
        }
    if i.get("globalSecondaryIndexes"):
        kw["GlobalSecondaryIndexes"] = [_gsi(g, billing) for g in i["globalSecondaryIndexes"]]
    if i.get("deletionProtectionEnabled") is not None:
        kw["DeletionProtectionEnabled"] = bool(i["deletionProtectionEnabled"])
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    ddb = m.client("dynamodb")
    table = ddb.create_table(**kw)["TableDescription"]
    ttl = i.get("ttl") or {}
    if ttl.get("enabled") and ttl.get("attributeName"):
        ddb.update_time_to_live(
            TableName=tname,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
        )
    if (i.get("pointInTimeRecovery") or {}).get("enabled"):
        ddb.update_continuous_backups(
            TableName=tname, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return tname, {
        "name": tname,
        "arn": table["TableArn"],
        "streamArn": table.get("LatestStreamArn", ""),
        "streamLabel": table.get("LatestStreamLabel", ""),
    }


def _gsi(g: R, billing: str) -> R:
    keys = [{"AttributeName": g["hashKey"], "KeyType": "HASH"}]
    if g.get("rangeKey"):
        keys.append({"AttributeName": g["rangeKey"], "KeyType": "RANGE"})
    out: R = {
        "IndexName": g["name"],
        "KeySchema": keys,
        "Projection": {"ProjectionType": g.get("projectionType", "ALL")},
    }
    if g.get("nonKeyAttributes"):
        out["Projection"]["NonKeyAttributes"] = list(g["nonKeyAttributes"])
    if billing == "PROVISIONED":
        out["ProvisionedThroughput"] = {
            "ReadCapacityUnits": _int(g.get("readCapacity", 1)),
            "WriteCapacityUnits": _int(g.get("writeCapacity", 1)),
        }
    return out


HANDLERS: dict[str, Handler] = {
    "dynamodb.Table": _table,
}

APPLIED: dict[str, frozenset[str]] = {
    "dynamodb.Table": frozenset(
        {
            "attributes.name",
            "attributes.type",
            "globalSecondaryIndexes.hashKey",
            "globalSecondaryIndexes.name",
            "globalSecondaryIndexes.nonKeyAttributes",
            "globalSecondaryIndexes.projectionType",
            "globalSecondaryIndexes.rangeKey",
            "globalSecondaryIndexes.readCapacity",
            "globalSecondaryIndexes.writeCapacity",
            "pointInTimeRecovery.enabled",
            "serverSideEncryption.enabled",
            "serverSideEncryption.kmsKeyArn",
            "tags.*",
            "ttl.attributeName",
            "ttl.enabled",
            "attributes",
            "billingMode",
            "deletionProtectionEnabled",
            "globalSecondaryIndexes",
            "hashKey",
            "name",
            "pointInTimeRecovery",
            "rangeKey",
            "readCapacity",
            "serverSideEncryption",
            "streamEnabled",
            "streamViewType",
            "ttl",
            "writeCapacity",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {"dynamodb.Table": {}}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
