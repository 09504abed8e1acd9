"""The resource-graph pricer: every registered resource priced once, billing rules, hand sums.

Hand-computed figures below use the us-east-1 list prices of these pages, read
on 2026-01-15 unless said otherwise (the dates recorded in archgen/data/prices.yaml):
- Fargate https://aws.amazon.com/fargate/pricing/ ($0.04048 per vCPU-hour, $0.004445 per GB-hour)
- VPC https://aws.amazon.com/vpc/pricing/ (NAT gateway $0.045 per hour and per GB)
- public IPv4, https://aws.amazon.com/blogs/aws/new-aws-public-ipv4-address-charge-public-ip-insights/
  ($0.005 per address-hour, from 2024-02-01)
- ELB https://aws.amazon.com/elasticloadbalancing/pricing/ ($0.0225 per ALB-hour,
  $0.008 per LCU-hour)
- Kinesis https://aws.amazon.com/kinesis/data-streams/pricing/ ($0.015 per shard-hour,
  $0.014 per million PUT payload units; on demand $0.04 per stream-hour, $0.08 per GB written,
  $0.04 per GB read per consumer)
- Firehose https://aws.amazon.com/firehose/pricing/ ($0.029 per GB, each record rounded up to 5 KB)
- DynamoDB https://aws.amazon.com/dynamodb/pricing/on-demand/ ($0.625 per million writes from
  2024-11-01, storage $0.25 per GB-month, PITR $0.20 per GB-month)
- CloudWatch https://aws.amazon.com/cloudwatch/pricing/ ($3 per dashboard, $0.30 per metric)
"""

from __future__ import annotations

from typing import Any

import pytest

from archgen.errors import UsageError
from archgen.stack_settings import PATTERNS, StackSettings
from archgen_stacks.pricing import (
    Estimate,
    PriceTable,
    Resource,
    estimate,
    price_settings,
    registered,
    usage,
)
from archgen_stacks.pricing.schedule import runs_per_month
from archgen_stacks.program import AppArtifacts, build

from .conftest import EXISTING_VPC

APP = AppArtifacts(package="credit")
CREDIT = {"daily_volume": 10_000, "peak_factor": 3.0}
"""The credit-decision example's volume."""

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "3 AZs": {"availabilityZones": 3},
    "egress endpoints": {"egress": "endpoints"},
    "existing VPC": EXISTING_VPC,
    "on-demand stream": {"streamMode": "ON_DEMAND"},
    "training schedule": {"batchTrainSchedule": "cron(0 1 ? * SUN *)"},
}


def settings(pattern: str, **values: Any) -> StackSettings:
    return StackSettings.from_mapping({"pattern": pattern, "namePrefix": "credit", **values})


def priced(pattern: str, answers: dict[str, Any] | None = None, **values: Any) -> Estimate:
    return price_settings(settings(pattern, **values), answers=answers or CREDIT)


def line(est: Estimate, suffix: str) -> Any:
    found = [x for x in est.lines if x.resource.endswith(suffix)]
    assert len(found) == 1, (suffix, [x.resource for x in found])
    return found[0]


def charge(est: Estimate, suffix: str, item: str) -> float:
    found = [c for c in line(est, suffix).charges if c.item.startswith(item)]
    assert len(found) == 1, (suffix, item)
    return round(found[0].monthly_usd, 2)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_registered_resource_is_priced_once_and_nothing_else(
    pattern: str, variant: str
) -> None:
    s = settings(pattern, **VARIANTS[variant])
    graph = registered(lambda: build(s, APP))
    est = estimate(graph, region="us-east-1", use=usage(CREDIT))
    resources = [r.name for r in graph if r.typ.startswith("aws:")]
    names = [x.resource for x in est.lines]
    assert sorted(names) == sorted(resources)
    assert len(names) == len(set(names))
    assert not est.not_priced, [x.resource for x in est.not_priced]


