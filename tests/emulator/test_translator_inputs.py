"""Each translator says which inputs it applies in moto; strict mode refuses any other."""

from __future__ import annotations

import importlib
import warnings

import boto3
import pulumi_aws as aws
import pytest

from archgen_stacks.testing.emulator import EmulatorError, MotoMocks, deploy, supported_kinds
from archgen_stacks.testing.emulator._pulumi_internals import (
    input_path_exists,
    input_property_names,
)
from archgen_stacks.testing.emulator.translators import MODULES, TRANSLATORS


def _args_type(kind: str) -> type:
    """`lambda.Function` -> pulumi_aws.lambda_.FunctionArgs (`docker-build:index:Image` ->
    pulumi_docker_build.ImageArgs)."""
    if kind.startswith("docker-build:"):
        import pulumi_docker_build

        docker: type = getattr(pulumi_docker_build, f"{kind.rsplit(':', 1)[1]}Args")
        return docker
    service, _, resource = kind.partition(".")
    module_name = "lambda_" if service == "lambda" else service
    with warnings.catch_warnings():  # importing a namespace warns about its deprecated classes
        warnings.simplefilter("ignore", DeprecationWarning)
        module = importlib.import_module(f"pulumi_aws.{module_name}")
        # the resource's own module: where a nested input type has the same name
        # (s3.BucketLoggingArgs is the legacy Bucket.logging block), the resource's
        # inputs are <Resource>InitArgs
        defining = importlib.import_module(getattr(module, resource).__module__)
    args: type = getattr(defining, f"{resource}InitArgs", None) or getattr(
        defining, f"{resource}Args"
    )
    return args


@pytest.mark.parametrize("kind", sorted(TRANSLATORS))
def test_applied_and_not_emulated_name_only_real_inputs(kind: str) -> None:
    translator = TRANSLATORS[kind]
    args = _args_type(kind)
    real = input_property_names(args)
    assert translator.applied, f"{kind}: a translator applies at least one input"
    declared = translator.applied | translator.not_emulated
    top = {path.split(".", 1)[0] for path in declared}
    assert not top - real, f"{kind}: not inputs of its Pulumi SDK"
    nested = sorted(path for path in declared if not input_path_exists(args, path))
    assert not nested, f"{kind}: not input paths of pulumi_aws: {nested}"
    assert not translator.applied & translator.not_emulated
    assert all(translator.reasons[path].strip() for path in translator.not_emulated)


def test_input_paths_are_read_from_pulumi_aws_types() -> None:
    """The oracle of the test above: real nested names pass, invented ones do not."""
    service = aws.ecs.ServiceArgs
    assert input_path_exists(service, "deploymentCircuitBreaker.rollback")
    assert input_path_exists(service, "loadBalancers.containerPort")  # through the list
    assert input_path_exists(service, "tags.*")
    assert not input_path_exists(service, "deploymentCircuitBreaker.rolback")
    assert not input_path_exists(service, "cluster.*")  # a string holds no keys


def test_every_module_declares_the_same_kinds_three_times() -> None:
    for module in MODULES:
        assert set(module.HANDLERS) == set(module.APPLIED) == set(module.NOT_EMULATED)
    assert supported_kinds() == frozenset(TRANSLATORS)


def _queue_with_an_unemulated_input() -> None:
    aws.sqs.Queue("orders", content_based_deduplication=True, fifo_queue=True)


def test_strict_mode_rejects_an_input_the_translator_does_not_know(moto: boto3.Session) -> None:
    with pytest.raises(EmulatorError) as err:
        deploy(_queue_with_an_unemulated_input, mocks=MotoMocks(moto))
    message = str(err.value)
    assert "aws:sqs/queue:Queue 'orders'" in message
    assert "sqs.Queue" in message
    assert "contentBasedDeduplication" in message  # the name as the mocks receive it
    assert "fifoQueue" not in message  # applied, so not reported


