"""The catalogue says what each pattern deploys; the stack program's resource graph agrees.

The oracle is what `build()` registers under mocks, mapped to AWS service endpoint
names that botocore knows, not the catalogue's own tables.
"""

from __future__ import annotations

import importlib
from typing import Any

import boto3
import pytest

from archgen import catalogue
from archgen.catalogue import COMPONENTS, Part
from archgen.patterns import Pattern
from archgen.stack_settings import StackSettings
from archgen_stacks.program import AppArtifacts, build

APP = AppArtifacts(image_uri="123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1")

MODULE_SERVICE = {
    "appautoscaling": "application-autoscaling",
    "cloudwatch/logGroup": "logs",
    "cloudwatch/logStream": "logs",
    "kinesis/firehoseDeliveryStream": "firehose",
    "lb": "elbv2",
}
"""pulumi_aws modules whose API is another botocore service than their name."""

ENDPOINT = {"application-autoscaling": "applicationautoscaling", "stepfunctions": "sfn"}
"""botocore service names the Pulumi provider's `endpoints` config spells differently."""


def service_of(type_token: str) -> str:
    """`aws:lb/listener:Listener` -> `elbv2`, checked against botocore's service list."""
    module = type_token.split(":")[1]
    head = module.split("/")[0]
    service = MODULE_SERVICE.get(module) or MODULE_SERVICE.get(head) or head
    service = {"sfn": "stepfunctions", "lambda": "lambda"}.get(service, service)
    assert service in boto3.session.Session().get_available_services(), type_token
    return ENDPOINT.get(service, service)


@pytest.mark.parametrize("pattern", list(Pattern))
def test_catalogue_services_cover_every_resource_the_pattern_deploys(
    mocked: Any, pattern: Pattern
) -> None:
    settings = StackSettings.from_mapping({"pattern": pattern.value, "namePrefix": "cat"})
    run = mocked(lambda: build(settings, APP))
    used = {service_of(r.typ) for r in run.resources if r.typ.startswith("aws:")}
    assert used, pattern
    assert used <= set(catalogue.services(pattern)), sorted(used - set(catalogue.services(pattern)))
    # and the catalogue names no component the stack does not build
    kinds = {r.typ.split(":")[-1] for r in run.resources if r.typ.startswith("archgen:")}
    for component in catalogue.components(pattern):
        if component.part in (Part.KEY, Part.IMAGES):
            continue  # plain resources, not component resources
        assert component.stack_class.split(":")[1] in kinds, component


def test_every_stack_class_is_a_real_component() -> None:
    for component in COMPONENTS.values():
        module, name = component.stack_class.split(":")
        cls = getattr(importlib.import_module(f"archgen_stacks.{module}"), name)
        assert isinstance(cls, type), component


def test_layers_are_the_template_folders() -> None:
    from archgen.render import template_dir

    folders = {p.name for p in template_dir().iterdir() if (p / "layer.yaml").is_file()}
    assert set(catalogue.ALL_LAYERS) == folders
