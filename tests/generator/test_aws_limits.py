"""AWS's own limits: botocore-derived data, every violation with its key, sizing within them."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from archgen import aws_limits, sizing
from archgen.patterns import DataArrival, ModelUpdate, Pattern
from archgen.requirements import Requirements
from archgen.stack_settings import PATTERNS, StackSettings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/infra"))


def _script() -> ModuleType:
    path = ROOT / "scripts" / "aws_limits_from_botocore.py"
    spec = importlib.util.spec_from_file_location("aws_limits_from_botocore", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def problems(region: str | None = None, names: bool = False, **values: Any) -> list[str]:
    return StackSettings(**values).violations(region, names=names)


def test_committed_botocore_block_is_what_botocore_says_now() -> None:
    pytest.importorskip("botocore")
    script = _script()
    derived = script.derive()
    assert aws_limits.limits()["botocore"] == derived
    text = script.DATA_FILE.read_text(encoding="utf-8")
    assert script.replace_block(text, script.render(derived)) == text


def test_botocore_block_holds_aws_documented_values() -> None:
    # Spot checks against the AWS documentation, so a parser bug cannot agree with itself.
    data = aws_limits.limits()["botocore"]
    assert data["log_retention_days"]["values"][:8] == [1, 3, 5, 7, 14, 30, 60, 90]
    assert data["fargate_cpu_memory"]["pairs"][256] == [512, 1024, 2048]
    assert data["fargate_cpu_memory"]["pairs"][4096][0] == 8192
    assert data["fargate_cpu_memory"]["pairs"][16384][-1] == 120 * 1024
    assert data["sqs"]["message_retention_period_s"] == {
        "min": 60,
        "max": 1_209_600,
        "source": data["sqs"]["message_retention_period_s"]["source"],
    }
    assert (data["kinesis_retention_hours"]["min"], data["kinesis_retention_hours"]["max"]) == (
        24,
        8760,
    )
    assert data["names"]["load_balancer"]["max"] == 32
    assert data["names"]["iam_role"]["max"] == 64
    assert "GreaterThanThreshold" in data["alarm_comparison_operators"]["values"]
    for entry in [*data.values(), *data["names"].values()]:
        assert "source" in entry or all("source" in v for v in entry.values())


def test_image_limits_are_the_ones_aws_documents() -> None:
    # Lambda API reference, ImageConfig: EntryPoint and Command up to 1500 items, WorkingDirectory
    # up to 1000 characters; ECR API reference: repository names 2 to 256, tags up to 300.
    data = aws_limits.limits()["botocore"]
    image = data["lambda_image_config"]
    assert (image["list_max"], image["working_directory_max"]) == (1500, 1000)
    ecr = data["ecr_image"]
    assert (ecr["repository"]["min"], ecr["repository"]["max"], ecr["tag_max"]) == (2, 256, 300)


def test_an_image_uri_of_a_repository_ecr_creates_is_one_lambda_runs() -> None:
    """The oracle is (moto's) ECR: the URI of a repository it made, at a tag or a digest."""
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    with moto.mock_aws():
        ecr = boto3.client(
            "ecr",
            region_name="eu-west-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        repo = ecr.create_repository(repositoryName="iot-sensor-monitoring-images-repo-5e3b")
        uri = repo["repository"]["repositoryUri"]
    assert aws_limits.image_uri("imageUri", f"{uri}:v1") == ""
    assert aws_limits.image_uri("imageUri", f"{uri}@sha256:{'0' * 64}") == ""
    for bad in (uri, f"{uri}:", f"{uri}:{'t' * 301}", uri.replace("iot", "IoT") + ":v1"):
        assert aws_limits.image_uri("imageUri", bad).startswith("imageUri: "), bad
    assert aws_limits.image_uri("imageUri", "python:3.12").startswith("imageUri: ")


@pytest.mark.parametrize(
    ("pattern", "rejected"),
    [("streaming", True), ("hybrid", True), ("batch", False), ("realtime", False)],
)
def test_only_a_stream_consumer_needs_an_ecr_image(pattern: str, rejected: bool) -> None:
    """Lambda runs images from ECR only; ECS tasks may run any registry's."""
    found = problems(pattern=pattern, image_uri="registry.example/credit:1")
    assert any(p.startswith("imageUri: 'registry.example/credit:1'") for p in found) == rejected


def test_the_image_config_lists_are_bounded() -> None:
    assert aws_limits.image_config("h", {"commands": ["a.b"] * 1500}) == ""
    assert "commands has 1501 items (allowed: up to 1500)" in aws_limits.image_config(
        "h", {"commands": ["a.b"] * 1501}
    )
    assert "working_directory" in aws_limits.image_config("h", {"working_directory": "/" * 1001})


def test_every_violation_is_reported_with_its_key_and_the_allowed_values() -> None:
    with pytest.raises(ValueError) as caught:
        StackSettings(
            log_retention_days=45,
            train_cpu=256,
            train_memory_mb=4096,
            batch_schedule="cron(0 2 * *)",
            batch_schedule_timezone="Mars/Olympus",
            score_parallelism=1001,
            api_min_tasks=0,
        ).validate()
    message = str(caught.value)
    assert message.startswith("stack config ")
    retention = "logRetentionDays: 45 is not a CloudWatch Logs retention (allowed: 1, 3, 5, 7, 14"
    assert retention in message
    assert "trainMemoryMb: 4096 is not a Fargate memory size for trainCpu 256" in message
    assert "(allowed: 512, 1024, 2048)" in message
    assert "batchSchedule: 'cron(0 2 * *)' has 4 cron fields, not 6" in message
    assert "batchScheduleTimezone: 'Mars/Olympus' is not an IANA time zone" in message
    # above 40 a Distributed Map scores; States.ArrayRange builds at most 1,000 indices
    assert "scoreParallelism: 1001 is outside the shards a Distributed Map scores" in message
    assert "(allowed: 1 to 1000)" in message
    assert "apiMinTasks: must be" in message  # archgen's own checks are kept
    assert message.count("; ") == 5


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"score_cpu": 300}, "scoreCpu: 300 is not a Fargate CPU size (allowed: 256, 512, 1024"),
        ({"api_cpu": 4096, "api_memory_mb": 4096}, "(allowed: 8192 to 30720 in steps of 1024)"),
        ({"batch_schedule": "cron(0 2 * * * *)"}, "'?' in exactly one of day-of-month"),
        ({"batch_schedule": "cron(61 2 * * ? *)"}, "invalid minutes field '61'"),
        ({"batch_schedule": "rate(5 fortnights)"}, "is not a valid rate"),
        ({"batch_schedule": "at(2025-13-01T00:00:00)"}, "is not a valid at("),
        ({"batch_schedule": "every day"}, "is not a cron, rate or at expression"),
        ({"stream_retention_hours": 12}, "streamRetentionHours: 12 is outside"),
        ({"consumer_memory_mb": 20_000}, "consumerMemoryMb: 20000 is outside"),
        ({"consumer_batch_size": 0}, "consumerBatchSize: 0 is outside Lambda BatchSize"),
        ({"consumer_parallelization": 11}, "(allowed: 1 to 10)"),
        ({"archive_buffer_mb": 500}, "archiveBufferMb: 500 is outside Firehose buffering"),
    ],
)
def test_aws_rejects_these_values(values: dict[str, Any], expected: str) -> None:
    assert any(expected in p for p in problems(**values)), problems(**values)


