"""Where alarms go and what operators look at: the alarm topic and the stack's dashboard.

Every other component takes the topic ARN for its alarms and exposes
`widgets()`: data describing the metrics worth a graph. The dashboard is built
last from those widgets, so it always matches what the stack contains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from .common import current_account, document, source_account, statement


def metric_widget(
    title: str,
    metrics: Sequence[Sequence[Any]],
    *,
    stat: str = "Sum",
    period: int = 300,
    region: pulumi.Input[str] | None = None,
) -> dict[str, Any]:
    """One CloudWatch graph widget (metrics in the dashboard-body array form)."""
    props: dict[str, Any] = {
        "title": title,
        "metrics": [list(m) for m in metrics],
        "stat": stat,
        "period": period,
        "view": "timeSeries",
    }
    if region is not None:
        props["region"] = region
    return {"type": "metric", "width": 12, "height": 6, "properties": props}


@dataclass(frozen=True)
class AlarmTopicArgs:
    """The SNS topic every alarm and pipeline failure notifies."""

    kms_key_arn: pulumi.Input[str]
    alarm_email: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """An email subscription needs something that looks like an address."""
        if self.alarm_email and "@" not in self.alarm_email:
            raise ValueError("AlarmTopicArgs.alarm_email must be an email address")


class AlarmTopic(pulumi.ComponentResource):
    """KMS-encrypted SNS topic that CloudWatch alarms may publish to, with an email subscription."""

    topic: aws.sns.Topic
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlarmTopicArgs, opts: pulumi.ResourceOptions | None = None):
        args.validate()
        super().__init__("archgen:monitoring:AlarmTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = current_account(pulumi.InvokeOptions(parent=self))
        alarms_of_this_account = account.arn("cloudwatch", "alarm:*")
        self.topic = aws.sns.Topic(
            f"{name}-topic",
            kms_master_key_id=args.kms_key_arn,
            tags=dict(args.tags),
            opts=child,
        )
        aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=self.topic.arn,
            policy=document(
                [
                    statement(
                        ["sns:Publish"],
                        [self.topic.arn],
                        principal={"Service": "cloudwatch.amazonaws.com"},
                        condition={
                            **source_account(account.account_id),
                            "ArnLike": {"aws:SourceArn": alarms_of_this_account},
                        },
                        sid="CloudWatchAlarmsPublish",
                    ),
                    statement(
                        ["sns:Publish"],
                        [self.topic.arn],
                        effect="Deny",
                        principal={"AWS": "*"},
                        condition={"Bool": {"aws:SecureTransport": "false"}},
                        sid="DenyInsecureTransport",
                    ),
                ]
            ),
            opts=child,
        )
        if args.alarm_email:
            aws.sns.TopicSubscription(
                f"{name}-email",
                topic=self.topic.arn,
                protocol="email",
                endpoint=args.alarm_email,
                opts=child,
            )
        self.arn = self.topic.arn
        self.register_outputs({"arn": self.arn})


@dataclass(frozen=True)
class DashboardArgs:
    """The widgets of the stack's dashboard (from each component's `widgets()`)."""

    widgets: Sequence[Mapping[str, Any]]

    def validate(self) -> None:
        """A dashboard with nothing on it is a mistake in the program."""
        if not self.widgets:
            raise ValueError("DashboardArgs.widgets must not be empty")


class Dashboard(pulumi.ComponentResource):
    """A CloudWatch dashboard of the pattern's key metrics."""

    dashboard: aws.cloudwatch.Dashboard
    dashboard_name: pulumi.Output[str]

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None):
        args.validate()
        super().__init__("archgen:monitoring:Dashboard", name, None, opts)
        region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region
        widgets = [
            {**w, "properties": {"region": region, **dict(w.get("properties", {}))}}
            for w in args.widgets
        ]
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=f"{name}-{pulumi.get_stack()}",  # one per stack of the project
            dashboard_body=pulumi.Output.json_dumps({"widgets": widgets}),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = self.dashboard.dashboard_name
        self.register_outputs({"dashboard_name": self.dashboard_name})


def search_widget(
    title: str,
    expression: pulumi.Input[str],
    *,
    period: int = 300,
    region: pulumi.Input[str] | None = None,
) -> dict[str, Any]:
    """One graph of every series a CloudWatch SEARCH expression finds (one line per dimension)."""
    widget = metric_widget(title, [], stat="Maximum", period=period, region=region)
    widget["properties"]["metrics"] = [[{"expression": expression, "id": "e1", "label": ""}]]
    return widget


