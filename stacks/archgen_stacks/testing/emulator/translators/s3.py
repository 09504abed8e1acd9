"""S3 buckets and the per-bucket configuration resources, created in moto's S3.

Emulated: the bucket (given or auto-named, lower-cased, tags), default
encryption, versioning, the public access block, the bucket policy (stored
as written), lifecycle rules (prefix filter, expiration, transitions,
noncurrent expiration, aborting multipart uploads), access logging and object
ownership.

moto checks a bucket policy on object requests without any request context,
so a statement with a Condition would match every request (the TLS-only Deny
would refuse them all). The emulator therefore makes moto evaluate each
policy as AWS would for a request over TLS (`moto_safe_policy`): an
`aws:SecureTransport` condition is decided as true, and a statement with any
other condition is left out of the evaluation; `get_bucket_policy` still
returns the policy as written.

Access logging is checked as AWS checks it, at the end of the deploy: the
target bucket must grant log delivery (a bucket policy for
`logging.s3.amazonaws.com`, or the log-delivery ACL) by then, whatever order
the resources were created in; the emulator never grants it itself.

Not emulated: `forceDestroy` (nothing is destroyed), the inline legacy bucket
arguments (website, CORS, replication, object lock), lifecycle filters other
than a prefix.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from .._base import Backend, Handler, R
from ._util import _int, _json_text, _tags


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


def _secure_transport_holds(conditions: dict[str, Any]) -> bool | None:
    """Whether a Condition holds for a request over TLS; None when it names anything else."""
    if set(conditions) != {"Bool"} or set(conditions["Bool"]) != {"aws:SecureTransport"}:
        return None
    values = conditions["Bool"]["aws:SecureTransport"]
    values = values if isinstance(values, list) else [values]
    return "true" in [str(v).lower() for v in values]


def moto_safe_policy(policy: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A bucket policy as AWS evaluates it for a TLS request: (what moto evaluates, what not).

    moto 5.x checks a bucket policy's statements without any request context,
    so every Condition fails and the statement matches every request. An
    `aws:SecureTransport` condition is decided here (true: the statement applies
    without its condition; false: it never applies); statements with any other
    condition cannot be decided and are returned apart.
    """
    doc = json.loads(policy) if isinstance(policy, str) else json.loads(json.dumps(policy))
    statements = doc.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept: list[dict[str, Any]] = []
    undecided: list[dict[str, Any]] = []
    for st in statements:
        conditions = st.get("Condition") or {}
        if not conditions:
            kept.append(st)
            continue
        holds = _secure_transport_holds(conditions)
        if holds is None:
            undecided.append(st)
        elif holds:
            kept.append({k: v for k, v in st.items() if k != "Condition"})
    return {**doc, "Statement": kept}, undecided


def _evaluate_as_tls(original: Any) -> Any:
    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return original(self, action, resource)
        text = self.policy.decode() if isinstance(self.policy, bytes) else str(self.policy)
        doc, _ = moto_safe_policy(text)
        saved = self.policy
        self.policy = json.dumps(doc).encode() if doc["Statement"] else None
        try:
            return original(self, action, resource)
        finally:
            self.policy = saved

    get_permission.archgen_tls = True  # type: ignore[attr-defined]
    return get_permission


def _install_policy_evaluation() -> None:
    """Make in-process moto (and a moto server in this process) evaluate as `moto_safe_policy`."""
    from moto.s3.models import FakeBucket

    if not getattr(FakeBucket.get_permission, "archgen_tls", False):
        FakeBucket.get_permission = _evaluate_as_tls(FakeBucket.get_permission)  # type: ignore[method-assign]


def _s3_policy(m: Backend, name: str, i: R) -> tuple[str, R]:
    _install_policy_evaluation()
    m.client("s3").put_bucket_policy(Bucket=i["bucket"], Policy=_json_text(i["policy"]))
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


