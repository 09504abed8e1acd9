"""AWS's own limits on the values archgen writes, read from `data/aws_limits.yaml`, and the checks.

The data file's `botocore:` block is generated from botocore's service models
(`scripts/aws_limits_from_botocore.py`); its `documented:` block holds what the
models do not carry (Fargate quota, Map state concurrency, AZs per region, ...),
each entry with its source. `settings_violations()` is what
`StackSettings.validate` adds to its own checks; `check_project_stacks()` runs
every check over a generated project's `infra/Pulumi.<stack>.yaml` files.
Every message starts with the config key (camelCase) and names the allowed values.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from archgen import catalogue
from archgen.catalogue import Part
from archgen.safe_io import load_yaml_file

if TYPE_CHECKING:
    from archgen.stack_settings import StackSettings


@cache
def limits() -> dict[str, Any]:
    """The whole data file (`botocore` and `documented` blocks), parsed once."""
    text = resources.files("archgen").joinpath("data/aws_limits.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _botocore(key: str) -> Any:
    return limits()["botocore"][key]


def _documented(key: str) -> Any:
    return limits()["documented"][key]


def inline_map_max_concurrency() -> int:
    """Iterations an Inline Map state runs at once (Step Functions' documented limit)."""
    return int(_documented("inline_map_max_concurrency")["value"])


def distributed_map_max_concurrency() -> int:
    """Child executions a Distributed Map state runs at once (Step Functions' documented limit)."""
    return int(_documented("distributed_map_max_concurrency")["value"])


def max_score_parallelism() -> int:
    """Most shards a batch run scores: the Distributed Map's concurrency, or fewer when
    States.ArrayRange (which builds the shard indices) cannot build that many."""
    return min(
        distributed_map_max_concurrency(), int(_documented("array_range_max_items")["value"])
    )


def describe(values: Sequence[int]) -> str:
    """`1, 3, 5` or, for a long even-stepped list, `8192 to 30720 in steps of 1024`."""
    steps = {b - a for a, b in zip(values, values[1:], strict=False)}
    if len(values) > 5 and len(steps) == 1:
        return f"{values[0]} to {values[-1]} in steps of {steps.pop()}"
    return ", ".join(str(v) for v in values)


def _range(key: str, value: int, spec: Mapping[str, Any], what: str, low: int | None = None) -> str:
    lowest = spec["min"] if low is None else max(low, spec["min"])
    if lowest <= value <= spec["max"]:
        return ""
    return f"{key}: {value} is outside {what} (allowed: {lowest} to {spec['max']})"


# -- single values ---------------------------------------------------------------------


def log_retention(key: str, days: int) -> str:
    """A CloudWatch Logs retention must be one of the values PutRetentionPolicy accepts."""
    allowed = _botocore("log_retention_days")["values"]
    if days in allowed:
        return ""
    return f"{key}: {days} is not a CloudWatch Logs retention (allowed: {describe(allowed)})"


def lambda_memory(key: str, mb: int) -> str:
    """A function's memory must be within what Lambda documents (128 MB to 10,240 MB)."""
    return _range(key, mb, _documented("lambda_memory_mb"), "Lambda function memory")


def lambda_timeout(key: str, seconds: int) -> str:
    """A function's timeout must be within CreateFunction's Timeout."""
    return _range(key, seconds, _botocore("lambda_timeout_s"), "Timeout")


@cache
def _image_uri_pattern() -> re.Pattern[str]:
    spec = _botocore("ecr_image")
    return re.compile(
        rf"(?P<registry>{spec['registry_id_pattern']})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
        rf"/(?P<repository>{spec['repository']['pattern']})"
        rf"(:(?P<tag>[^\s:@/]+)|@sha256:[0-9a-f]{{64}})"
    )


def image_uri(key: str, uri: str) -> str:
    """A Lambda function's image must be an ECR image reference with a tag or a sha256 digest."""
    spec = _botocore("ecr_image")
    found = _image_uri_pattern().fullmatch(uri)
    problem = ""
    if found is None:
        problem = "is not an ECR image reference"
    elif not spec["repository"]["min"] <= len(found["repository"]) <= spec["repository"]["max"]:
        problem = "has a repository name of the wrong length"
    elif found["tag"] is not None and len(found["tag"]) > spec["tag_max"]:
        problem = f"has a tag longer than {spec['tag_max']} characters"
    if not problem:
        return ""
    return (
        f"{key}: {uri!r} {problem} (allowed: <account>.dkr.ecr.<region>.amazonaws.com/"
        "<repository>:<tag> or @sha256:<digest>)"
    )


def image_config(key: str, config: Mapping[str, Any]) -> str:
    """A Lambda image config's entry point and command lists, and working directory, in range."""
    spec = _botocore("lambda_image_config")
    for field in ("entry_points", "commands"):
        items = list(config.get(field) or ())
        if len(items) > spec["list_max"]:
            return f"{key}: {field} has {len(items)} items (allowed: up to {spec['list_max']})"
    directory = str(config.get("working_directory") or "")
    if len(directory) > spec["working_directory_max"]:
        return (
            f"{key}: working_directory is {len(directory)} characters "
            f"(allowed: up to {spec['working_directory_max']})"
        )
    return ""


def comparison_operator(key: str, operator: str) -> str:
    """A CloudWatch alarm ComparisonOperator (no stack config key sets one today)."""
    allowed = _botocore("alarm_comparison_operators")["values"]
    if operator in allowed:
        return ""
    return f"{key}: {operator!r} is not a CloudWatch alarm operator (allowed: {', '.join(allowed)})"


def fargate_size(cpu_key: str, cpu: int, memory_key: str, memory: int) -> str:
    """A Fargate task's CPU units and memory must be one of the documented pairs."""
    pairs: dict[int, list[int]] = _botocore("fargate_cpu_memory")["pairs"]
    if cpu not in pairs:
        return f"{cpu_key}: {cpu} is not a Fargate CPU size (allowed: {describe(sorted(pairs))})"
    if memory not in pairs[cpu]:
        return (
            f"{memory_key}: {memory} is not a Fargate memory size for {cpu_key} {cpu} "
            f"(allowed: {describe(pairs[cpu])})"
        )
    return ""


def time_zone(key: str, name: str) -> str:
    """An EventBridge Scheduler time zone: an IANA zone name of at most 50 characters."""
    spec = _botocore("schedule_timezone_length")
    zones = zoneinfo.available_timezones()
    if len(name) <= spec["max"] and (not zones or name in zones):
        return ""
    return f"{key}: {name!r} is not an IANA time zone (allowed: names such as UTC, Europe/Berlin)"


AT_FORMAT = "%Y-%m-%dT%H:%M:%S"
"""The time inside a one-time `at(...)` Scheduler expression, as AWS documents it."""


def schedule_expression(key: str, expression: str) -> str:
    """An EventBridge Scheduler expression: `cron(6 fields)`, `rate(value unit)` or `at(...)`."""
    problem = _schedule_problem(expression)
    if not problem:
        return ""
    return (
        f"{key}: {expression!r} {problem} (allowed: cron(minutes hours day-of-month month "
        "day-of-week year), rate(value minute|minutes|hour|hours|day|days), "
        "at(yyyy-mm-ddThh:mm:ss))"
    )


def _schedule_problem(expression: str) -> str:
    length = _botocore("schedule_expression_length")
    if not length["min"] <= len(expression) <= length["max"]:
        return f"is not {length['min']} to {length['max']} characters long"
    found = re.fullmatch(r"(cron|rate|at)\((.*)\)", expression.strip())
    if found is None:
        return "is not a cron, rate or at expression"
    kind, body = found.groups()
    if kind == "rate":
        units = _documented("schedule_expression")["rate_units"]
        rate = re.fullmatch(r"([1-9]\d*) (\w+)", body)
        return "" if rate is not None and rate.group(2) in units else "is not a valid rate"
    if kind == "at":
        try:
            datetime.strptime(body, AT_FORMAT)
        except ValueError:
            return "is not a valid at(yyyy-mm-ddThh:mm:ss)"
        return ""
    return _cron_problem(body)


def _cron_problem(body: str) -> str:
    fields = body.split()
    specs = _documented("schedule_expression")["cron_fields"]
    if len(fields) != len(specs):
        return f"has {len(fields)} cron fields, not {len(specs)}"
    for text, spec in zip(fields, specs, strict=True):
        if not all(_cron_token(token, spec) for token in text.split(",")):
            return f"has an invalid {spec['name']} field {text!r}"
        if "," in text and "," not in spec["wildcards"]:
            return f"has an invalid {spec['name']} field {text!r}"
    if (fields[2] == "?") == (fields[4] == "?"):
        return "must have '?' in exactly one of day-of-month and day-of-week"
    return ""


def _cron_token(token: str, spec: Mapping[str, Any]) -> bool:
    wild = spec["wildcards"].split()
    if token in ("*", "?"):
        return token in wild
    if "W" in wild and (token == "LW" or re.fullmatch(r"\d{1,2}W", token)):
        return token == "LW" or _cron_value(token[:-1], spec)
    if "L" in wild and (token == "L" or (spec["name"] == "day-of-week" and token.endswith("L"))):
        return token == "L" or _cron_value(token[:-1], spec)
    if "#" in wild and "#" in token:
        day, _, nth = token.partition("#")
        return _cron_value(day, spec) and nth in ("1", "2", "3", "4", "5")
    parts = re.fullmatch(r"(\*|\w+)(?:-(\w+))?(?:/(\d+))?", token)
    if parts is None:
        return False
    start, end, step = parts.groups()
    if (end is not None and "-" not in wild) or (step is not None and "/" not in wild):
        return False
    if step is not None and int(step) < 1:
        return False
    if start == "*":
        return end is None
    return _cron_value(start, spec) and (end is None or _cron_value(end, spec))


def _cron_value(text: str, spec: Mapping[str, Any]) -> bool:
    if text.upper() in spec.get("names", []):
        return True
    return text.isdigit() and spec["min"] <= int(text) <= spec["max"]


# -- names and zones -------------------------------------------------------------------


def availability_zones(region: str) -> tuple[int, bool]:
    """(zones a new account can run Fargate in, whether `region` is listed in the data)."""
    zones = _documented("availability_zones")
    if region in zones["regions"]:
        return int(zones["regions"][region]), True
    return int(zones["unknown_region"]), False


ASSUMED_STACK = "staging"
"""The stack name assumed for a name that carries it, when the stack is not known."""


def name_violations(prefix: str, pattern: str, stack: str | None = None) -> list[str]:
    """Every physical name `pattern` builds from `prefix` that AWS would reject.

    Names that end in the stack name are measured with `stack` (or, not known,
    with `ASSUMED_STACK`).
    """
    added = {
        "pulumi": ("-xxxxxxx", int(_documented("pulumi_autoname_suffix")["value"])),
        "unique": ("x" * 26, int(_documented("name_prefix_suffix")["value"])),
        "stack": (f"-{stack or ASSUMED_STACK}", 1 + len(stack or ASSUMED_STACK)),
        "none": ("", 0),
    }
    problems: list[str] = []
    for entry in _documented("resource_names"):
        template = entry["names"].get(pattern)
        if template is None:
            continue
        limit_name = entry["limit"]
        spec = limits()["botocore"]["names"].get(limit_name) or _documented(limit_name)
        name = template.format(prefix=prefix)
        shown_suffix, extra = added[entry["suffix"]]
        length = len(name) + extra
        shown = name + shown_suffix
        if length > spec["max"]:
            problems.append(
                f"namePrefix: {prefix!r} makes the {limit_name.replace('_', ' ')} name {shown!r} "
                f"{length} characters long (allowed: at most {spec['max']}, so namePrefix at most "
                f"{len(prefix) - (length - spec['max'])} characters for the {pattern} pattern)"
            )
        elif "pattern" in spec and not re.fullmatch(spec["pattern"], shown.replace("x", "a")):
            problems.append(
                f"namePrefix: {prefix!r} makes the {limit_name.replace('_', ' ')} name {shown!r} "
                f"(allowed characters: {spec['pattern']})"
            )
    return problems


# -- whole stacks ----------------------------------------------------------------------


def settings_violations(
    settings: StackSettings,
    region: str | None = None,
    *,
    names: bool = True,
    stack: str | None = None,
) -> list[str]:
    """Every AWS limit `settings` break.

    The AZ count is checked only when `region` is given; the physical names
    unless `names` is false, measured for `stack` when it is known.
    """
    s = settings
    esm = _botocore("event_source_mapping")
    buffering = _botocore("firehose_buffering")
    found = [
        log_retention("logRetentionDays", s.log_retention_days),
        schedule_expression("batchSchedule", s.batch_schedule),
        schedule_expression("batchTrainSchedule", s.batch_train_schedule)
        if s.batch_train_schedule
        else "",
        time_zone("batchScheduleTimezone", s.batch_schedule_timezone),
        fargate_size("trainCpu", s.train_cpu, "trainMemoryMb", s.train_memory_mb),
        fargate_size("scoreCpu", s.score_cpu, "scoreMemoryMb", s.score_memory_mb),
        fargate_size("apiCpu", s.api_cpu, "apiMemoryMb", s.api_memory_mb),
        _range(
            "scoreParallelism",
            s.score_parallelism,
            {"min": 1, "max": max_score_parallelism()},
            "the shards a Distributed Map scores (indices from States.ArrayRange)",
        ),
        _range(
            "streamRetentionHours",
            s.stream_retention_hours,
            _botocore("kinesis_retention_hours"),
            "the Kinesis retention period",
        ),
        _range("consumerBatchSize", s.consumer_batch_size, esm["batch_size"], "Lambda BatchSize"),
        _range(
            "consumerBatchWindowS",
            s.consumer_batch_window_s,
            esm["batching_window_s"],
            "Lambda MaximumBatchingWindowInSeconds",
        ),
        _range(
            "consumerParallelization",
            s.consumer_parallelization,
            esm["parallelization_factor"],
            "Lambda ParallelizationFactor",
        ),
        # archgen never retries forever nor keeps records forever: -1 is not allowed here.
        _range(
            "consumerMaxRetries",
            s.consumer_max_retries,
            esm["maximum_retry_attempts"],
            "Lambda MaximumRetryAttempts",
            low=0,
        ),
        _range(
            "consumerMaxRecordAgeS",
            s.consumer_max_record_age_s,
            esm["maximum_record_age_s"],
            "Lambda MaximumRecordAgeInSeconds",
            low=60,
        ),
        lambda_memory("consumerMemoryMb", s.consumer_memory_mb),
        lambda_timeout("consumerTimeoutS", s.consumer_timeout_s),
        _range("archiveBufferS", s.archive_buffer_s, buffering["interval_s"], "Firehose buffering"),
        _range("archiveBufferMb", s.archive_buffer_mb, buffering["size_mb"], "Firehose buffering"),
    ]
    known_pattern = s.pattern in catalogue.PATTERN_NAMES
    if known_pattern and s.image_uri and catalogue.uses(s.pattern, Part.STREAM):
        found.append(image_uri("imageUri", s.image_uri))  # Lambda runs only ECR images
    if known_pattern and names:
        found += name_violations(s.name_prefix, s.pattern, stack)
    networked = known_pattern and catalogue.uses(s.pattern, Part.NETWORK)
    if region and networked and not s.existing_vpc_id:
        zones, listed = availability_zones(region)
        if s.availability_zones > zones:
            basis = "" if listed else " (not in archgen's table; assumed)"
            found.append(
                f"availabilityZones: {s.availability_zones} is more than the {zones} zones of "
                f"{region} where Fargate runs{basis} (allowed: 2 to {zones})"
            )
    return [problem for problem in found if problem]


def quota_warnings(settings: StackSettings) -> list[str]:
    """Deployable settings that a new account's default Fargate vCPU quota cannot run at peak."""
    s = settings
    vcpu = 0.0
    if s.pattern in catalogue.PATTERN_NAMES and catalogue.uses(s.pattern, Part.API):
        vcpu += s.api_max_tasks * s.api_cpu / 1024
    if s.pattern in catalogue.PATTERN_NAMES and catalogue.uses(s.pattern, Part.BATCH):
        vcpu += max(s.train_cpu, s.score_parallelism * s.score_cpu) / 1024
    quota = float(_documented("fargate_default_vcpu_quota")["value"])
    if vcpu <= quota:
        return []
    return [
        f"apiMaxTasks/scoreParallelism: at peak the stack runs {vcpu:g} Fargate vCPUs; a new "
        f"account's default Fargate On-Demand vCPU quota is {quota:g} per region: request an "
        "increase in Service Quotas before relying on it"
    ]


def check_project_stacks(project_dir: Path, *, names: bool = True) -> list[str]:
    """Every violation in `project_dir/infra/Pulumi.<stack>.yaml`, as `Pulumi.dev.yaml: key: ...`.

    Keys are read without the project's namespace (`<project>:logRetentionDays`);
    the stack's `aws:region` enables the AZ check; `names` the physical-name limits.
    """
    from archgen.stack_settings import read_config

    infra = project_dir / "infra"
    namespace = _project_name(infra)
    problems: list[str] = []
    for path in sorted(infra.glob("Pulumi.*.yaml")):
        try:
            document = load_yaml_file(path, error=ValueError, what="stack config")
        except ValueError as err:
            problems.append(f"{path.name}: {err}")
            continue
        config = document.get("config") if isinstance(document, dict) else None
        if not isinstance(config, dict):
            problems.append(f"{path.name}: has no config: mapping")
            continue
        ns = namespace or _namespace_of(config)
        values = {
            key[len(ns) + 1 :]: value for key, value in config.items() if key.startswith(f"{ns}:")
        }
        region = config.get("aws:region")
        settings, found = read_config(values)
        stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
        found += settings.violations(str(region) if region else None, names=names, stack=stack)
        problems += [f"{path.name}: {problem}" for problem in found]
    return problems


def _project_name(infra: Path) -> str:
    try:
        project = load_yaml_file(infra / "Pulumi.yaml", error=ValueError, what="Pulumi project")
    except ValueError:
        return ""
    name = project.get("name") if isinstance(project, dict) else None
    return name if isinstance(name, str) else ""


def _namespace_of(config: Mapping[str, Any]) -> str:
    spaces = {str(key).split(":")[0] for key in config if ":" in str(key)} - {"aws"}
    return spaces.pop() if len(spaces) == 1 else ""