def test_settings_that_add_or_remove_resources_change_the_priced_set() -> None:
    base = {x.resource for x in priced("realtime").lines}
    three = {x.resource for x in priced("realtime", availabilityZones=3).lines}
    assert {"credit-net-nat-2", "credit-net-private-2", "credit-net-public-2"} <= three - base
    endpoints = priced("realtime", egress="endpoints")
    assert not [x for x in endpoints.lines if x.type == "aws:ec2/natGateway:NatGateway"]
    assert [x for x in endpoints.lines if x.type == "aws:ec2/vpcEndpoint:VpcEndpoint"]
    existing = priced("realtime", **VARIANTS["existing VPC"])
    assert not [x for x in existing.lines if x.type.startswith("aws:ec2/nat")]


def test_an_unknown_type_is_listed_not_priced_never_zero() -> None:
    odd = Resource(typ="aws:neptune/cluster:Cluster", name="graph-db", parent=None, inputs={})
    est = estimate([odd], region="us-east-1", use=usage())
    assert [x.resource for x in est.not_priced] == ["graph-db"]
    assert est.to_json()["not_priced"] == ["graph-db"]


def test_streaming_has_no_training_line_and_its_table_pays_storage_and_backups() -> None:
    est = priced("streaming")
    items = [c.item for x in est.lines for c in x.charges]
    assert not [i for i in items if "training" in i or "scoring" in i]
    table = line(est, "-stream-table")
    assert [c.item.split(" (")[0] for c in table.charges] == [
        "write request units",
        "storage",
        "point-in-time recovery",
    ]


def test_hand_priced_realtime_at_the_credit_volume() -> None:
    est = priced("realtime")
    # 2 tasks x 0.5 vCPU x 730 h x $0.04048; 2 x 1 GB x 730 h x $0.004445
    assert charge(est, "-api-service", "2 tasks vCPU") == 29.55
    assert charge(est, "-api-service", "2 tasks memory") == 6.49
    # NAT: 730 h x $0.045 per AZ; its Elastic IP 730 h x $0.005
    assert charge(est, "-net-nat-0", "gateway hours") == 32.85
    assert charge(est, "-net-nat-1", "gateway hours") == 32.85
    assert charge(est, "-net-nat-0-eip", "public IPv4") == 3.65
    # ALB: 730 h x $0.0225; 0.12 req/s is below one LCU, billed as 1 x 730 h x $0.008
    assert charge(est, "-api-alb", "load balancer hours") == 16.43
    assert charge(est, "-api-alb", "capacity units") == 5.84
    # without a certificate it is internal: no public address
    assert not [c for c in line(est, "-api-alb").charges if "public IPv4" in c.item]
    # public (HTTPS): two public IPv4 addresses (one per AZ) x 730 h x $0.005
    public = priced("realtime", certificateArn="arn:aws:acm:us-east-1:123456789012:certificate/c")
    assert charge(public, "-api-alb", "public IPv4") == 7.30
    assert line(est, "-realtime-dashboard").monthly_usd == 3.00


def test_hand_priced_streaming_at_the_credit_volume() -> None:
    est = priced("streaming", streamShards=1)
    records = 10_000 * 30.4  # a month of records
    assert charge(est, "-stream-stream", "shard hours") == 10.95  # 1 x 730 h x $0.015
    # Firehose bills 5 KB per 1 KB record: 304,000 x 5 KB = 1.4496 GB x $0.029
    assert charge(est, "-stream-archive", "ingest") == round(records * 5 / 1024**2 * 0.029, 2)
    # DynamoDB: 304,000 writes x $0.625 / million
    assert charge(est, "-stream-table", "write request units") == round(records * 0.625e-6, 2)
    assert not [x for x in est.lines if x.type.startswith("aws:ec2/")]


def test_hand_priced_batch_and_hybrid_at_the_credit_volume() -> None:
    daily = "cron(0 2 * * ? *)"
    batch = priced("batch", batchSchedule=daily, trainCpu=1024, trainMemoryMb=4096)
    # 30.4 daily runs x 1 h x (1 vCPU x $0.04048 + 4 GB x $0.004445)
    train = line(batch, "-batch-train-task")
    assert train.monthly_usd == round(30.4 * (0.04048 + 4 * 0.004445), 2)
    hybrid = priced("hybrid", batchSchedule=daily)
    assert charge(hybrid, "-api-service", "2 tasks vCPU") == 29.55
    assert charge(hybrid, "-predlog-stream", "shard hours") == 10.95
    assert charge(hybrid, "-hybrid-dashboard", "dashboard") == 3.00


