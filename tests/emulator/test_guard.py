"""The emulator never reaches past moto (kept apart: no moto fixture may be active here)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from archgen_stacks.testing.emulator import EmulatorError, MotoMocks, deploy


def _program() -> None:
    aws.s3.Bucket("b")


def test_refuses_to_run_outside_moto() -> None:
    with pytest.raises(EmulatorError, match="mock_aws"):
        deploy(_program, mocks=MotoMocks())


def test_refuses_an_endpoint_off_this_machine() -> None:
    with pytest.raises(EmulatorError, match="on this machine"):
        deploy(_program, mocks=MotoMocks("https://s3.us-east-1.amazonaws.com"))


def test_a_failed_deploy_does_not_poison_the_next(moto: object) -> None:
    def failing() -> None:
        bucket = aws.s3.Bucket("b")
        ami = aws.ec2.get_ami_output(most_recent=True, owners=["amazon"])
        aws.sqs.Queue("q", name=pulumi.Output.all(bucket.bucket, ami.id).apply("-".join))

    with pytest.raises(EmulatorError, match="getAmi"):
        deploy(failing, mocks=MotoMocks())
    result = deploy(_program, mocks=MotoMocks())
    assert result.one("s3.Bucket").outputs["arn"].startswith("arn:aws:s3:::b-")


def test_the_runner_refuses_to_run_outside_moto() -> None:
    from archgen_stacks.testing.esm_runner import EventSourceMappingError, run_event_source_mapping

    with pytest.raises(EventSourceMappingError, match="mock_aws"):
        run_event_source_mapping("any-uuid", lambda event, context: None)
    with pytest.raises(EventSourceMappingError, match="on this machine"):
        run_event_source_mapping(
            "any-uuid",
            lambda event, context: None,
            session_or_endpoint="https://lambda.us-east-1.amazonaws.com",
        )