def test_a_direct_registration_raises_at_once(moto: boto3.Session) -> None:
    from pulumi.runtime import MockResourceArgs

    args = MockResourceArgs(
        "aws:sqs/queue:Queue", "q", {"name": "q", "redriveAllowPolicy": "{}"}, custom=True
    )
    with pytest.raises(EmulatorError, match=r"'q'.*sqs\.Queue.*redriveAllowPolicy"):
        MotoMocks(moto).new_resource(args)


def test_every_unknown_input_of_a_deploy_is_reported_together(moto: boto3.Session) -> None:
    def program() -> None:
        aws.sqs.Queue("a", content_based_deduplication=True, fifo_queue=True)
        aws.sns.Topic("t", display_name="alerts")

    with pytest.raises(EmulatorError) as err:
        deploy(program, mocks=MotoMocks(moto))
    assert "'a'" in str(err.value) and "contentBasedDeduplication" in str(err.value)
    assert "'t'" in str(err.value) and "displayName" in str(err.value)


def test_an_input_listed_as_not_emulated_deploys_in_strict_mode(moto: boto3.Session) -> None:
    def program() -> None:
        aws.kms.Key("key", deletion_window_in_days=7)

    result = deploy(program, mocks=MotoMocks(moto))
    assert result.one("kms.Key").outputs["deletionWindowInDays"] == 7


def test_lenient_mode_keeps_an_unknown_input_in_the_outputs_only(moto: boto3.Session) -> None:
    result = deploy(_queue_with_an_unemulated_input, mocks=MotoMocks(moto, strict=False))
    queue = result.one("sqs.Queue")
    assert queue.outputs["contentBasedDeduplication"] is True
    attrs = moto.client("sqs").get_queue_attributes(QueueUrl=queue.id, AttributeNames=["All"])
    assert attrs["Attributes"].get("ContentBasedDeduplication", "false") == "false"


def test_strict_mode_names_a_nested_input_the_translator_drops(moto: boto3.Session) -> None:
    """Nested inputs count: an unapplied key under an applied input fails, named by its path."""

    def program() -> None:
        bucket = aws.s3.Bucket("lake")
        aws.s3.BucketLifecycleConfiguration(
            "lake-lc",
            bucket=bucket.id,
            rules=[
                {
                    "id": "tagged",
                    "status": "Enabled",
                    "filter": {"tag": {"key": "tier", "value": "cold"}},
                    "expiration": {"days": 30},
                }
            ],
        )

    with pytest.raises(EmulatorError) as err:
        deploy(program, mocks=MotoMocks(moto))
    assert "'lake-lc'" in str(err.value)
    assert "rules.filter.tag" in str(err.value)
    assert "rules.expiration" not in str(err.value)  # applied, so not reported


def test_a_free_form_map_is_applied_whole(moto: boto3.Session) -> None:
    """`tags.*` declares every key of the map: any tag key deploys, and reaches moto."""

    def program() -> None:
        aws.sqs.Queue("tagged", tags={"team": "risk", "cost-centre": "42"})

    result = deploy(program, mocks=MotoMocks(moto))
    url = result.one("sqs.Queue").id
    tags = moto.client("sqs").list_queue_tags(QueueUrl=url)["Tags"]
    assert tags == {"team": "risk", "cost-centre": "42"}


TAGS_NOT_EMULATED = {"appautoscaling.Target"}
"""The only kinds whose tags moto cannot hold (no Application Auto Scaling tagging call)."""


def test_tags_reach_moto_on_every_kind_that_takes_them() -> None:
    """A lost tag is invisible offline and wrong in AWS: tags are applied wherever moto can."""
    untagged = set()
    for kind, translator in TRANSLATORS.items():
        if "tags" not in input_property_names(_args_type(kind)):
            continue
        if not {"tags", "tags.*"} & translator.applied:
            untagged.add(kind)
    assert untagged == TAGS_NOT_EMULATED
    for kind in TAGS_NOT_EMULATED:
        assert "moto" in TRANSLATORS[kind].reasons["tags"]
