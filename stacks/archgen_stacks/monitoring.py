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
        alarms_of_this_account = pulumi.Output.concat(
            "arn:",
            account.partition,
            ":cloudwatch:",
            account.region,
            ":",
            account.account_id,
            ":alarm:*",
        )
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
