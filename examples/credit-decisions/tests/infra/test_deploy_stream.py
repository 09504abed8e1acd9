"""The stream pipeline deployed into moto: the consumer reads the stream and writes the table."""

from __future__ import annotations

from typing import Any

from components.emulator import DeployResult

PROJECT = "credit-decisions"


def test_consumer_is_mapped_to_the_stream(
    deployed: tuple[Any, DeployResult], dev_config: dict[str, str]
) -> None:
    session, result = deployed
    stream = session.client("kinesis").describe_stream_summary(
        StreamName=result.outputs["streamName"]
    )["StreamDescriptionSummary"]
    mapping = session.client("lambda").get_event_source_mapping(
        UUID=result.one("lambda.EventSourceMapping").id
    )
    assert mapping["EventSourceArn"] == stream["StreamARN"]
    assert mapping["BatchSize"] == int(dev_config[f"{PROJECT}:consumerBatchSize"])


def test_consumer_runs_the_project_handler(deployed: tuple[Any, DeployResult]) -> None:
    session, result = deployed
    function = result.one("lambda.Function").outputs["name"]
    config = session.client("lambda").get_function_configuration(FunctionName=function)
    assert config["Handler"] == "credit_decisions.stream.handler.lambda_handler"


def test_predictions_table_exists(deployed: tuple[Any, DeployResult]) -> None:
    session, result = deployed
    table = session.client("dynamodb").describe_table(TableName=result.outputs["tableName"])
    assert table["Table"]["TableStatus"] == "ACTIVE"
