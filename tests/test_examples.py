"""Every example is reproduced byte for byte by `archgen new --no-input --answers <its record>`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NAMES = sorted(p.parent.name for p in EXAMPLES.glob("*/.archgen.yaml"))


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".pyc")
    }


def test_there_is_an_example_per_pattern() -> None:
    patterns = set()
    for name in NAMES:
        for line in (EXAMPLES / name / ".archgen.yaml").read_text().splitlines():
            if line.startswith("pattern:"):
                patterns.add(line.split(":", 1)[1].strip())
    assert patterns == {"batch", "realtime", "streaming", "hybrid"}
    assert "credit-decisions" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_example_regenerates_byte_for_byte(name: str, tmp_path: Path) -> None:
    example = EXAMPLES / name
    done = subprocess.run(
        [
            *[sys.executable, "-m", "archgen", "new", "--no-input"],
            *["--answers", str(example / ".archgen.yaml"), "-o", str(tmp_path)],
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    fresh = tree(tmp_path / name)
    committed = tree(example)
    missing = sorted(set(fresh) - set(committed))
    extra = sorted(set(committed) - set(fresh))
    changed = sorted(k for k in set(fresh) & set(committed) if fresh[k] != committed[k])
    assert not (missing or extra or changed), (
        f"examples/{name} is stale (run `python examples/regenerate.py {name}`): "
        f"missing {missing[:5]}, extra {extra[:5]}, changed {changed[:5]}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_every_stack_of_an_example_builds_the_example_s_pattern(name: str) -> None:
    """A stack config without `pattern` builds the default (hybrid): each stack names its own."""
    import yaml

    project = EXAMPLES / name
    pattern = yaml.safe_load((project / ".archgen.yaml").read_text(encoding="utf-8"))["pattern"]
    stacks = sorted((project / "infra").glob("Pulumi.*.yaml"))
    assert len(stacks) >= 2
    for path in stacks:
        config = yaml.safe_load(path.read_text(encoding="utf-8"))["config"]
        assert config[f"{name}:pattern"] == pattern, path.name


@pytest.mark.parametrize("name", NAMES)
def test_each_example_speaks_its_own_spec_file(name: str) -> None:
    """The record's model spec is the one in `examples/specs/<name>.yaml`: same problem, same
    domain, so the example's README, API and data are not the credit default by accident."""
    import yaml

    from archgen.model_spec import load_spec, spec_from_data

    record = yaml.safe_load((EXAMPLES / name / ".archgen.yaml").read_text(encoding="utf-8"))
    spec_file = EXAMPLES / "specs" / f"{name}.yaml"
    assert "model_spec" in record, f"examples/{name} records no model spec"
    recorded = spec_from_data(record["model_spec"], f"examples/{name}/.archgen.yaml")
    assert recorded == load_spec(spec_file)
    package = name.replace("-", "_")
    spec_py = (EXAMPLES / name / "src" / package / "spec.py").read_text(encoding="utf-8")
    assert f"ENTITY = {recorded.entity!r}".replace("'", '"') in spec_py
    for feature in recorded.features:
        assert f'"{feature.name}"' in spec_py


STUB_OUTPUTS = {
    "apiKeysSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf",
    "rawBucketName": "svc-lake-raw-0a1b2c3",
    "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:svc-batch-sm",
}
"""`pulumi stack output <name>` in the README's after-deploy lines (names program.py exports)."""


def after_deploy_calls(example: Path, tmp_path: Path) -> list[list[str]]:
    """The README's lines after `pulumi up`, run by bash with `pulumi` answering STUB_OUTPUTS
    (an unknown name fails the test) and `aws` recording each call's arguments."""
    readme = (example / "README.md").read_text(encoding="utf-8")
    deploy = readme.split("## Deploy", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    after = deploy.split("pulumi up", 1)[1].split("\n", 1)[1]
    cases = "".join(f"    {name}) echo '{value}' ;;\n" for name, value in STUB_OUTPUTS.items())
    calls = tmp_path / "aws-calls"
    calls.mkdir()
    script = (
        f'pulumi() {{\n  case "$3" in\n{cases}'
        f'    *) echo "$3" >> "{tmp_path}/unknown-outputs"; echo unknown ;;\n  esac\n}}\n'
        f'aws() {{ printf "%s\\n" "$@" > "{calls}/$(ls "{calls}" | wc -l)"; }}\n{after}'
    )
    subprocess.run(["bash", "-euc", script], check=True, timeout=30)
    assert not (tmp_path / "unknown-outputs").exists(), "a stack output program.py does not export"
    return [
        (calls / str(n)).read_text(encoding="utf-8").splitlines()
        for n in range(len(list(calls.iterdir())))
    ]


def test_the_readme_s_key_command_puts_a_secret_the_api_accepts(tmp_path: Path) -> None:
    """The after-deploy lines of a real-time project's README, run by bash with `pulumi` and
    `aws` standing in, put a secret value that the generated API parses into one usable key."""
    import shutil

    if shutil.which("openssl") is None:
        pytest.fail("the README's key command needs openssl on PATH")
    example = EXAMPLES / "fraud-scoring-api"
    calls = after_deploy_calls(example, tmp_path)
    [args] = [c for c in calls if c[:2] == ["secretsmanager", "put-secret-value"]]
    assert args[args.index("--secret-id") + 1] == STUB_OUTPUTS["apiKeysSecretArn"]
    secret = args[args.index("--secret-string") + 1]
    parsed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from fraud_scoring_api.api.auth import parse_keys; "
            "print(sorted(parse_keys(sys.argv[1])))",
            secret,
        ],
        env={"PYTHONPATH": str(example / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stderr
    assert parsed.stdout.strip() == "['my-service']"


@pytest.mark.parametrize(
    ("name", "starts_a_run"),
    [("fraud-scoring-api", False), ("churn-nightly", True), ("credit-decisions", True)],
)
def test_the_readme_uploads_training_data_and_starts_a_run_where_there_is_a_state_machine(
    tmp_path: Path, name: str, starts_a_run: bool
) -> None:
    """After `pulumi up` the README copies the team's CSV into today's partition of the raw
    bucket's training prefix (where the train and retrain jobs read) and, with a batch
    pipeline, starts a training run of the stack's state machine."""
    from datetime import UTC, datetime

    from archgen_stacks.batch_flow import TRAINING_PREFIX

    readme = (EXAMPLES / name / "README.md").read_text(encoding="utf-8")
    assert "firstTrainingDelayMinutes (default 10) after the first deploy" in readme
    calls = after_deploy_calls(EXAMPLES / name, tmp_path)
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    [upload] = [c for c in calls if c[:2] == ["s3", "cp"]]
    raw = STUB_OUTPUTS["rawBucketName"]
    assert upload[3] == f"s3://{raw}/{TRAINING_PREFIX}run_date={today}/"
    started = [c for c in calls if c[:2] == ["stepfunctions", "start-execution"]]
    if starts_a_run:
        assert started == [
            [
                "stepfunctions",
                "start-execution",
                "--state-machine-arn",
                STUB_OUTPUTS["stateMachineArn"],
            ]
        ]
    else:
        assert started == []
