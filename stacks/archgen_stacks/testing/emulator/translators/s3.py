"""S3 buckets and the per-bucket configuration resources, created in moto's S3.

Emulated: the bucket (given or auto-named, lower-cased, tags), default
encryption, versioning, the public access block, the bucket policy, lifecycle
rules (prefix filter, expiration, transitions, noncurrent expiration, aborting
multipart uploads), access logging and object ownership. moto evaluates a
Deny's Condition only for StringEquals, so conditional Deny statements are
kept out of moto (`moto_safe_policy`, recorded in `MotoMocks.adjustments`);
a logging target that grants log delivery nothing yet is given the
log-delivery ACL (also recorded). Not emulated: `forceDestroy` (nothing is
destroyed), the inline legacy bucket arguments (website, CORS, replication,
object lock), lifecycle filters other than a prefix.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from .._base import Backend, Handler, R
from ._util import _int, _tags


def _s3_bucket(m: Backend, name: str, i: R) -> tuple[str, R]:
    bucket = m.physical_name(i, name, "bucket").lower()
    kw: R = {"Bucket": bucket}
    if m.region != "us-east-1":
        kw["CreateBucketConfiguration"] = {"LocationConstraint": m.region}
    m.client("s3").create_bucket(**kw)
    if i.get("tags"):
        m.client("s3").put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _tags(i)})
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{m.region}.amazonaws.com",
        "region": m.region,
        "hostedZoneId": "Z3AQBSTGFYJSTF",
    }


def _s3_sse(m: Backend, name: str, i: R) -> tuple[str, R]:
    rules = []
    for rule in i.get("rules") or []:
        default = rule.get("applyServerSideEncryptionByDefault") or {}
        by_default: R = {"SSEAlgorithm": default.get("sseAlgorithm", "AES256")}
        if default.get("kmsMasterKeyId"):
            by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
        rules.append(
            {
                "ApplyServerSideEncryptionByDefault": by_default,
                "BucketKeyEnabled": bool(rule.get("bucketKeyEnabled", False)),
            }
        )
    m.client("s3").put_bucket_encryption(
        Bucket=i["bucket"], ServerSideEncryptionConfiguration={"Rules": rules}
    )
    return str(i["bucket"]), {}


def _s3_versioning(m: Backend, name: str, i: R) -> tuple[str, R]:
    status = (i.get("versioningConfiguration") or {}).get("status", "Enabled")
    m.client("s3").put_bucket_versioning(
        Bucket=i["bucket"], VersioningConfiguration={"Status": status}
    )
    return str(i["bucket"]), {}


def _s3_pab(m: Backend, name: str, i: R) -> tuple[str, R]:
    keys = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    conf = {k[0].upper() + k[1:]: bool(i.get(k, False)) for k in keys}
    m.client("s3").put_public_access_block(Bucket=i["bucket"], PublicAccessBlockConfiguration=conf)
    return str(i["bucket"]), {}


def moto_safe_policy(policy: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Split a bucket policy into what moto can hold and the conditional Deny statements.

    moto 5.x applies a Deny statement's Condition only for StringEquals and
    ignores every other operator, so a Deny such as "no TLS" (`Bool
    aws:SecureTransport false`) would refuse every request. Those statements
    are kept out of moto; the resource's outputs keep the policy as written.
    """
    doc = json.loads(policy) if isinstance(policy, str) else json.loads(json.dumps(policy))
    statements = doc.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for st in statements:
        conditions = st.get("Condition") or {}
        evaluable = set(conditions) <= {"StringEquals"}
        (kept if st.get("Effect") != "Deny" or evaluable else dropped).append(st)
    return {**doc, "Statement": kept}, dropped


def _s3_policy(m: Backend, name: str, i: R) -> tuple[str, R]:
    doc, dropped = moto_safe_policy(i["policy"])
    for st in dropped:
        m.adjustments.append(
            f"s3.BucketPolicy {name!r}: conditional Deny {st.get('Sid', '')!r} kept out of moto"
        )
    if doc["Statement"]:
        m.client("s3").put_bucket_policy(Bucket=i["bucket"], Policy=json.dumps(doc))
    return str(i["bucket"]), {}


def _s3_lifecycle(m: Backend, name: str, i: R) -> tuple[str, R]:
    rules = []
    for rule in i.get("rules") or []:
        out: R = {"ID": rule.get("id", name), "Status": rule.get("status", "Enabled")}
        filt = rule.get("filter") or {}
        out["Filter"] = {"Prefix": filt.get("prefix", "")}
        if rule.get("expiration", {}).get("days"):
            out["Expiration"] = {"Days": _int(rule["expiration"]["days"])}
        if rule.get("transitions"):
            out["Transitions"] = [
                {"Days": _int(t.get("days", 0)), "StorageClass": t["storageClass"]}
                for t in rule["transitions"]
            ]
        nce = rule.get("noncurrentVersionExpiration") or {}
        if nce.get("noncurrentDays"):
            out["NoncurrentVersionExpiration"] = {"NoncurrentDays": _int(nce["noncurrentDays"])}
        abort = rule.get("abortIncompleteMultipartUpload") or {}
        if abort.get("daysAfterInitiation"):
            out["AbortIncompleteMultipartUpload"] = {
                "DaysAfterInitiation": _int(abort["daysAfterInitiation"])
            }
        rules.append(out)
    m.client("s3").put_bucket_lifecycle_configuration(
        Bucket=i["bucket"], LifecycleConfiguration={"Rules": rules}
    )
    return str(i["bucket"]), {}


