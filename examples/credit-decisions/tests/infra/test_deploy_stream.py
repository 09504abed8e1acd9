"""The stream pipeline deployed into moto: its consumer reads what its producer writes.

The deployed function is a container-image Lambda of the project's image: its
command names the handler, which is imported and run by archgen-stacks'
mapping runner (AWS's Kinesis event shape) with the function's own environment, over
records the stream's real producer put on the deployed stream: the event
producer for a streaming project, the API's prediction log for a hybrid one.
The drift alarm must watch the namespace and dimension the consumer publishes,
and the deployed dashboard must graph the very series the consumer publishes
for each batch and drift window (live monitoring, end to end).
"""

from __future__ import annotations

import importlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from archgen_stacks.testing.esm_runner import run_event_source_mapping
from archgen_stacks.testing.pytest_plugin import DeployedStack
from pytest import CaptureFixture

from credit_decisions import data, spec
from credit_decisions.config import Settings
from credit_decisions.model import Model
from credit_decisions.monitoring.prediction_log import PredictionLog
from credit_decisions.monitoring.window import DRIFT_MIN_ROWS
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


def image_handler(config: dict[str, Any]) -> str:
    """The handler the image function's command names (after the Runtime Interface Client)."""
    image = config["ImageConfigResponse"]["ImageConfig"]
    assert image["EntryPoint"] == ["python", "-m", "awslambdaric"]
    (handler,) = image["Command"]
    return str(handler)


def test_consumer_runs_the_project_image(
    archgen_deployed: DeployedStack, archgen_stack_config: dict[str, str]
) -> None:
    session, result = archgen_deployed
    config = consumer_config(archgen_deployed)
    function = result.one("lambda.Function").outputs["name"]
    code = session.client("lambda").get_function(FunctionName=function)["Code"]
    repository = result.outputs["repositoryUrl"]
    assert config["PackageType"] == "Image" and config["Architectures"] == ["x86_64"]
    # the image `pulumi up` built and pushed to the stack's repository, tagged by its content
    assert code["ImageUri"] == result.outputs["imageUri"]
    assert code["ImageUri"].startswith(f"{repository}:sha-")
    assert config["Environment"]["Variables"]["HOME"] == "/tmp"  # the only writable path


def test_the_image_installs_the_runtime_interface_client() -> None:
    """The image's entry point module is one of the project's own (Linux) dependencies, so the
    image the Dockerfile builds from this package has it."""
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    requirements = {
        re.split(r"[\s;<>=!~\[]", d, maxsplit=1)[0]: d for d in project["project"]["dependencies"]
    }
    assert "awslambdaric" in requirements
    assert "sys_platform == 'linux'" in requirements["awslambdaric"]  # the image is linux/amd64


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
    assert image_handler(consumer_config(archgen_deployed)) == expected


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
    if image_handler(config) == MONITORING_HANDLER:
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

    module_name, _, name = image_handler(config).rpartition(".")
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


def test_the_deployed_dashboard_graphs_what_the_consumer_publishes(
    archgen_deployed: DeployedStack, trained_model: Model, capsys: CaptureFixture[str]
) -> None:
    """Enough traffic to fill a drift window: every model series graphed is one published."""
    session, result = archgen_deployed
    config = consumer_config(archgen_deployed)
    env = config["Environment"]["Variables"]
    settings = Settings.from_env(
        {"MODELS_BUCKET": env["MODELS_BUCKET"], "MODELS_PREFIX": env["MODELS_PREFIX"]}
        | {"AWS_REGION": session.region_name}
    )
    save_model(session.client("s3"), settings, trained_model, promote=True)
    kinesis, stream = session.client("kinesis"), result.outputs["streamName"]
    rows = DRIFT_MIN_ROWS + 50
    if image_handler(config) == MONITORING_HANDLER:
        sink = PredictionLog(stream, client=kinesis, flush_interval_s=0.01)
        for record in served(trained_model, rows):
            sink.write(record.model_dump(mode="json") | {"request_id": f"w-{record.request_id}"})
        sink.close()
    else:
        send(kinesis, stream, messages(rows, seed=67))
    module_name, _, name = image_handler(config).rpartition(".")
    module = importlib.import_module(module_name)
    module.set_runtime(None)
    capsys.readouterr()
    try:
        run_event_source_mapping(
            result.one("lambda.EventSourceMapping").id,
            getattr(module, name),
            session_or_endpoint=session,
            region=session.region_name,
        )
    finally:
        module.set_runtime(None)
    emitted = {
        (metric["Name"], document["service"])
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and "_aws" in line
        for document in [json.loads(line)]
        for metric in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    }
    dashboard = result.outputs["dashboardName"]
    board = session.client("cloudwatch").get_dashboard(DashboardName=dashboard)
    body = json.loads(board["DashboardBody"])
    namespace, service = env["POWERTOOLS_METRICS_NAMESPACE"], env["POWERTOOLS_SERVICE_NAME"]
    series: set[tuple[str, str]] = set()
    searches: list[str] = []
    for widget in body["widgets"]:
        for row in widget.get("properties", {}).get("metrics", []):
            if isinstance(row[0], dict):
                searches.append(row[0]["expression"])
            elif row[0] == namespace:
                series.add((row[1], row[row.index("service") + 1]))
    assert {"MeanScore", "MaxFeaturePsi", "RecordsStored", "LatencyMaxMs"} <= {m for m, _ in series}
    # PositiveRate is a binary model's; the stack graphs it whatever the task (it has no task key)
    binary_only = set() if spec.TASK == "binary" else {("PositiveRate", service)}
    assert series - binary_only <= emitted, series - binary_only - emitted
    published = {metric for metric, _ in emitted}
    for expression in searches:
        metric = expression.split('MetricName="', 1)[1].split('"', 1)[0]
        assert f'"{namespace}"' in expression and f'service="{service}"' in expression
        assert metric in published or (metric == "ClassShare" and spec.TASK == "regression")