@pytest.mark.parametrize(
    "schedule",
    [
        "cron(0 2 * * ? *)",
        "cron(0 2 ? * SUN *)",
        "cron(0/15 8-17 ? * MON-FRI *)",
        "cron(0 12 L * ? 2030)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 0 15W * ? *)",
        "rate(1 hour)",
        "rate(30 minutes)",
        "at(2030-01-31T23:59:00)",
        *(schedule for schedule, _ in sizing.SCHEDULES.values()),
    ],
)
def test_valid_schedules_pass(schedule: str) -> None:
    assert problems(batch_schedule=schedule) == []


def test_alarm_operator_is_checked_against_cloudwatch_enum() -> None:
    # No stack config key sets an operator today; the check is there for when one does.
    assert "allowed: GreaterThanOrEqualToThreshold" in aws_limits.comparison_operator("op", "Bogus")
    assert aws_limits.comparison_operator("op", "GreaterThanThreshold") == ""


def test_more_zones_than_the_region_has_fails_only_with_the_region() -> None:
    assert problems(availability_zones=4) == []
    found = problems("eu-west-1", availability_zones=4)
    assert found == [
        "availabilityZones: 4 is more than the 3 zones of eu-west-1 where Fargate runs "
        "(allowed: 2 to 3)"
    ]
    assert problems("us-east-1", availability_zones=4) == []
    existing = {
        "existing_vpc_id": "vpc-1",
        "existing_private_subnet_ids": "subnet-a,subnet-b",
        "existing_public_subnet_ids": "subnet-c,subnet-d",
    }
    assert problems("eu-west-1", availability_zones=4, **existing) == []
    assert "assumed" in problems("xx-nowhere-9", availability_zones=4)[0]
    with pytest.raises(ValueError, match="availabilityZones: 4"):
        StackSettings.from_mapping({"availabilityZones": "4"}, region="eu-west-1")


