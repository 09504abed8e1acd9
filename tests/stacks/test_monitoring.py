"""The model monitor: the drift alarm watches what the stream consumer publishes, and the
dashboard graphs it; in the hybrid the consumer is the monitoring consumer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from archgen.stack_settings import StackSettings
from archgen_stacks.monitoring import DRIFT_METRIC, ModelMonitorArgs
from archgen_stacks.program import AppArtifacts, build

TOPIC = "arn:aws:sns:eu-west-1:123456789012:alarms"
MONITORING_HANDLER = "credit.monitoring.consumer.lambda_handler"


def settings(pattern: str, **values: Any) -> StackSettings:
    return StackSettings.from_mapping({"pattern": pattern, "namePrefix": "credit", **values})


def hybrid(mocked: Any, **values: Any) -> Any:
    config = {"consumerHandler": MONITORING_HANDLER, **values}
    app = AppArtifacts(package="credit")
    return mocked(lambda: build(settings("hybrid", **config), app))


def drift_alarm(run: Any) -> dict[str, Any]:
    alarms = [
        r.inputs
        for r in run.of("aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.inputs.get("metricName") == DRIFT_METRIC
    ]
    assert len(alarms) == 1
    return dict(alarms[0])


def test_the_hybrid_stream_is_consumed_by_the_monitoring_consumer(mocked) -> None:
    run = hybrid(mocked)
    (function,) = run.of("aws:lambda/function:Function")
    assert function.inputs["imageConfig"]["commands"] == [MONITORING_HANDLER]
    # the training statistics it compares traffic with come from the models bucket
    policy = json.loads(run.named("credit-hybrid-predlog-consumer-policy").inputs["policy"])
    by_action = {a: s["Resource"] for s in policy["Statement"] for a in s["Action"]}
    models = run.named("credit-lake-models").outputs["arn"]
    assert by_action["s3:GetObject"] == [f"{models}/models/*"]
    env = function.inputs["environment"]["variables"]
    assert env["MODELS_BUCKET"] == run.named("credit-lake-models").outputs["bucket"]


def test_drift_alarm_watches_the_consumers_metrics_at_the_configured_psi(mocked) -> None:
    run = hybrid(mocked, driftAlarmPsi=0.3)
    alarm = drift_alarm(run)
    (function,) = run.of("aws:lambda/function:Function")
    env = function.inputs["environment"]["variables"]
    assert alarm["namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["dimensions"] == {"service": env["POWERTOOLS_SERVICE_NAME"]}
    assert alarm["threshold"] == pytest.approx(0.3)
    assert (alarm["comparisonOperator"], alarm["statistic"]) == ("GreaterThanThreshold", "Maximum")
    assert alarm["treatMissingData"] == "notBreaching"
    topic = run.of("aws:sns/topic:Topic")[0].outputs["arn"]
    assert alarm["alarmActions"] == [topic] and alarm["okActions"] == [topic]
    assert run.parents["credit-hybrid-predlog-model"] == "credit-hybrid-predlog"


def test_dashboard_graphs_distribution_drift_latency_and_outcomes(mocked) -> None:
    run = hybrid(mocked, driftAlarmPsi=0.3)
    alarm = drift_alarm(run)
    body = json.loads(run.of("aws:cloudwatch/dashboard:Dashboard")[0].inputs["dashboardBody"])
    series = {
        m[1]: m
        for w in body["widgets"]
        for m in w["properties"]["metrics"]
        if isinstance(m[0], str) and m[0] == alarm["namespace"]
    }
    for name in (
        DRIFT_METRIC,
        "MeanScore",
        "PositiveRate",
        "LatencyMeanMs",
        "LatencyMaxMs",
        "RecordsStored",
        "DuplicateRecords",
        "FailedRecords",
    ):
        assert series[name][2:4] == ["service", alarm["dimensions"]["service"]], name
    (drift,) = [w for w in body["widgets"] if w["properties"]["title"].startswith("Feature drift")]
    assert drift["properties"]["annotations"]["horizontal"][0]["value"] == pytest.approx(0.3)
    expressions = [
        m[0]["expression"]
        for w in body["widgets"]
        for m in w["properties"]["metrics"]
        if isinstance(m[0], dict)
    ]
    assert any('MetricName="FeaturePsi"' in e and alarm["namespace"] in e for e in expressions)
    assert any('MetricName="ClassShare"' in e for e in expressions)


def test_streaming_gets_the_same_monitor_on_its_scoring_consumer(mocked) -> None:
    app = AppArtifacts(package="credit")
    run = mocked(lambda: build(settings("streaming"), app))
    (function,) = run.of("aws:lambda/function:Function")
    assert function.inputs["imageConfig"]["commands"] == ["credit.stream.handler.handler"]
    assert drift_alarm(run)["threshold"] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"drift_alarm_psi": 0.0}, "drift_alarm_psi"),
        ({"drift_period_s": 45}, "drift_period_s"),
        ({"drift_datapoints_to_alarm": 4}, "drift_datapoints_to_alarm"),
        ({"service": ""}, "service"),
    ],
)
def test_monitor_args_are_validated(overrides: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {"namespace": "ns", "service": "consumer", "alarm_topic_arn": TOPIC}
    with pytest.raises(ValueError, match=field):
        ModelMonitorArgs(**{**values, **overrides}).validate()


def test_drift_threshold_config_is_checked() -> None:
    with pytest.raises(ValueError, match="driftAlarmPsi"):
        settings("hybrid", driftAlarmPsi=0.0).validate()
