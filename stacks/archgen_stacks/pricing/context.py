"""What the pricing rules know about a stack: its resources, usage and derived volumes."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from .graph import Resource
from .schedule import runs_per_month
from .table import PriceTable, Usage

HOURS_PER_MONTH = 730.0
DAYS_PER_MONTH = 30.4
GB = 1024**3


def number(value: Any, default: float = 0.0) -> float:
    """A numeric input as the mocks echo it (a float, an int or a numeric string)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def as_dict(value: Any) -> dict[str, Any]:
    """An object input: a dict, or a JSON string the program serialised."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def task_environment(task: Resource) -> dict[str, str]:
    """The first container's environment of a task definition, by name."""
    try:
        containers = json.loads(str(task.inputs.get("containerDefinitions") or "[]"))
    except ValueError:
        return {}
    if not isinstance(containers, list) or not containers or not isinstance(containers[0], dict):
        return {}
    return {
        str(item.get("name")): str(item.get("value"))
        for item in containers[0].get("environment") or []
        if isinstance(item, dict)
    }


class Context:
    """The graph of one stack with the usage that drives its bill."""

    def __init__(self, resources: Iterable[Resource], table: PriceTable, usage: Usage) -> None:
        self.resources = list(resources)
        self.table = table
        self.usage = usage
        self._by_arn = {r.arn: r for r in self.resources}
        self._by_name = {r.name: r for r in self.resources}

    def of(self, typ: str) -> list[Resource]:
        """Resources of one type token."""
        return [r for r in self.resources if r.typ == typ]

    def by_arn(self, arn: Any) -> Resource | None:
        """The resource an input refers to by ARN (or by the mocks' `<name>-id`)."""
        text = str(arn)
        found = self._by_arn.get(text)
        if found is None and text.endswith("-id"):
            found = self._by_name.get(text[: -len("-id")])
        return found

    def siblings(self, resource: Resource, typ: str) -> list[Resource]:
        """Resources of `typ` under the same component as `resource`."""
        return [r for r in self.of(typ) if r.parent == resource.parent]

    def referring(self, typ: str, key: str, target: Resource) -> list[Resource]:
        """Resources of `typ` whose input `key` (or one nested level of it) names `target`."""
        found = []
        for r in self.of(typ):
            value = r.inputs.get(key)
            nested = as_dict(value)
            texts = {str(value), *(str(v) for v in nested.values())}
            if target.arn in texts or f"{target.name}-id" in texts:
                found.append(r)
        return found

    # volumes -----------------------------------------------------------------

    @property
    def requests_per_month(self) -> float:
        return self.usage.requests_per_day * DAYS_PER_MONTH

    @property
    def average_rps(self) -> float:
        return self.usage.requests_per_day / 86_400

    @staticmethod
    def schedule_runs(schedule: Resource) -> float:
        """Runs a month one schedule starts."""
        return runs_per_month(str(schedule.inputs.get("scheduleExpression", "")))

    @staticmethod
    def schedule_steps(schedule: Resource) -> str:
        """What a schedule's runs do: `train`, `score`, or `""` for both (its input's `steps`)."""
        run_input = as_dict(as_dict(schedule.inputs.get("target")).get("input"))
        return str(run_input.get("steps") or "")

    @staticmethod
    def scheduled_task(schedule: Resource) -> str:
        """The task definition a schedule starts directly (empty: it targets something else)."""
        ecs = as_dict(as_dict(schedule.inputs.get("target")).get("ecsParameters"))
        return str(ecs.get("taskDefinitionArn") or "")

    def _runs(self, skip: str) -> float:
        """Runs a month of the batch schedules whose steps are not `skip`; a schedule that
        starts an ECS task itself (the API's retrain check) is not a batch run."""
        return sum(
            self.schedule_runs(s)
            for s in self.of("aws:scheduler/schedule:Schedule")
            if not self.scheduled_task(s) and self.schedule_steps(s) != skip
        )

    @cached_property
    def batch_runs(self) -> float:
        """Runs a month of the batch schedules, training or scoring (0 without one)."""
        return self._runs(skip="none")

    @cached_property
    def train_runs(self) -> float:
        """Runs a month that train: all of them, unless training has a schedule of its own."""
        return self._runs(skip="score")

    @cached_property
    def score_runs(self) -> float:
        """Runs a month that score: all of them, except training-only runs."""
        return self._runs(skip="train")

    def task_runs(self, task: Resource) -> float:
        """Runs a month of the schedules that start `task` directly."""
        return sum(
            self.schedule_runs(s)
            for s in self.of("aws:scheduler/schedule:Schedule")
            if self.scheduled_task(s) in (task.arn, f"{task.name}-id")
        )

    @cached_property
    def retrain_reads_gb(self) -> float:
        """GB a month the scheduled retrain runs read: each run reads its lookback window of
        served records (`RETRAIN_LOOKBACK_DAYS` in the task's environment)."""
        total = 0.0
        for schedule in self.of("aws:scheduler/schedule:Schedule"):
            task = self.by_arn(self.scheduled_task(schedule))
            if task is None:
                continue
            days = number(task_environment(task).get("RETRAIN_LOOKBACK_DAYS"), 0.0)
            daily_gb = self.usage.requests_per_day * self.usage.record_bytes / GB
            total += self.schedule_runs(schedule) * days * daily_gb
        return total

    @cached_property
    def keeps_training_records(self) -> bool:
        """Whether the API stores its served predictions for retraining (a retrain schedule)."""
        return any(self.scheduled_task(s) for s in self.of("aws:scheduler/schedule:Schedule"))

    @cached_property
    def has_api(self) -> bool:
        return bool(self.of("aws:ecs/service:Service"))

    @cached_property
    def endpoints(self) -> set[str]:
        """Services reached through VPC endpoints (`s3`, `ecr.dkr`, `logs`, ...)."""
        names = set()
        for r in self.of("aws:ec2/vpcEndpoint:VpcEndpoint"):
            service = str(r.inputs.get("serviceName", ""))
            names.add(service.split(".", 3)[-1] if service.count(".") >= 3 else service)
        return names

    @cached_property
    def score_task_hours_per_run(self) -> float:
        records = self.requests_per_month / max(1.0, self.score_runs)
        return records / self.usage.score_records_per_task_hour

    @cached_property
    def task_starts(self) -> float:
        """Fargate task starts a month: deploys x API tasks, and the jobs of every run."""
        starts = 0.0
        for service in self.of("aws:ecs/service:Service"):
            starts += (
                number(service.inputs.get("desiredCount"), 1) * self.usage.api_deploys_per_month
            )
        if self.batch_runs:
            parallel = max(1.0, self.map_concurrency)
            starts += self.train_runs + self.score_runs * parallel
        for schedule in self.of("aws:scheduler/schedule:Schedule"):
            if self.scheduled_task(schedule):
                starts += self.schedule_runs(schedule)
        return starts

    @cached_property
    def map_concurrency(self) -> float:
        for machine in self.of("aws:sfn/stateMachine:StateMachine"):
            states = as_dict(machine.inputs.get("definition")).get("States", {})
            for state in states.values():
                if isinstance(state, dict) and state.get("Type") == "Map":
                    return number(state.get("MaxConcurrency"), 1)
        return 1.0

    @cached_property
    def log_gb(self) -> float:
        """CloudWatch Logs GB a month across the stack's log groups."""
        groups = len(self.of("aws:cloudwatch/logGroup:LogGroup"))
        per_request = self.requests_per_month * self.usage.log_bytes_per_request / GB
        return groups * self.usage.log_gb_per_group_month + per_request

    @cached_property
    def nat_gb(self) -> float:
        """GB a month the NAT gateways process: image pulls, model reads, S3, Kinesis, logs."""
        u = self.usage
        total = 0.0
        if "ecr.dkr" not in self.endpoints:
            total += self.task_starts * u.image_gb
        if "s3" not in self.endpoints:
            total += self.task_starts * u.model_mb / 1024
            if self.batch_runs:
                total += 2 * self.requests_per_month * u.record_bytes / GB
            if self.keeps_training_records:  # the API writes them, the retrain runs read them
                total += self.requests_per_month * u.record_bytes / GB + self.retrain_reads_gb
        if (
            self.has_api
            and self.of("aws:kinesis/stream:Stream")
            and "kinesis-streams" not in self.endpoints
        ):
            total += self.requests_per_month * u.record_bytes / GB
        if "logs" not in self.endpoints:
            total += self.log_gb
        return total

    def put_units(self, record_bytes: float, unit_kb: float) -> float:
        """Billing units per record when each record is rounded up to `unit_kb`."""
        return float(max(1, math.ceil(record_bytes / (unit_kb * 1024))))