_LOG_DELIVERY = "logging.s3.amazonaws.com"


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def grants_log_delivery(policy: Any, bucket: str, prefix: str) -> bool:
    """Whether a bucket policy lets S3 server access logging write under `prefix`."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    wanted = {f"arn:aws:s3:::{bucket}/*", f"arn:aws:s3:::{bucket}/{prefix}*"}
    for st in _as_list(doc.get("Statement", [])):
        principal = st.get("Principal") or {}
        services = _as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
        actions = set(_as_list(st.get("Action", [])))
        if (
            st.get("Effect") == "Allow"
            and _LOG_DELIVERY in services
            and actions & {"s3:PutObject", "s3:*", "*"}
            and wanted & set(_as_list(st.get("Resource", [])))
        ):
            return True
    return False


def _s3_logging(m: Backend, name: str, i: R) -> tuple[str, R]:
    s3 = m.client("s3")
    target, prefix = str(i["targetBucket"]), str(i.get("targetPrefix", ""))
    status = {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": prefix}}

    def enable() -> None:
        try:
            s3.put_bucket_logging(Bucket=i["bucket"], BucketLoggingStatus=status)
            return
        except ClientError as err:
            if err.response["Error"]["Code"] != "InvalidTargetBucketForLogging":
                raise
        try:
            policy = s3.get_bucket_policy(Bucket=target)["Policy"]
        except ClientError:
            policy = None
        if policy is None or not grants_log_delivery(policy, target, prefix):
            raise ValueError(
                f"target bucket {target} grants S3 log delivery neither by bucket policy "
                "nor by the log-delivery ACL, so AWS refuses the logging configuration"
            )
        # moto's own check reads a statement's Resource and Principal only as single
        # strings: show it the grant in that form for the call, then restore the policy.
        grant = {
            "Effect": "Allow",
            "Principal": {"Service": _LOG_DELIVERY},
            "Action": ["s3:PutObject"],
            "Resource": f"arn:aws:s3:::{target}/*",
        }
        s3.put_bucket_policy(
            Bucket=target, Policy=json.dumps({"Version": "2012-10-17", "Statement": [grant]})
        )
        try:
            s3.put_bucket_logging(Bucket=i["bucket"], BucketLoggingStatus=status)
        finally:
            s3.put_bucket_policy(Bucket=target, Policy=policy)

    try:
        s3.put_bucket_logging(Bucket=i["bucket"], BucketLoggingStatus=status)
    except ClientError as err:
        if err.response["Error"]["Code"] != "InvalidTargetBucketForLogging":
            raise
        # The grant may come later in the same deploy: AWS's check is against the
        # final state, so check once every resource exists.
        m.after_deploy(enable)
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

_LIFECYCLE_RULE = frozenset(
    {
        "rules",
        "rules.abortIncompleteMultipartUpload",
        "rules.abortIncompleteMultipartUpload.daysAfterInitiation",
        "rules.expiration",
        "rules.expiration.days",
        "rules.filter",
        "rules.filter.prefix",
        "rules.id",
        "rules.noncurrentVersionExpiration",
        "rules.noncurrentVersionExpiration.noncurrentDays",
        "rules.status",
        "rules.transitions",
        "rules.transitions.days",
        "rules.transitions.storageClass",
    }
)

APPLIED: dict[str, frozenset[str]] = {
    "s3.Bucket": frozenset({"bucket", "bucketPrefix", "tags.*"}),
    "s3.BucketV2": frozenset({"bucket", "bucketPrefix", "tags.*"}),
    "s3.BucketServerSideEncryptionConfiguration": frozenset(
        {
            "bucket",
            "rules",
            "rules.applyServerSideEncryptionByDefault",
            "rules.applyServerSideEncryptionByDefault.kmsMasterKeyId",
            "rules.applyServerSideEncryptionByDefault.sseAlgorithm",
            "rules.bucketKeyEnabled",
        }
    ),
    "s3.BucketVersioning": frozenset(
        {"bucket", "versioningConfiguration", "versioningConfiguration.status"}
    ),
    "s3.BucketVersioningV2": frozenset(
        {"bucket", "versioningConfiguration", "versioningConfiguration.status"}
    ),
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
    "s3.BucketLifecycleConfiguration": frozenset({"bucket"}) | _LIFECYCLE_RULE,
    "s3.BucketLifecycleConfigurationV2": frozenset({"bucket"}) | _LIFECYCLE_RULE,
    "s3.BucketLogging": frozenset({"bucket", "targetBucket", "targetPrefix"}),
    "s3.BucketLoggingV2": frozenset({"bucket", "targetBucket", "targetPrefix"}),
    "s3.BucketOwnershipControls": frozenset({"bucket", "rule", "rule.objectOwnership"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""
_DESTROY = "only matters when a bucket is destroyed; nothing is destroyed here"

NOT_EMULATED: dict[str, dict[str, str]] = {
    kind: ({"forceDestroy": _DESTROY} if kind in ("s3.Bucket", "s3.BucketV2") else {})
    for kind in APPLIED
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
