"""The stream pipeline deployed into moto: its consumer reads what its producer writes.

The deployed function's handler is imported from its `Handler` setting and run
by archgen-stacks' mapping runner with the function's own environment, over
records the stream's real producer put on the deployed stream: the event
producer for a streaming project, the API's prediction log for a hybrid one.
The drift alarm must watch the namespace and dimension the consumer publishes.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from archgen_stacks.testing.esm_runner import run_event_source_mapping
from archgen_stacks.testing.pytest_plugin import DeployedStack
from pytest import CaptureFixture

from credit_decisions import data, spec
from credit_decisions.config import Settings
from credit_decisions.model import Model
from credit_decisions.monitoring.prediction_log import PredictionLog
from credit_decisions.schema import PredictionLogRecord, PredictionRequest, predict
from credit_decisions.storage import save_model
from credit_decisions.stream.producer import messages, send

PROJECT = "credit-decisions"
MONITORING_HANDLER = "credit_decisions.monitoring.consumer.lambda_handler"
SCORING_HANDLER = "credit_decisions.stream.handler.lambda_handler"


def consumer_config(archgen_deployed: DeployedStack) -> dict[str, Any]:
    session, result = archgen_deployed
    function = result.one("lambda.Function").outputs["name"]
    return dict(session.client("lambda").get_function_configuration(FunctionName=function))


def test_consumer_is_mapped_to_the_stream(
    archgen_deployed: DeployedStack, archgen_stack_config: dict[str, str]
) -> None:
    session, result = archgen_deployed
    stream = session.client("kinesis").describe_stream_summary(
        StreamName=result.outputs["streamName"]
    )["StreamDescriptionSummary"]
    mapping = session.client("lambda").get_event_source_mapping(
        UUID=result.one("lambda.EventSourceMapping").id
    )
    assert mapping["EventSourceArn"] == stream["StreamARN"]
    assert mapping["BatchSize"] == int(archgen_stack_config[f"{PROJECT}:consumerBatchSize"])


def test_consumer_runs_the_handler_for_what_the_stream_carries(
    archgen_deployed: DeployedStack,
) -> None:
    _, result = archgen_deployed
    expected = MONITORING_HANDLER if "apiUrl" in result.outputs else SCORING_HANDLER
    assert consumer_config(archgen_deployed)["Handler"] == expected


def test_drift_alarm_watches_what_the_consumer_publishes(
    archgen_deployed: DeployedStack, archgen_stack_config: dict[str, str]
) -> None:
    session, _ = archgen_deployed
    env = consumer_config(archgen_deployed)["Environment"]["Variables"]
    pages = session.client("cloudwatch").get_paginator("describe_alarms").paginate()
    alarms = [
        a for page in pages for a in page["MetricAlarms"] if a.get("MetricName") == "MaxFeaturePsi"
    ]
    assert len(alarms) == 1
    (alarm,) = alarms
    assert alarm["Namespace"] == env["POWERTOOLS_METRICS_NAMESPACE"]
    assert alarm["Dimensions"] == [{"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}]
    assert alarm["Threshold"] == float(archgen_stack_config[f"{PROJECT}:driftAlarmPsi"])
    assert alarm["AlarmActions"]


def served(model: Model, rows: int) -> list[PredictionLogRecord]:
    dataset = data.generate(rows, seed=61)
    records = []
    for index in range(rows):
        request = PredictionRequest.model_validate(
            {spec.ID_FIELD: dataset.ids[index], **data.feature_dict(dataset, index)}
        )
        prediction = predict(model, request, 0.5)
        records.append(PredictionLogRecord.build(request, prediction, f"req-{index}", 4.0))
    return records


def test_producer_to_deployed_stream_to_consumer_to_table(
    archgen_deployed: DeployedStack, trained_model: Model, capsys: CaptureFixture[str]
) -> None:
    session, result = archgen_deployed
    config = consumer_config(archgen_deployed)
    env = config["Environment"]["Variables"]
    region = session.region_name
    settings = Settings.from_env(
        {"MODELS_BUCKET": env["MODELS_BUCKET"], "MODELS_PREFIX": env["MODELS_PREFIX"]}
        | {"AWS_REGION": region}
    )
    save_model(session.client("s3"), settings, trained_model, promote=True)
    kinesis, stream = session.client("kinesis"), result.outputs["streamName"]
    if config["Handler"] == MONITORING_HANDLER:
        records = served(trained_model, 30)
        sink = PredictionLog(stream, client=kinesis, flush_interval_s=0.01)
        for record in [*records, records[0]]:  # the last one a redelivery
            sink.write(record.model_dump(mode="json"))
        sink.close()
        expected = {r.request_id for r in records}
    else:
        send(kinesis, stream, messages(30, seed=61))
        send(kinesis, stream, messages(1, seed=61))  # a redelivery
        expected = {m["event_id"] for m in messages(30, seed=61)}
    kinesis.put_record(StreamName=stream, Data=b'{"poison": true}', PartitionKey="p")

    module_name, _, name = config["Handler"].rpartition(".")
    module = importlib.import_module(module_name)
    module.set_runtime(None)  # cold start, from the function's environment
    capsys.readouterr()
    try:
        report = run_event_source_mapping(
            result.one("lambda.EventSourceMapping").id,
            getattr(module, name),
            session_or_endpoint=session,
            region=region,
        )
    finally:
        module.set_runtime(None)

    assert report.records == 32 and report.failed_records == 1
    table = session.resource("dynamodb").Table(env["PREDICTIONS_TABLE"])
    assert {item["pk"] for item in table.scan()["Items"]} == expected
    published = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and "RecordsStored" in line
    ]
    assert published and {d["_aws"]["CloudWatchMetrics"][0]["Namespace"] for d in published} == {
        env["POWERTOOLS_METRICS_NAMESPACE"]
    }
    assert sum(d["RecordsStored"][0] for d in published) == 30
    assert sum(d["DuplicateRecords"][0] for d in published) == 1