DRIFT_METRIC = "MaxFeaturePsi"
"""What a model consumer publishes per window: the largest PSI of any feature."""


@dataclass(frozen=True)
class ModelMonitorArgs:
    """Where a consumer publishes its model metrics (EMF), and when drift alarms."""

    namespace: pulumi.Input[str]
    service: str
    alarm_topic_arn: pulumi.Input[str]
    drift_alarm_psi: float = 0.25
    drift_period_s: int = 300
    drift_evaluation_periods: int = 3
    drift_datapoints_to_alarm: int = 2
    tags: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """A PSI threshold is positive; an alarm needs as many periods as breaching points."""
        if not 0.0 < self.drift_alarm_psi <= 10.0:
            raise ValueError(
                f"ModelMonitorArgs.drift_alarm_psi is out of range: {self.drift_alarm_psi!r}"
            )
        if self.drift_period_s not in (10, 30) and self.drift_period_s % 60:
            raise ValueError("ModelMonitorArgs.drift_period_s must be 10, 30 or a multiple of 60")
        if not 1 <= self.drift_datapoints_to_alarm <= self.drift_evaluation_periods:
            raise ValueError("ModelMonitorArgs needs 1 <= drift_datapoints_to_alarm <= periods")
        if not self.service:
            raise ValueError("ModelMonitorArgs.service must not be empty")


class ModelMonitor(pulumi.ComponentResource):
    """The model's own health from what its consumer publishes: drift alarm and dashboard widgets.

    The consumer (the stream scorer, or the hybrid's prediction-log consumer)
    publishes CloudWatch embedded metrics under `namespace` with the dimension
    `service`: prediction distribution (Predictions, MeanScore, PositiveRate,
    ClassShare by Class), latency (LatencyMeanMs, LatencyMaxMs), feature drift
    against the model's training data (MaxFeaturePsi, FeaturePsi by Feature)
    and record outcomes (RecordsStored, DuplicateRecords, FailedRecords).
    """

    drift_alarm: aws.cloudwatch.MetricAlarm

    def __init__(
        self, name: str, args: ModelMonitorArgs, opts: pulumi.ResourceOptions | None = None
    ):
        args.validate()
        super().__init__("archgen:monitoring:ModelMonitor", name, None, opts)
        self._args = args
        actions = [args.alarm_topic_arn]
        self.drift_alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-drift-alarm",
            alarm_description=(
                f"A feature's population stability index passed {args.drift_alarm_psi}: the "
                "inputs no longer look like the training data; retrain or investigate"
            ),
            namespace=args.namespace,
            metric_name=DRIFT_METRIC,
            dimensions={"service": args.service},
            statistic="Maximum",
            period=args.drift_period_s,
            evaluation_periods=args.drift_evaluation_periods,
            datapoints_to_alarm=args.drift_datapoints_to_alarm,
            threshold=args.drift_alarm_psi,
            comparison_operator="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            ok_actions=actions,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"drift_alarm_arn": self.drift_alarm.arn})

    def widgets(self) -> list[dict[str, Any]]:
        """Prediction distribution, latency, drift (with its threshold) and record outcomes."""
        ns, service = self._args.namespace, self._args.service

        def series(metric: str, *rest: Any) -> list[Any]:
            return [ns, metric, "service", service, *rest]

        def search(metric: str, dimension: str) -> pulumi.Output[str]:
            # the namespace is quoted: a project's holds hyphens
            schema = pulumi.Output.concat('{"', ns, f'",service,{dimension}}}')
            query = f' MetricName="{metric}" service="{service}"'
            return pulumi.Output.concat("SEARCH('", schema, query, "', 'Maximum', 300)")

        drift = metric_widget(
            "Feature drift: max PSI vs training data",
            [series(DRIFT_METRIC)],
            stat="Maximum",
        )
        drift["properties"]["annotations"] = {
            "horizontal": [{"label": "drift alarm", "value": self._args.drift_alarm_psi}]
        }
        return [
            metric_widget(
                "Prediction distribution",
                [series("MeanScore"), series("PositiveRate")],
                stat="Average",
            ),
            search_widget("Predicted class share", search("ClassShare", "Class")),
            drift,
            search_widget("PSI per feature", search("FeaturePsi", "Feature")),
            metric_widget(
                "Prediction latency (ms)",
                [series("LatencyMeanMs", {"stat": "Average"}), series("LatencyMaxMs")],
                stat="Maximum",
            ),
            metric_widget(
                "Records stored, duplicate, failed",
                [series("RecordsStored"), series("DuplicateRecords"), series("FailedRecords")],
            ),
        ]
