"""The stream pipeline deployed into moto: the consumer reads the stream and writes the table."""

from __future__ import annotations

from archgen_stacks.testing.pytest_plugin import DeployedStack

PROJECT = "credit-decisions"


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


def test_consumer_runs_the_project_handler(archgen_deployed: DeployedStack) -> None:
    session, result = archgen_deployed
    function = result.one("lambda.Function").outputs["name"]
    config = session.client("lambda").get_function_configuration(FunctionName=function)
    assert config["Handler"] == "credit_decisions.stream.handler.lambda_handler"


def test_predictions_table_exists(archgen_deployed: DeployedStack) -> None:
    session, result = archgen_deployed
    table = session.client("dynamodb").describe_table(TableName=result.outputs["tableName"])
    assert table["Table"]["TableStatus"] == "ACTIVE"
