"""Pricing rules of the data and monitoring resources: streams, tables, buckets, logs, alarms."""

from __future__ import annotations

import math

from .context import DAYS_PER_MONTH, GB, HOURS_PER_MONTH, Context, as_dict, number
from .graph import Resource
from .model import Charge


def _hours(price: str, item: str, count: float, ctx: Context) -> Charge:
    return Charge(item, count * HOURS_PER_MONTH, ctx.table[price])


def kinesis_stream(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    records = ctx.requests_per_month
    gb = records * u.record_bytes / GB
    mode = str(as_dict(r.inputs.get("streamModeDetails")).get("streamMode", "PROVISIONED"))
    if mode == "ON_DEMAND":
        consumers = len(
            ctx.referring("aws:lambda/eventSourceMapping:EventSourceMapping", "eventSourceArn", r)
        )
        consumers += len(
            ctx.referring(
                "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream",
                "kinesisSourceConfiguration",
                r,
            )
        )
        return [
            _hours("kinesis_on_demand_stream_hour", "stream hours", 1, ctx),
            Charge("data written", gb, ctx.table["kinesis_on_demand_ingest_gb"]),
            Charge(
                f"data read ({consumers} consumers)",
                gb * max(1, consumers),
                ctx.table["kinesis_on_demand_retrieval_gb"],
            ),
        ]
    shards = number(r.inputs.get("shardCount"), 1)
    charges = [
        _hours("kinesis_shard_hour", f"shard hours ({shards:g} shards)", shards, ctx),
        Charge(
            "PUT payload units (25 KB)",
            records * ctx.put_units(u.record_bytes, 25),
            ctx.table["kinesis_put_units_million"],
            per=1e6,
        ),
    ]
    if number(r.inputs.get("retentionPeriod"), 24) > 24:
        charges.append(
            _hours("kinesis_extended_retention_shard_hour", "extended retention", shards, ctx)
        )
    return charges


def firehose(r: Resource, ctx: Context) -> list[Charge]:
    billed_kb = 5 * ctx.put_units(ctx.usage.record_bytes, 5)
    gb = ctx.requests_per_month * billed_kb * 1024 / GB
    buffer_s = number(
        as_dict(r.inputs.get("extendedS3Configuration")).get("bufferingInterval"), 300
    )
    objects = HOURS_PER_MONTH * 3600 / max(60.0, buffer_s)
    return [
        Charge(f"ingest ({billed_kb:g} KB billed per record)", gb, ctx.table["firehose_ingest_gb"]),
        Charge("S3 PUTs of the archive objects", objects, ctx.table["s3_put_thousand"], per=1000),
    ]


def lambda_function(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    sources = ctx.referring("aws:lambda/eventSourceMapping:EventSourceMapping", "functionName", r)
    if not sources:
        return []
    batch = number(sources[0].inputs.get("batchSize"), 100)
    records = ctx.requests_per_month
    invocations = math.ceil(records / max(1.0, batch))
    seconds = (
        records * u.consumer_ms_per_record + invocations * u.consumer_ms_per_invocation
    ) / 1000
    memory_gb = number(r.inputs.get("memorySize"), 128) / 1024
    arm = "arm64" in [str(a) for a in (r.inputs.get("architectures") or [])]
    return [
        Charge("requests", invocations, ctx.table["lambda_requests_million"], per=1e6),
        Charge(
            f"compute ({memory_gb * 1024:g} MB)",
            seconds * memory_gb,
            ctx.table["lambda_arm_gb_second" if arm else "lambda_gb_second"],
        ),
    ]


def dynamodb_table(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    ttl_days = 30.0
    for fn in ctx.siblings(r, "aws:lambda/function:Function"):
        env = as_dict(as_dict(fn.inputs.get("environment")).get("variables"))
        ttl_days = number(env.get("TABLE_TTL_DAYS"), ttl_days)
    records = ctx.requests_per_month
    stored_gb = (
        u.requests_per_day * min(ttl_days, u.priced_month * DAYS_PER_MONTH) * u.item_bytes / GB
    )
    charges = [
        Charge(
            "write request units",
            records * math.ceil(u.item_bytes / 1024),
            ctx.table["dynamodb_write_units_million"],
            per=1e6,
        ),
        Charge(
            f"storage ({ttl_days:g} days of items)",
            stored_gb,
            ctx.table["dynamodb_storage_gb_month"],
        ),
    ]
    if as_dict(r.inputs.get("pointInTimeRecovery")).get("enabled"):
        charges.append(
            Charge("point-in-time recovery", stored_gb, ctx.table["dynamodb_pitr_gb_month"])
        )
    return charges


def _bucket_kind(r: Resource) -> str:
    return r.name.rsplit("-", 1)[-1]


def _lifecycle_days(r: Resource, ctx: Context, key: str) -> float | None:
    for config in ctx.referring(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "bucket", r
    ):
        for rule in config.inputs.get("rules") or []:
            rule = as_dict(rule)
            if key == "expiration" and as_dict(rule.get("expiration")).get("days"):
                return number(as_dict(rule["expiration"])["days"])
            for transition in rule.get("transitions") or [] if key == "transition" else []:
                return number(as_dict(transition).get("days"))
    return None


def s3_bucket(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    kind = _bucket_kind(r)
    horizon = u.priced_month * DAYS_PER_MONTH
    daily_gb = u.requests_per_day * u.record_bytes / GB
    standard = ctx.table["s3_storage_gb_month"]
    if kind == "raw" and (ctx.batch_runs or ctx.keeps_training_records):
        days = min(_lifecycle_days(r, ctx, "expiration") or horizon, horizon)
        return [Charge(f"input records ({days:g} days kept)", daily_gb * days, standard)]
    if kind == "predictions" and ctx.batch_runs:
        return [Charge(f"predictions (month {u.priced_month:g})", daily_gb * horizon, standard)]
    if kind == "models":
        versions = 1 + min(ctx.train_runs * 3, 100)  # old versions expire after ~90 days
        return [Charge(f"model versions ({versions:g})", versions * u.model_mb / 1024, standard)]
    if kind == "archive" and ctx.of("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"):
        compressed = daily_gb / max(1.0, u.archive_compression_ratio)
        hot_days = min(_lifecycle_days(r, ctx, "transition") or horizon, horizon)
        return [
            Charge(f"archive, first {hot_days:g} days (GZIP)", compressed * hot_days, standard),
            Charge(
                f"archive, Glacier IR to month {u.priced_month:g}",
                compressed * (horizon - hot_days),
                ctx.table["s3_glacier_ir_gb_month"],
            ),
        ]
    if kind == "logs":
        return [Charge("access logs", u.log_gb_per_group_month, standard)]
    return [Charge("storage (nothing written by the stack)", 0.0, standard)]


WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"
WAF_LOG_RECORD_BYTES = 1500
"""About the size of one AWS WAF log record (JSON: headers, rule matches, labels)."""


def _is_waf_log_group(r: Resource) -> bool:
    return str(r.inputs.get("namePrefix") or r.inputs.get("name") or "").startswith(
        WAF_LOG_GROUP_PREFIX
    )


def log_group(r: Resource, ctx: Context) -> list[Charge]:
    if _is_waf_log_group(r):  # a record per inspected request, not the stack's app logs
        gb = ctx.requests_per_month * WAF_LOG_RECORD_BYTES / GB
    else:
        groups = max(1, sum(1 for g in ctx.of(r.typ) if not _is_waf_log_group(g)))
        gb = ctx.log_gb / groups
    retention = number(r.inputs.get("retentionInDays"), 30)
    kept_months = min(retention / DAYS_PER_MONTH, ctx.usage.priced_month)
    return [
        Charge("ingestion", gb, ctx.table["cloudwatch_logs_ingest_gb"]),
        Charge(
            f"storage ({retention:g} days kept)",
            gb * kept_months,
            ctx.table["cloudwatch_logs_storage_gb_month"],
        ),
    ]


def metric_alarm(r: Resource, ctx: Context) -> list[Charge]:
    queries = [as_dict(q) for q in (r.inputs.get("metricQueries") or [])]
    metrics = sum(1 for q in queries if q.get("metric")) or 1
    return [Charge(f"alarm ({metrics} metrics)", metrics, ctx.table["cloudwatch_alarm_month"])]


def scaling_policy(r: Resource, ctx: Context) -> list[Charge]:
    if str(r.inputs.get("policyType")) != "TargetTrackingScaling":
        return []
    return [Charge("2 alarms target tracking creates", 2, ctx.table["cloudwatch_alarm_month"])]


SECRET_READS_PER_TASK_MONTH = 30 * 24 * 12
"""The API re-reads its key secret every 5 minutes (API_KEYS_REFRESH_S=300) per task."""


def secret(r: Resource, ctx: Context) -> list[Charge]:
    services = ctx.of("aws:ecs/service:Service")
    tasks = max(1, int(sum(number(s.inputs.get("desiredCount"), 1) for s in services)))
    return [
        Charge("secret", 1, ctx.table["secretsmanager_secret_month"]),
        Charge(
            f"GetSecretValue ({tasks} tasks, every 5 minutes)",
            tasks * SECRET_READS_PER_TASK_MONTH,
            ctx.table["secretsmanager_api_10k"],
            per=10_000,
        ),
    ]


def log_metric_filter(r: Resource, ctx: Context) -> list[Charge]:
    return [Charge("custom metric", 1, ctx.table["cloudwatch_metric_month"])]


def dashboard(r: Resource, ctx: Context) -> list[Charge]:
    return [Charge("dashboard", 1, ctx.table["cloudwatch_dashboard_month"])]


def kms_key(r: Resource, ctx: Context) -> list[Charge]:
    keys = max(1, len(ctx.of(r.typ)))
    return [
        Charge("key", 1, ctx.table["kms_key_month"]),
        Charge(
            "requests",
            ctx.usage.kms_requests_per_month / keys,
            ctx.table["kms_requests_10k"],
            per=10_000,
        ),
    ]


def ecr_repository(r: Resource, ctx: Context) -> list[Charge]:
    u = ctx.usage
    return [
        Charge(
            f"image storage ({u.images_kept:g} images)",
            u.images_kept * u.image_gb,
            ctx.table["ecr_storage_gb_month"],
        )
    ]


def sqs_queue(r: Resource, ctx: Context) -> list[Charge]:
    return [
        Charge("requests (failed batches only)", 0.0, ctx.table["sqs_requests_million"], per=1e6)
    ]


def sns_topic(r: Resource, ctx: Context) -> list[Charge]:
    return [Charge("alarm emails", 0.0, ctx.table["sns_email_thousand"], per=1000)]