def _s3_logging(m: Backend, name: str, i: R) -> tuple[str, R]:
    s3 = m.client("s3")
    status = {
        "LoggingEnabled": {
            "TargetBucket": i["targetBucket"],
            "TargetPrefix": i.get("targetPrefix", ""),
        }
    }
    try:
        s3.put_bucket_logging(Bucket=i["bucket"], BucketLoggingStatus=status)
    except ClientError as err:
        if err.response["Error"]["Code"] != "InvalidTargetBucketForLogging":
            raise
        # The target grants log delivery neither by policy nor by ACL. The
        # program may grant it later in the same deploy (or not at all); moto
        # checks at once, so grant the log-delivery ACL and say so.
        s3.put_bucket_acl(
            Bucket=i["targetBucket"],
            GrantWrite="uri=http://acs.amazonaws.com/groups/s3/LogDelivery",
            GrantReadACP="uri=http://acs.amazonaws.com/groups/s3/LogDelivery",
        )
        m.adjustments.append(
            f"s3.BucketLogging {name!r}: log-delivery ACL granted on {i['targetBucket']}"
        )
        s3.put_bucket_logging(Bucket=i["bucket"], BucketLoggingStatus=status)
    return str(i["bucket"]), {}


def _s3_ownership(m: Backend, name: str, i: R) -> tuple[str, R]:
    owner = (i.get("rule") or {}).get("objectOwnership", "BucketOwnerEnforced")
    m.client("s3").put_bucket_ownership_controls(
        Bucket=i["bucket"], OwnershipControls={"Rules": [{"ObjectOwnership": owner}]}
    )
    return str(i["bucket"]), {}


HANDLERS: dict[str, Handler] = {
    "s3.Bucket": _s3_bucket,
    "s3.BucketV2": _s3_bucket,
    "s3.BucketServerSideEncryptionConfiguration": _s3_sse,
    "s3.BucketVersioning": _s3_versioning,
    "s3.BucketVersioningV2": _s3_versioning,
    "s3.BucketPublicAccessBlock": _s3_pab,
    "s3.BucketPolicy": _s3_policy,
    "s3.BucketLifecycleConfiguration": _s3_lifecycle,
    "s3.BucketLifecycleConfigurationV2": _s3_lifecycle,
    "s3.BucketLogging": _s3_logging,
    "s3.BucketLoggingV2": _s3_logging,
    "s3.BucketOwnershipControls": _s3_ownership,
}

APPLIED: dict[str, frozenset[str]] = {
    "s3.Bucket": frozenset({"bucket", "bucketPrefix", "tags"}),
    "s3.BucketV2": frozenset({"bucket", "bucketPrefix", "tags"}),
    "s3.BucketServerSideEncryptionConfiguration": frozenset({"bucket", "rules"}),
    "s3.BucketVersioning": frozenset({"bucket", "versioningConfiguration"}),
    "s3.BucketVersioningV2": frozenset({"bucket", "versioningConfiguration"}),
    "s3.BucketPublicAccessBlock": frozenset(
        {
            "blockPublicAcls",
            "blockPublicPolicy",
            "bucket",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        }
    ),
    "s3.BucketPolicy": frozenset({"bucket", "policy"}),
    "s3.BucketLifecycleConfiguration": frozenset({"bucket", "rules"}),
    "s3.BucketLifecycleConfigurationV2": frozenset({"bucket", "rules"}),
    "s3.BucketLogging": frozenset({"bucket", "targetBucket", "targetPrefix"}),
    "s3.BucketLoggingV2": frozenset({"bucket", "targetBucket", "targetPrefix"}),
    "s3.BucketOwnershipControls": frozenset({"bucket", "rule"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, frozenset[str]] = {
    "s3.Bucket": frozenset({"forceDestroy"}),
    "s3.BucketV2": frozenset({"forceDestroy"}),
    "s3.BucketServerSideEncryptionConfiguration": frozenset(),
    "s3.BucketVersioning": frozenset(),
    "s3.BucketVersioningV2": frozenset(),
    "s3.BucketPublicAccessBlock": frozenset(),
    "s3.BucketPolicy": frozenset(),
    "s3.BucketLifecycleConfiguration": frozenset(),
    "s3.BucketLifecycleConfigurationV2": frozenset(),
    "s3.BucketLogging": frozenset(),
    "s3.BucketLoggingV2": frozenset(),
    "s3.BucketOwnershipControls": frozenset(),
}
"""Per kind, the inputs knowingly left out of moto (kept in the outputs as given)."""