def test_a_long_prefix_breaks_a_role_name_but_never_the_load_balancer() -> None:
    long = "a-rather-long-service-name-for-a-big-team"
    found = problems(names=True, pattern="realtime", name_prefix=long)
    assert any(
        p.startswith(f"namePrefix: {long!r} makes the iam role name")
        and "(allowed: at most 64" in p
        for p in found
    ), found
    assert not any("load balancer" in p or "target group" in p for p in found), found
    assert problems(names=True, pattern="realtime", name_prefix="credit") == []
    assert problems(names=True, pattern="batch", name_prefix="Credit_Batch") != []  # S3 bucket


def test_defaults_and_every_example_stack_pass() -> None:
    assert StackSettings().violations("us-east-1") == []
    for example in EXAMPLES:
        assert aws_limits.check_project_stacks(example) == [], example.name


def test_defaults_and_every_example_stack_pass_the_name_limits() -> None:
    assert StackSettings().violations("us-east-1", names=True) == []
    for example in EXAMPLES:
        assert aws_limits.check_project_stacks(example) == [], example.name


def test_check_project_stacks_names_the_file_and_the_key(tmp_path: Path) -> None:
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "Pulumi.yaml").write_text("name: demo\nruntime: python\n")
    (infra / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  demo:logRetentionDays: 45\n"
        "  demo:availabilityZones: 4\n  demo:scoreCpu: lots\n  demo:colour: blue\n"
    )
    (infra / "Pulumi.prod.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (infra / "Pulumi.broken.yaml").write_text("config: [\n")
    found = aws_limits.check_project_stacks(tmp_path, names=False)
    assert found[0].startswith("Pulumi.broken.yaml: ")
    dev = [p for p in found if p.startswith("Pulumi.dev.yaml: ")]
    assert "Pulumi.dev.yaml: colour: not a stack config key" in dev
    assert any(p.startswith("Pulumi.dev.yaml: scoreCpu: cannot read 'lots'") for p in dev)
    assert any(p.startswith("Pulumi.dev.yaml: logRetentionDays: 45 is not a") for p in dev)
    assert any(p.startswith("Pulumi.dev.yaml: availabilityZones: 4 is more") for p in dev)
    assert not any(p.startswith("Pulumi.prod.yaml") for p in found)


def test_check_project_stacks_reads_an_example_and_finds_a_hand_edit(tmp_path: Path) -> None:
    source = ROOT / "examples" / "credit-decisions" / "infra"
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "Pulumi.yaml").write_text((source / "Pulumi.yaml").read_text())
    dev = (source / "Pulumi.dev.yaml").read_text()
    assert "credit-decisions:logRetentionDays: 30" in dev
    edited = dev.replace("logRetentionDays: 30", "logRetentionDays: 45")
    (infra / "Pulumi.dev.yaml").write_text(edited)
    found = aws_limits.check_project_stacks(tmp_path, names=False)
    assert len(found) == 1
    assert found[0].startswith("Pulumi.dev.yaml: logRetentionDays: 45 is not a CloudWatch Logs")
    assert "(allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120" in found[0]


GRID = list(
    itertools.product(
        (1_000, 1_000_000, 100_000_000, 5_000_000_000),  # daily volume
        (100, 60_000, 86_400_000),  # latency p99
        tuple(ModelUpdate),
        (99.0, 99.99),  # availability
        (1.0, 10.0),  # peak factor
    )
)


@pytest.mark.parametrize("pattern", list(Pattern))
def test_every_value_the_sizing_writes_passes(pattern: Pattern) -> None:
    regions = ("us-east-1", "eu-west-1", "us-west-1")
    for volume, latency, update, availability, peak in GRID:
        req = Requirements(
            daily_volume=volume,
            latency_p99_ms=latency,
            model_update=update,
            availability_pct=availability,
            peak_factor=peak,
            data_arrival=DataArrival.STREAM,
        )
        config = sizing.size(req, pattern).stack_config
        settings = StackSettings(**config)
        for region in regions:
            assert settings.violations(region) == [], (req, config)


def test_score_parallelism_is_checked_against_the_distributed_map_not_the_inline_one() -> None:
    documented = aws_limits.limits()["documented"]
    assert documented["inline_map_max_concurrency"]["value"] == 40
    assert documented["distributed_map_max_concurrency"]["value"] == 10_000
    assert documented["array_range_max_items"]["value"] == 1000
    for key in ("inline_map_max_concurrency", "distributed_map_max_concurrency"):
        assert "https://docs.aws.amazon.com/step-functions/" in documented[key]["source"]
    assert aws_limits.max_score_parallelism() == 1000
    # 41 was refused while the Inline Map's 40 was the limit
    for shards in (41, 200, 1000):
        assert StackSettings(pattern="batch", score_parallelism=shards).violations() == []
    for shards in (0, 1001, 10_001):
        (problem,) = StackSettings(pattern="batch", score_parallelism=shards).violations()
        assert problem.startswith(f"scoreParallelism: {shards} is outside")
        assert problem.endswith("(allowed: 1 to 1000)")


def test_sizing_clamp_is_the_most_shards_a_run_scores() -> None:
    # was the Inline Map's 40; a Distributed Map scores more, up to States.ArrayRange's 1,000
    assert sizing.MAX_SCORE_PARALLELISM == aws_limits.max_score_parallelism() == 1000
    assert sizing.INLINE_MAP_MAX == aws_limits.inline_map_max_concurrency() == 40
    huge = Requirements(daily_volume=10_000_000_000, latency_p99_ms=86_400_000)
    assert sizing.size(huge, Pattern.BATCH).stack_config["score_parallelism"] == 1000


def test_big_fleets_warn_about_the_new_account_vcpu_quota() -> None:
    assert aws_limits.quota_warnings(StackSettings(pattern="batch")) == []
    warned = aws_limits.quota_warnings(StackSettings(pattern="realtime", api_max_tasks=100))
    assert len(warned) == 1 and "default Fargate On-Demand vCPU quota is 6" in warned[0]


@pytest.fixture(scope="module")
def registered() -> dict[str, list[Any]]:
    """Each pattern's resources as the real stack program registers them under Pulumi mocks."""
    pytest.importorskip("pulumi_aws")
    path = ROOT / "tests" / "stacks" / "conftest.py"
    spec = importlib.util.spec_from_file_location("stacks_conftest_for_limits", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    from archgen_stacks.program import AppArtifacts, build

    app = AppArtifacts(package="credit")
    runs: dict[str, list[Any]] = {}
    for pattern in PATTERNS:
        settings = StackSettings(pattern=pattern, name_prefix="pfx")
        # with the deploy's clock, as `main()` builds it: the one-time schedules included
        runs[pattern] = module.run_program(
            lambda s=settings: build(s, app, now=datetime(2026, 1, 1, tzinfo=UTC))
        ).resources
    return runs


RESOURCE_TYPES = {
    "iam_role": ("aws:iam/role:Role", None),
    "s3_bucket_name": ("aws:s3/bucket:Bucket", None),
    "lambda_function": ("aws:lambda/function:Function", None),
    "sqs_queue": ("aws:sqs/queue:Queue", None),
    "kinesis_stream": ("aws:kinesis/stream:Stream", None),
    "firehose_stream": ("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", None),
    "state_machine": ("aws:sfn/stateMachine:StateMachine", None),
    "schedule": ("aws:scheduler/schedule:Schedule", None),
    "log_group": ("aws:cloudwatch/logGroup:LogGroup", "namePrefix"),
    "dashboard": ("aws:cloudwatch/dashboard:Dashboard", "dashboardName"),
    "kms_alias": ("aws:kms/alias:Alias", "namePrefix"),
    "task_family": ("aws:ecs/taskDefinition:TaskDefinition", "family"),
}


def test_name_templates_are_the_longest_names_the_program_builds(
    registered: dict[str, list[Any]],
) -> None:
    entries = {e["limit"]: e for e in aws_limits.limits()["documented"]["resource_names"]}
    assert set(entries) == set(RESOURCE_TYPES)
    for limit, (typ, explicit) in RESOURCE_TYPES.items():
        entry = entries[limit]
        assert (entry["suffix"] == "pulumi") is (explicit is None), limit
        for pattern, resources in registered.items():
            names = [r.inputs[explicit] if explicit else r.name for r in resources if r.typ == typ]
            template = entry["names"].get(pattern)
            if not names:
                assert template is None, (limit, pattern)
                continue
            assert template is not None, (limit, pattern, names)
            longest = template.format(prefix="pfx")
            if entry["suffix"] == "stack":
                longest += "-test"  # the mocked program's stack name
            assert longest in names, (limit, pattern, names)
            assert max(len(n) for n in names) == len(longest), (limit, pattern, names)
