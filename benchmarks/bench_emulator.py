"""Benchmark: deploying the hybrid stack into moto, next to the same stack under echo mocks.

The hybrid program (`archgen_stacks.program.build`, every component of the
four patterns, ~140 resources) runs under `MotoMocks` into a fresh in-process
moto backend each time, and under plain echo mocks (inputs returned as outputs,
no AWS at all) for the Pulumi runtime's own share. The first moto deploy of
the process is reported apart (imports, moto backends and botocore models
loading), then the median of `ROUNDS` warm deploys. Prints
`hybrid_moto_deploy_s`, `hybrid_echo_deploy_s` and their ratio.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

ROUNDS = 5
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _hybrid_program() -> Callable[[], None]:

    from archgen.stack_settings import StackSettings
    from archgen_stacks.program import AppArtifacts, build

    app = AppArtifacts(
        package="ai_service",
    )

    def program() -> None:
        build(StackSettings(pattern="hybrid"), app)

    return program


def _echo_mocks() -> Any:
    """Plain mocks as unit tests write them: echo the inputs, invent ids and ARNs."""
    from archgen_stacks.testing.emulator import MotoMocks

    class EchoMocks(MotoMocks):
        def new_resource(self, args: Any) -> tuple[str, dict[str, Any]]:
            rid = f"{args.name}-id"
            arn = f"arn:aws:{args.typ.split(':')[1].split('/')[0]}:us-east-1:123456789012:{rid}"
            outputs = {
                "arn": arn,
                "name": args.name,
                "bucket": args.name,
                "keyId": rid,
                "url": f"https://{rid}",
                "dnsName": f"{rid}.example",
                "arnSuffix": rid,
                "repositoryUrl": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{rid}",
                "dashboardName": args.name,
                **args.inputs,
            }
            return rid, outputs

        def call(self, args: Any) -> dict[str, Any]:
            return {
                "accountId": "123456789012",
                "partition": "aws",
                "region": "us-east-1",
                "name": "us-east-1",
                "names": ["us-east-1a", "us-east-1b", "us-east-1c"],
                "dnsSuffix": "amazonaws.com",
                "json": "{}",
            }

    return EchoMocks(strict=False)


def measure(rounds: int = ROUNDS) -> dict[str, Any]:
    """Seconds per hybrid deploy: first into moto, median warm into moto, median under echo."""
    from moto import mock_aws

    from archgen_stacks.testing.emulator import MOTO_CONFIG, MotoMocks, deploy

    saved = {k: os.environ.get(k) for k in FAKE_ENV}
    os.environ.update(FAKE_ENV)
    try:
        program = _hybrid_program()

        def into_moto() -> tuple[float, int]:
            with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
                start = time.perf_counter()
                result = deploy(program, mocks=MotoMocks())
                return time.perf_counter() - start, len(result.resources)

        first, count = into_moto()
        moto_runs = [into_moto()[0] for _ in range(rounds)]
        echo_runs = []
        # the echo mocks call no AWS API; moto is on only because deploy() refuses to run
        # anywhere but moto
        with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
            for _ in range(rounds):
                start = time.perf_counter()
                deploy(program, mocks=_echo_mocks())
                echo_runs.append(time.perf_counter() - start)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {
        "first": first,
        "moto": statistics.median(moto_runs),
        "echo": statistics.median(echo_runs),
        "resources": count,
    }


def run() -> list[tuple[str, float, str]]:
    """`(name, value, unit)` lines for benchmarks/run.py."""
    figures = measure()
    return [
        ("hybrid_moto_deploy_s", round(figures["moto"], 3), "s"),
        ("hybrid_echo_deploy_s", round(figures["echo"], 3), "s"),
        ("hybrid_moto_over_echo", round(figures["moto"] / figures["echo"], 1), "x"),
        ("hybrid_moto_first_deploy_s", round(figures["first"], 3), "s"),
        ("hybrid_resources", float(figures["resources"]), "resources"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name}: {value} {unit}")
