"""The data lake: encryption, versioning, privacy, TLS-only policy, lifecycle, logging."""

from __future__ import annotations

import json

import pytest

from archgen_stacks.datalake import DATA_BUCKETS, DataLake, DataLakeArgs


def build() -> DataLake:
    return DataLake(
        "lake",
        DataLakeArgs(
            kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/k",
            tags={"team": "ml"},
            raw_expiration_days=11,
            archive_transition_days=45,
            noncurrent_version_expiration_days=13,
        ),
    )


def test_every_data_bucket_is_kms_encrypted_versioned_private_and_logged(mocked) -> None:
    run = mocked(build)
    buckets = run.of("aws:s3/bucket:Bucket")
    assert len(buckets) == len(DATA_BUCKETS) + 1
    for kind in DATA_BUCKETS:
        bucket = run.named(f"lake-{kind}")
        name = bucket.outputs["bucket"]
        assert bucket.inputs["tags"]["team"] == "ml"
        assert run.parents[f"lake-{kind}"] == "lake"
        sse = run.named(f"lake-{kind}-sse").inputs
        assert sse["bucket"] == name
        rule = sse["rules"][0]["applyServerSideEncryptionByDefault"]
        assert rule == {
            "sseAlgorithm": "aws:kms",
            "kmsMasterKeyId": "arn:aws:kms:eu-west-1:123456789012:key/k",
        }
        assert run.named(f"lake-{kind}-versioning").inputs["versioningConfiguration"] == {
            "status": "Enabled"
        }
        pab = run.named(f"lake-{kind}-public-access").inputs
        assert pab["bucket"] == name
        assert all(
            pab[k] is True
            for k in (
                "blockPublicAcls",
                "blockPublicPolicy",
                "ignorePublicAcls",
                "restrictPublicBuckets",
            )
        )
        policy = json.loads(run.named(f"lake-{kind}-policy").inputs["policy"])
        deny = policy["Statement"][0]
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert deny["Resource"] == [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
        logging = run.named(f"lake-{kind}-logging").inputs
        assert logging["bucket"] == name
        assert logging["targetBucket"] == run.named("lake-access-logs").outputs["bucket"]


def test_lifecycle_numbers_come_from_args(mocked) -> None:
    run = mocked(build)
    raw = {r["id"]: r for r in run.named("lake-raw-lifecycle").inputs["rules"]}
    assert raw["expire-raw"]["expiration"] == {"days": 11}
    assert raw["noncurrent-versions"]["noncurrentVersionExpiration"] == {"noncurrentDays": 13}
    archive = {r["id"]: r for r in run.named("lake-archive-lifecycle").inputs["rules"]}
    assert archive["archive-to-glacier-ir"]["transitions"] == [
        {"days": 45, "storageClass": "GLACIER_IR"}
    ]
    assert "expire-raw" not in {r["id"] for r in run.named("lake-models-lifecycle").inputs["rules"]}


def test_access_log_bucket_admits_only_log_delivery(mocked) -> None:
    run = mocked(build)
    sse = run.named("lake-access-logs-sse").inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert sse == {"sseAlgorithm": "AES256"}
    policy = json.loads(run.named("lake-access-logs-policy").inputs["policy"])
    allow = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allow[0]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow[0]["Action"] == ["s3:PutObject"]


def test_invalid_lifecycle_is_rejected() -> None:
    with pytest.raises(ValueError, match="raw_expiration_days"):
        DataLakeArgs(kms_key_arn="k", raw_expiration_days=0).validate()


def test_access_logging_waits_for_the_log_bucket_s_grant(mocked) -> None:
    """Logging switched on before the log bucket's policy exists would drop the first logs."""
    run = mocked(build)
    (policy,) = [r for r in run.of("aws:s3/bucketPolicy:BucketPolicy") if "access-logs" in r.name]
    logging = run.of("aws:s3/bucketLogging:BucketLogging")
    assert len(logging) == len(DATA_BUCKETS)
    for resource in logging:
        assert run.depends_on.get(resource.name) == [policy.name], resource.name
