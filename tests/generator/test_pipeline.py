"""One pipeline per command: a pack is loaded once, candidates are sized once, CLI == library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from click.testing import CliRunner

from archgen import api, pack_sources, sizing
from archgen.cli import cli
from archgen.patterns import Pattern
from archgen.pipeline import Pipeline
from archgen.record import ProjectRecord
from archgen.requirements import Requirements

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "examples" / "team-pack"
SLUG = "{{cookiecutter.project_slug}}"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ARCHGEN_PACK", raising=False)


@pytest.fixture
def pack_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time a pack folder is read from disk."""
    calls: list[str] = []
    real = pack_sources._load_dir

    def counted(root: Path, *, source: str) -> Any:
        calls.append(source)
        return real(root, source=source)

    monkeypatch.setattr(pack_sources, "_load_dir", counted)
    return calls


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_interactive_new_with_a_pack_loads_it_once(tmp_path: Path, pack_loads: list[str]) -> None:
    args = ["new", "--project-name", "loan-desk", "--pack", str(PACK), "-o", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, args, input="\n" * 40)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "loan-desk" / "infra" / "__main__.py").is_file()
    assert len(pack_loads) == 1, pack_loads


def test_no_input_new_and_recommend_load_the_pack_once(
    tmp_path: Path, pack_loads: list[str]
) -> None:
    out = tmp_path / "o"
    base = ["--no-input", "--project-name", "loan-desk", "--pack", str(PACK), "-o", str(out)]
    assert CliRunner().invoke(cli, ["new", *base]).exit_code == 0
    assert len(pack_loads) == 1
    result = CliRunner().invoke(cli, ["recommend", "--pack", str(PACK), "--json"])
    assert result.exit_code == 0, result.output
    assert len(pack_loads) == 2


def test_every_pattern_is_sized_once_per_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    sized: list[Pattern] = []
    real = sizing.size

    def counted(req: Requirements, pattern: Pattern) -> Any:
        sized.append(pattern)
        return real(req, pattern)

    monkeypatch.setattr(api, "size", counted)
    api.make_plan(ProjectRecord(answers=Requirements(project_name="once")))
    assert sorted(sized) == sorted(Pattern)


def test_recommend_follows_the_team_pack_that_new_follows() -> None:
    busy = ["--daily-volume=5000000", "--urgency=high", "--latency-p99-ms=200"]
    args = ["recommend", "--json", *busy, "--complexity-tolerance=high", "--pack", str(PACK)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.output)
    # the example pack forbids Kinesis, which streaming and hybrid both deploy
    assert data["pattern"] not in ("streaming", "hybrid")
    assert any("northwind-platform" in w for w in data["warnings"])


def test_the_library_and_the_cli_build_the_same_project(tmp_path: Path) -> None:
    record = ProjectRecord(answers=Requirements(project_name="same-path", urgency="high"))
    made = api.new(record, tmp_path / "lib", pack=str(PACK))
    answers = tmp_path / "answers.yaml"
    answers.write_text((made.path / ".archgen.yaml").read_text(), encoding="utf-8")
    args = ["new", "--no-input", "--answers", str(answers), "--pack", str(PACK)]
    result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.output
    assert tree(made.path) == tree(tmp_path / "cli" / "same-path")


# -- a pack that replaces a component ------------------------------------------

TEAM_API = '''"""The team's own real-time API: archgen's, plus a queue its tooling watches."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from archgen_stacks.realtime import RealtimeApi


class TeamApi(RealtimeApi):
    def __init__(self, name: str, args: object, opts: pulumi.ResourceOptions | None = None):
        super().__init__(name, args, opts)
        aws.sqs.Queue(f"{name}-team-audit", opts=pulumi.ResourceOptions(parent=self))
'''


def component_pack(root: Path) -> Path:
    manifest = {
        "name": "own-api",
        "version": "1.0.0",
        "layers": {"realtime": "layers/realtime"},
        "components": {"api": "components.team_api:TeamApi"},
    }
    files = {
        "archgen-pack.yaml": yaml.safe_dump(manifest),
        f"layers/realtime/{SLUG}/infra/components/__init__.py": "",
        f"layers/realtime/{SLUG}/infra/components/team_api.py": TEAM_API,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_a_pack_component_replaces_archgens_and_deploys_through_the_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    from archgen_stacks.testing.emulator import MOTO_CONFIG, MotoMocks
    from archgen_stacks.testing.project import deploy_project

    pack = component_pack(tmp_path / "pack")
    record = ProjectRecord(
        answers=Requirements(project_name="own-api", region="us-east-1"),
        pattern=Pattern.REALTIME,
    )
    made = Pipeline(str(pack)).run_new(record, tmp_path / "out")
    assert made.notes == [
        "team pack own-api 1.0.0 replaces archgen's api component with "
        "components.team_api:TeamApi (infra/__main__.py)"
    ]
    main = (made.path / "infra" / "__main__.py").read_text()
    assert "from components.team_api import TeamApi" in main
    assert "main(components=ComponentClasses(api=TeamApi))" in main

    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws(config=MOTO_CONFIG):  # type: ignore[arg-type]
        session = boto3.Session(region_name="us-east-1")
        result = deploy_project(made.path / "infra", mocks=MotoMocks(session, region="us-east-1"))
        queues = session.client("sqs").list_queues().get("QueueUrls", [])
    audit = [r for r in result.of_kind("sqs.Queue") if r.name.endswith("-team-audit")]
    assert len(audit) == 1 and any(audit[0].outputs["name"] in url for url in queues)
    assert result.of_kind("ecs.Service"), "the replaced component still builds archgen's service"


def test_a_pack_component_whose_module_is_not_rendered_writes_nothing(tmp_path: Path) -> None:
    pack = component_pack(tmp_path / "pack")
    (pack / "layers" / "realtime" / SLUG / "infra" / "components" / "team_api.py").unlink()
    args = ["new", "--no-input", "--project-name", "lost-api", "--pattern", "realtime"]
    result = CliRunner().invoke(cli, [*args, "--pack", str(pack), "-o", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "components.team_api:TeamApi" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
