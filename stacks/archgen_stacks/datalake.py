"""The data lake: one bucket per stage of the ML data flow, encrypted, versioned and private.

raw (inputs) -> features -> models -> predictions, plus an archive (stream and
prediction history) and an access-log bucket that records reads and writes of
the other five.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .common import Bucket, current_account, document, source_account, statement
from .edge import lb_log_delivery

DATA_BUCKETS = ("raw", "features", "models", "predictions", "archive")
"""The data buckets, in the order data flows through them."""


@dataclass(frozen=True)
class DataLakeArgs:
    """Retention and encryption of the lake; every number comes from StackSettings."""

    kms_key_arn: pulumi.Input[str]
    tags: Mapping[str, str] = field(default_factory=dict)
    raw_expiration_days: int = 365
    archive_transition_days: int = 30
    noncurrent_version_expiration_days: int = 90
    access_log_expiration_days: int = 365
    force_destroy: bool = False
    lb_log_prefixes: tuple[str, ...] = ()
    """Prefixes under which this account's load balancers may write access logs to the
    access-log bucket (one per load balancer; empty: the bucket grants no load balancer)."""

    def validate(self) -> None:
        """Reject lifecycle numbers S3 refuses (every period is at least a day)."""
        for attr in (
            "raw_expiration_days",
            "archive_transition_days",
            "noncurrent_version_expiration_days",
            "access_log_expiration_days",
        ):
            if getattr(self, attr) < 1:
                raise ValueError(f"DataLakeArgs.{attr} must be at least 1 day")


class DataLake(pulumi.ComponentResource):
    """Five KMS-encrypted, versioned, TLS-only, private buckets with lifecycle and logs."""

    buckets: dict[str, aws.s3.Bucket]
    log_bucket: aws.s3.Bucket
    log_bucket_ready: pulumi.Output[str]
    """The access-log bucket's name, known once its policy grants log delivery: a load
    balancer given this name is created after the grant, as AWS requires."""

    def __init__(self, name: str, args: DataLakeArgs, opts: pulumi.ResourceOptions | None = None):
        args.validate()
        super().__init__("archgen:datalake:DataLake", name, None, opts)
        self._name = name
        self._args = args
        self._account = current_account(pulumi.InvokeOptions(parent=self))
        self.log_bucket = self._bucket("access-logs", kms=False, rules=self._log_rules())
        policy = self._grant_log_delivery()
        self.log_bucket_ready = pulumi.Output.all(self.log_bucket.bucket, policy.id).apply(
            lambda values: str(values[0])
        )
        self.buckets = {}
        for kind in DATA_BUCKETS:
            bucket = self._bucket(kind, kms=True, rules=self._rules(kind))
            aws.s3.BucketLogging(
                f"{name}-{kind}-logging",
                bucket=bucket.id,
                target_bucket=self.log_bucket.id,
                target_prefix=f"{kind}/",
                # S3 delivers access logs only once the log bucket's policy grants it
                opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
            )
            self.buckets[kind] = bucket
        self.register_outputs(
            {
                "bucket_names": {k: b.bucket for k, b in self.buckets.items()},
                "log_bucket": self.log_bucket.bucket,
            }
        )

    def ref(self, kind: str) -> Bucket:
        """Name and ARN of one data bucket, for other components' args."""
        bucket = self.buckets[kind]
        return Bucket(name=bucket.bucket, arn=bucket.arn)

    @property
    def bucket_names(self) -> dict[str, pulumi.Output[str]]:
        """kind -> physical bucket name."""
        return {k: b.bucket for k, b in self.buckets.items()}

    # -- pieces --------------------------------------------------------------
    def _bucket(self, kind: str, *, kms: bool, rules: list[Any]) -> aws.s3.Bucket:
        name = f"{self._name}-{kind}"
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            name,
            force_destroy=self._args.force_destroy,
            tags={**dict(self._args.tags), "archgen:bucket": kind},
            opts=child,
        )
        by_default: Any = (
            {"sse_algorithm": "aws:kms", "kms_master_key_id": self._args.kms_key_arn}
            if kms
            else {"sse_algorithm": "AES256"}  # S3 access-log delivery supports SSE-S3 only
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-sse",
            bucket=bucket.id,
            rules=[
                {"apply_server_side_encryption_by_default": by_default, "bucket_key_enabled": kms}
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration={"status": "Enabled"},
            opts=child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle", bucket=bucket.id, rules=rules, opts=child
        )
        if kms:
            aws.s3.BucketPolicy(
                f"{name}-policy",
                bucket=bucket.id,
                policy=document([tls_only(bucket.arn)]),
                opts=child,
            )
        return bucket

    def _grant_log_delivery(self) -> aws.s3.BucketPolicy:
        bucket = self.log_bucket
        account = self._account
        statements = [
            tls_only(bucket.arn),
            statement(
                ["s3:PutObject"],
                [pulumi.Output.concat(bucket.arn, "/*")],
                principal={"Service": "logging.s3.amazonaws.com"},
                condition=source_account(account.account_id),
                sid="S3ServerAccessLogDelivery",
            ),
        ]
        statements += [
            lb_log_delivery(
                bucket.arn, prefix, account_id=account.account_id, region=account.region
            )
            for prefix in self._args.lb_log_prefixes
        ]
        return aws.s3.BucketPolicy(
            f"{self._name}-access-logs-policy",
            bucket=bucket.id,
            policy=document(statements),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _common_rules(self) -> list[dict[str, Any]]:
        return [
            {
                "id": "noncurrent-versions",
                "status": "Enabled",
                "filter": {},
                "noncurrent_version_expiration": {
                    "noncurrent_days": self._args.noncurrent_version_expiration_days
                },
                "abort_incomplete_multipart_upload": {"days_after_initiation": 7},
            }
        ]

    def _rules(self, kind: str) -> list[dict[str, Any]]:
        rules = self._common_rules()
        if kind == "raw":
            rules.append(
                {
                    "id": "expire-raw",
                    "status": "Enabled",
                    "filter": {},
                    "expiration": {"days": self._args.raw_expiration_days},
                }
            )
        if kind == "archive":
            rules.append(
                {
                    "id": "archive-to-glacier-ir",
                    "status": "Enabled",
                    "filter": {},
                    "transitions": [
                        {"days": self._args.archive_transition_days, "storage_class": "GLACIER_IR"}
                    ],
                }
            )
        return rules

    def _log_rules(self) -> list[dict[str, Any]]:
        return [
            *self._common_rules(),
            {
                "id": "expire-access-logs",
                "status": "Enabled",
                "filter": {},
                "expiration": {"days": self._args.access_log_expiration_days},
            },
        ]


def tls_only(bucket_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Deny every request to the bucket and its objects that does not use TLS."""
    return statement(
        ["s3:*"],
        [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        effect="Deny",
        principal={"AWS": "*"},
        condition={"Bool": {"aws:SecureTransport": "false"}},
        sid="DenyInsecureTransport",
    )