def test_a_weekly_model_scored_hourly_trains_weekly_in_the_priced_graph() -> None:
    hourly, weekly = "cron(0 * * * ? *)", "cron(0 1 ? * SUN *)"
    split = priced("batch", batchSchedule=hourly, batchTrainSchedule=weekly)
    every_run = priced("batch", batchSchedule=hourly)
    # 30.4 / 7 Sundays a month x 1 h x (1 vCPU x $0.04048 + 4 GB x $0.004445), Fargate page
    weekly_runs = 30.4 / 7
    assert line(split, "-batch-train-task").monthly_usd == round(
        weekly_runs * (0.04048 + 4 * 0.004445), 2
    )
    # trained on every hourly run instead: 24 runs a day x 30.4 days
    assert line(every_run, "-batch-train-task").monthly_usd == round(
        24 * 30.4 * (0.04048 + 4 * 0.004445), 2
    )
    # scoring still runs every hour, on the same records
    assert (
        line(split, "-batch-score-task").monthly_usd
        == line(every_run, "-batch-score-task").monthly_usd
    )
    # each schedule bills its own invocations ($1.00 per million, EventBridge page)
    invocations = {
        x.resource: x.charges[0].quantity for x in split.lines if x.type.endswith("Schedule")
    }
    assert invocations == {
        "credit-batch-schedule": pytest.approx(24 * 30.4),
        "credit-batch-train-schedule": pytest.approx(weekly_runs),
    }
    assert split.total_usd < every_run.total_usd


def test_on_demand_kinesis_bills_reads_per_consumer() -> None:
    est = priced("streaming", {"daily_volume": 1_000_000}, streamMode="ON_DEMAND")
    stream = line(est, "-stream-stream")
    read = next(c for c in stream.charges if c.item.startswith("data read"))
    written = next(c for c in stream.charges if c.item.startswith("data written"))
    assert read.item == "data read (2 consumers)"  # the Lambda consumer and the Firehose archive
    assert read.quantity == pytest.approx(2 * written.quantity)


def test_firehose_rounds_each_record_up_to_5_kb() -> None:
    small = priced("streaming", {"daily_volume": 1_000_000})
    large = price_settings(
        settings("streaming"), answers={"daily_volume": 1_000_000}, overrides={"record_bytes": 6000}
    )
    assert charge(large, "-stream-archive", "ingest") == pytest.approx(
        2 * charge(small, "-stream-archive", "ingest"), abs=0.01
    )


def test_the_usage_file_moves_the_estimate_and_rejects_unknown_keys() -> None:
    base = priced("streaming")
    longer = price_settings(settings("streaming"), answers=CREDIT, overrides={"item_bytes": 2048})
    assert charge(longer, "-stream-table", "storage") > charge(base, "-stream-table", "storage")
    with pytest.raises(UsageError, match="unknown key"):
        usage(overrides={"recrod_bytes": 1})


def test_regions_use_their_own_figures_or_say_they_fall_back() -> None:
    frankfurt = PriceTable("eu-central-1")
    assert frankfurt["fargate_vcpu_hour"].usd == 0.04656
    assert frankfurt["fargate_vcpu_hour"].fallback is None
    assert frankfurt["public_ipv4_hour"].usd == 0.005  # the same in every region
    assert "fallback" in frankfurt["alb_hour"].source
    unknown = PriceTable("mars-north-1")
    assert "no figures for mars-north-1" in unknown["alb_hour"].source
    for key in PriceTable("us-east-1").keys():
        price = PriceTable("us-east-1")[key]
        assert price.page.startswith("https://") and price.date and price.unit


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("cron(0 * * * ? *)", 729.6),
        ("cron(0 0/6 * * ? *)", 121.6),
        ("cron(0 2 * * ? *)", 30.4),
        ("cron(0 2 ? * SUN *)", 30.4 / 7),
        ("cron(0 2 1 * ? *)", 1.0),
        ("rate(12 hours)", 730 / 12),
        ("", 0.0),
    ],
)
def test_schedule_runs_per_month(expression: str, runs: float) -> None:
    assert runs_per_month(expression) == pytest.approx(runs)


