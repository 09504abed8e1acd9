"""The real-time API deployed into moto: a load balancer in front of the sized ECS service."""

from __future__ import annotations

from archgen_stacks.testing.pytest_plugin import DeployedStack

PROJECT = "credit-decisions"


def test_service_runs_the_configured_task_count(
    archgen_deployed: DeployedStack, archgen_stack_config: dict[str, str]
) -> None:
    session, result = archgen_deployed
    service = result.one("ecs.Service").outputs
    ecs = session.client("ecs")
    found = ecs.describe_services(cluster=service["cluster"], services=[service["name"]])
    (described,) = found["services"]
    assert described["desiredCount"] == int(archgen_stack_config[f"{PROJECT}:apiDesiredTasks"])


def test_load_balancer_is_deployed(archgen_deployed: DeployedStack) -> None:
    session, result = archgen_deployed
    arn = result.one("lb.LoadBalancer").id
    (balancer,) = session.client("elbv2").describe_load_balancers(LoadBalancerArns=[arn])[
        "LoadBalancers"
    ]
    assert balancer["Type"] == "application"
    assert result.outputs["apiUrl"]
