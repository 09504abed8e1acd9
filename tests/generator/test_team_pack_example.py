"""The example pack in examples/team-pack: each override lands in a generated project."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
import yaml

from archgen.api import make_plan
from archgen.errors import DecisionError
from archgen.pack_sources import load_pack
from archgen.packs import apply_pack
from archgen.patterns import DataArrival, Level, Pattern
from archgen.record import ProjectRecord
from archgen.render import render_tree
from archgen.requirements import Requirements
from archgen.stack_settings import StackSettings

PACK = Path(__file__).resolve().parents[2] / "examples" / "team-pack"
NAMESPACE = "loan-scoring"


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def render(tmp_path: Path, *, with_pack: bool, pattern: Pattern = Pattern.BATCH) -> Path:
    """Plan and render a project of `pattern`, with or without the example pack."""
    record = ProjectRecord(
        answers=Requirements(
            project_name=NAMESPACE,
            urgency=Level.LOW,
            latency_p99_ms=24 * 3_600_000,
            data_arrival=DataArrival.FILES,
        ),
        pattern=pattern,
        pack_answers={"team": "credit-risk"} if with_pack else {},
    )
    applied = apply_pack(record, str(PACK)) if with_pack else None
    plan = make_plan(
        applied.record if applied else record,
        constraints=applied.constraints if applied else None,
        settings_overrides=applied.settings_overrides if applied else None,
    )
    dest = tmp_path / ("with-pack" if with_pack else "plain")
    render_tree(
        plan,
        dest,
        overlays=applied.overlays_for(plan.decision.chosen) if applied else (),
        extra_context=applied.extra_context if applied else None,
    )
    return dest


def dev_config(project: Path) -> dict[str, Any]:
    data = yaml.safe_load((project / "infra/Pulumi.dev.yaml").read_text())
    return dict(data["config"])


def test_manifest_is_valid_and_needs_no_trust() -> None:
    pack = load_pack(str(PACK))
    assert pack.manifest.name == "northwind-platform"
    assert pack.hooks() == []
    applied = apply_pack(ProjectRecord(), pack)
    assert applied.constraints.forbid == [Pattern.STREAMING]
    assert applied.answer_defaults["region"] == "eu-west-1"


def test_company_tags_and_prefix_reach_the_stack_config(tmp_path: Path) -> None:
    config = dev_config(render(tmp_path, with_pack=True))
    tags = config[f"{NAMESPACE}:tags"]
    assert tags == {
        "Company": "Northwind",
        "ManagedBy": "pulumi",
        "CostCentre": "CC-4120",
        "Team": "credit-risk",
        "DataClassification": "internal",
    }
    assert config[f"{NAMESPACE}:namePrefix"] == "nw"
    assert (
        StackSettings.from_mapping(
            {k.split(":", 1)[1]: v for k, v in config.items() if k.startswith(f"{NAMESPACE}:")}
        ).tags
        == tags
    )


def test_dockerfile_uses_the_company_base_image(tmp_path: Path) -> None:
    plain = (render(tmp_path, with_pack=False) / "Dockerfile").read_text()
    packed = (render(tmp_path, with_pack=True) / "Dockerfile").read_text()
    bases = [line.split()[1] for line in packed.splitlines() if line.startswith("FROM ")]
    assert bases and all(b.startswith("registry.northwind.example/") for b in bases)
    assert "registry.northwind.example" not in plain
    assert 'com.northwind.team="credit-risk"' in packed
    assert 'com.northwind.cost-centre="CC-4120"' in packed


def test_ci_gains_the_dependency_audit_and_keeps_the_tests(tmp_path: Path) -> None:
    plain = yaml.safe_load(
        (render(tmp_path, with_pack=False) / ".github/workflows/ci.yml").read_text()
    )
    packed_project = render(tmp_path, with_pack=True)
    packed = yaml.safe_load((packed_project / ".github/workflows/ci.yml").read_text())
    names = [step.get("name") for step in packed["jobs"]["test"]["steps"]]
    plain_names = [step.get("name") for step in plain["jobs"]["test"]["steps"]]
    assert set(plain_names) < set(names)
    audit = next(s for s in packed["jobs"]["test"]["steps"] if "audit" in str(s.get("name")))
    assert "pip-audit" in audit["run"]
    # the pack's ci.yml keeps archgen's jobs and deploys through archgen's reusable workflow
    assert set(plain["jobs"]) == set(packed["jobs"])
    for job in ("preview", "dev", "staging", "prod"):
        assert packed["jobs"][job] == plain["jobs"][job]
    deploy = (packed_project / ".github/workflows/pulumi.yml").read_text()
    assert "${{ secrets.AWS_ROLE_ARN }}" in deploy
    workflows = sorted(str(w) for w in (packed_project / ".github/workflows").glob("*.yml"))
    schema = ["--builtin-schema", "vendor.github-workflows"]
    checked = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *schema, *workflows],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@dataclass
class _Args:
    resource_type: str
    name: str
    props: dict[str, Any]


def _load_rules(project: Path) -> ModuleType:
    policy = project / "infra/policy"
    sys.path.insert(0, str(policy))
    try:
        import northwind_rules

        return northwind_rules
    finally:
        sys.path.remove(str(policy))
        sys.modules.pop("northwind_rules", None)


def test_policy_rule_lands_and_refuses_untagged_resources(tmp_path: Path) -> None:
    project = render(tmp_path, with_pack=True)
    main = (project / "infra/policy/__main__.py").read_text()
    assert "NORTHWIND_POLICIES" in main and "*POLICIES" in main
    rules = _load_rules(project)
    (policy,) = rules.NORTHWIND_POLICIES
    violations: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        violations.append(message)

    good = {"tags": {"CostCentre": "CC-4120", "Team": "credit-risk"}}
    policy.validate(_Args("aws:s3/bucketV2:BucketV2", "raw", good), report)
    assert violations == []
    policy.validate(_Args("aws:s3/bucketV2:BucketV2", "raw", {"tags": {"Team": "x"}}), report)
    assert len(violations) == 1 and "CostCentre" in violations[0]
    policy.validate(_Args("random:index:RandomId", "x", {"tags": {}}), report)
    assert len(violations) == 1


def test_streaming_layer_has_no_overlay_and_batch_project_gets_base_only(tmp_path: Path) -> None:
    applied = apply_pack(ProjectRecord(), str(PACK))
    assert [p.name for p in applied.overlays_for(Pattern.BATCH)] == ["base"]
    assert (PACK / "layers/base").is_dir()


def _taggable(type_token: str) -> bool:
    """Whether a pulumi_aws resource type has a `tags` input (`aws:s3/bucket:Bucket`)."""
    if not type_token.startswith("aws:"):
        return False
    module, _, cls_name = type_token[4:].partition(":")
    namespace = module.split("/")[0]
    with warnings.catch_warnings():  # importing a namespace warns about its deprecated classes
        warnings.simplefilter("ignore", DeprecationWarning)
        module_obj = importlib.import_module(f"pulumi_aws.{namespace}")
        cls = getattr(module_obj, cls_name.split(":")[-1])
    return isinstance(getattr(cls, "tags", None), property)


def test_company_tags_land_on_every_taggable_resource_in_the_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    from archgen_stacks.program import build
    from archgen_stacks.testing.emulator import MOTO_CONFIG, MotoMocks, deploy

    project = render(tmp_path, with_pack=True, pattern=Pattern.BATCH)
    config = dev_config(project)
    prefix = f"{NAMESPACE}:"
    settings = StackSettings.from_mapping(
        {k.removeprefix(prefix): v for k, v in config.items() if k.startswith(prefix)}
    )
    company = settings.tags
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(key, value)

    with mock_aws(config=MOTO_CONFIG):
        session = boto3.Session(region_name="eu-west-1")
        result = deploy(lambda: build(settings), mocks=MotoMocks(session, region="eu-west-1"))

        taggable = [r for r in result.resources if _taggable(r.type)]
        assert len(taggable) > 20
        for resource in taggable:
            tags = resource.outputs.get("tags") or {}
            assert company.items() <= tags.items(), f"{resource.type} {resource.name}: {tags}"
        s3 = session.client("s3")
        buckets = s3.list_buckets()["Buckets"]
        assert buckets
        for bucket in buckets:
            tag_set = s3.get_bucket_tagging(Bucket=bucket["Name"])["TagSet"]
            in_moto = {t["Key"]: t["Value"] for t in tag_set}
            assert company.items() <= in_moto.items(), bucket["Name"]
        in_moto_by_service = {
            "vpc": session.client("ec2")
            .describe_vpcs(Filters=[{"Name": "cidr", "Values": [settings.vpc_cidr]}])["Vpcs"][0]
            .get("Tags", []),
            "kms": session.client("kms").list_resource_tags(
                KeyId=session.client("kms").list_keys()["Keys"][0]["KeyId"]
            )["Tags"],
        }
        for service, listed in in_moto_by_service.items():
            found = {
                t.get("Key", t.get("TagKey")): t.get("Value", t.get("TagValue")) for t in listed
            }
            assert company.items() <= found.items(), service


STREAMING_ISH = {
    "daily_volume": 5_000_000,
    "urgency": "high",
    "latency_p99_ms": 200,
    "complexity_tolerance": "high",
    "model_update": "hourly",
}
"""Answers for which archgen alone recommends hybrid (online serving of a model retrained
hourly: a batch pipeline and a stream beside the API)."""


@pytest.mark.parametrize("pattern", [Pattern.STREAMING, Pattern.HYBRID])
def test_no_kinesis_rules_out_streaming_and_hybrid_and_neither_can_be_forced(
    pattern: Pattern,
) -> None:
    record = ProjectRecord(answers=Requirements(project_name=NAMESPACE, **STREAMING_ISH))
    applied = apply_pack(record, str(PACK))
    free = make_plan(record).decision
    plan = make_plan(applied.record, constraints=applied.constraints)
    scores = {s.pattern: s for s in plan.decision.scores}
    assert free.chosen is Pattern.HYBRID
    assert {s.pattern for s in free.scores if s.feasible} >= {Pattern.HYBRID}
    assert not scores[pattern].feasible
    reasons = " ".join(scores[pattern].ruled_out_by)
    assert "deploys kinesis (Streaming component), which team pack northwind-platform" in reasons
    assert plan.decision.chosen not in (Pattern.STREAMING, Pattern.HYBRID)
    forced = applied.record.model_copy(update={"pattern": pattern})
    with pytest.raises(DecisionError, match="northwind-platform"):
        make_plan(forced, constraints=applied.constraints)


def test_recommend_and_new_with_the_pack_agree_and_build_no_stream(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from archgen.cli import cli

    flags = [f"--{key.replace('_', '-')}={value}" for key, value in STREAMING_ISH.items()]
    free = CliRunner().invoke(cli, ["recommend", "--json", *flags])
    assert json.loads(free.stdout)["pattern"] == "hybrid"
    advice = CliRunner().invoke(cli, ["recommend", "--json", "--pack", str(PACK), *flags])
    assert advice.exit_code == 0, advice.output
    recommended = json.loads(advice.stdout)["pattern"]
    args = ["new", "--no-input", "--pack", str(PACK), "-o", str(tmp_path), *flags]
    made = CliRunner().invoke(cli, [*args, "--project-name", "nw-stream"])
    assert made.exit_code == 0, made.output
    record = yaml.safe_load((tmp_path / "nw-stream" / ".archgen.yaml").read_text())
    assert record["pattern"] == recommended
    assert recommended not in ("streaming", "hybrid")
    assert not (tmp_path / "nw-stream" / "streaming").exists()
    assert "kinesis" not in (tmp_path / "nw-stream" / "infra" / "Pulumi.dev.yaml").read_text()


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        ({"archgen-pack.yaml": "name: northwind-platform\nversion: 1\nlayerz: {}\n"}, ":3:"),
        (
            {"layers/base/{{cookiecutter.project_slug}}/Dockerfile": "FROM {{ cookiecutter.x\n"},
            "Dockerfile:1:",
        ),
    ],
)
def test_archgen_new_with_a_broken_pack_writes_nothing(
    tmp_path: Path, breakage: dict[str, str], expected: str
) -> None:
    from click.testing import CliRunner

    from archgen.cli import cli

    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    for rel, text in breakage.items():
        (pack / rel).write_text(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["new", "--no-input", "--pack", str(pack), "-o", str(out)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "pack northwind-platform" in lines[0] and expected in lines[0]
    assert not out.exists() or not any(out.iterdir())


def test_archgen_new_with_the_example_pack_records_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archgen.cli import cli

    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["new", "--no-input", "--pack", str(PACK), "-o", str(out), "--project-name", "nw-svc"]
    )
    assert result.exit_code == 0, result.output
    recorded = yaml.safe_load((out / "nw-svc/.archgen.yaml").read_text())
    assert recorded["pack"]["name"] == "northwind-platform"
    assert recorded["pack"]["version"] == "1.0.0"
    assert recorded["pack_answers"] == {"data_classification": "internal", "team": "data-science"}
    assert "registry.northwind.example" in (out / "nw-svc/Dockerfile").read_text()


def test_archgen_new_stops_before_untrusted_hooks_and_names_them(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from archgen.cli import cli

    pack = tmp_path / "pack"
    shutil.copytree(PACK, pack)
    manifest = pack / "archgen-pack.yaml"
    manifest.write_text(manifest.read_text() + "hooks:\n  post_gen: [hooks/register.py]\n")
    (pack / "hooks").mkdir()
    (pack / "hooks/register.py").write_text("print('registered')\n")
    out = tmp_path / "out"

    result = CliRunner().invoke(cli, ["new", "--no-input", "--pack", str(pack), "-o", str(out)])

    assert result.exit_code == 2
    assert "post_gen hooks/register.py" in result.output and "--trust" in result.output
    assert not out.exists() or not any(out.iterdir())