@pytest.mark.parametrize("daily", [10_000, 1_000_000, 20_000_000])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_the_decisions_estimate_stays_within_5_percent_of_the_priced_graph(
    pattern: str, daily: int
) -> None:
    """`archgen.cost` (no pulumi; the README and the decision use it) models what is deployed."""
    import dataclasses

    from archgen.cost import estimate as model_estimate
    from archgen.patterns import ModelUpdate, Pattern
    from archgen.requirements import Requirements
    from archgen.sizing import size

    p = Pattern(pattern)
    latency = 86_400_000 if p is Pattern.BATCH else 1_000
    req = Requirements(daily_volume=daily, latency_p99_ms=latency, model_update=ModelUpdate.DAILY)
    sizing = size(req, p)
    known = {f.name for f in dataclasses.fields(StackSettings)}
    config = {k: v for k, v in sizing.stack_config.items() if k in known}
    graph = price_settings(
        StackSettings(**config), answers={"daily_volume": daily, "peak_factor": req.peak_factor}
    )
    model = model_estimate(req, sizing)
    assert model.total_usd == pytest.approx(graph.total_usd, rel=0.05)


@pytest.mark.parametrize("daily", [10_000, 20_000_000])
def test_the_decisions_estimate_follows_a_separate_training_schedule(daily: int) -> None:
    """A weekly model whose results are due within an hour: the model and the graph agree."""
    import dataclasses

    from archgen.cost import estimate as model_estimate
    from archgen.patterns import ModelUpdate, Pattern
    from archgen.requirements import Requirements
    from archgen.sizing import size

    req = Requirements(
        daily_volume=daily, latency_p99_ms=3_600_000, model_update=ModelUpdate.WEEKLY
    )
    sizing = size(req, Pattern.BATCH)
    assert sizing.stack_config["batch_train_schedule"]
    known = {f.name for f in dataclasses.fields(StackSettings)}
    config = {k: v for k, v in sizing.stack_config.items() if k in known}
    graph = price_settings(
        StackSettings(**config), answers={"daily_volume": daily, "peak_factor": req.peak_factor}
    )
    model = model_estimate(req, sizing)
    assert model.total_usd == pytest.approx(graph.total_usd, rel=0.05)
    training = next(x for x in model.lines if x.item.startswith("Fargate training vCPU"))
    vcpu = int(str(sizing.stack_config["train_cpu"])) / 1024
    assert training.quantity == pytest.approx(4.35 * vcpu)  # 4.35 weekly runs x 1 h


def test_hand_priced_regional_lines_checked_against_public_pages() -> None:
    """Regional figures checked on 2026-12-02 against public pages quoting AWS's list prices.

    - eu-west-1 ALB: $0.0252 per ALB-hour, https://cal53.calculator.city/aws-alb-cost-calculator/
    - ap-southeast-1 NAT gateway: $0.059 per hour and per GB,
      https://basavytix.com/blog/aws-nat-gateway-pricing
    - ap-northeast-1 CloudWatch Logs: $0.76 per GB ingested,
      https://awsi.click/en/articles/cloudwatch-logs-cost-structure-surprise/
    """
    ireland = price_settings(settings("realtime"), region="eu-west-1", answers=CREDIT)
    assert charge(ireland, "-api-alb", "load balancer hours") == 18.40  # 730 h x $0.0252
    singapore = price_settings(settings("realtime"), region="ap-southeast-1", answers=CREDIT)
    assert charge(singapore, "-net-nat-0", "gateway hours") == 43.07  # 730 h x $0.059
    nat = next(c for c in line(singapore, "-net-nat-0").charges if c.item.startswith("data"))
    assert nat.unit_price_usd == 0.059 and nat.price.fallback is None
    tokyo = price_settings(settings("streaming"), region="ap-northeast-1", answers=CREDIT)
    groups = [x for x in tokyo.lines if x.type == "aws:cloudwatch/logGroup:LogGroup"]
    ingest = [c for g in groups for c in g.charges if c.item.startswith("ingest")]
    assert ingest and all(c.unit_price_usd == 0.76 for c in ingest)
