"""Team packs: manifest validation, sources, precedence, trust and what a pack contributes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from archgen.cli_packs import packs as packs_cmd
from archgen.errors import PackError
from archgen.pack_sources import (
    ENV_PACK,
    PROJECT_PACK_FILE,
    UserConfig,
    discover_packs,
    is_trusted,
    load_pack,
    load_user_config,
    resolve_pack_ref,
    user_config_path,
)
from archgen.pack_templates import check_templates
from archgen.packs import COST_CENTRE_TAG, apply_pack
from archgen.patterns import Pattern
from archgen.record import ProjectRecord

SLUG = "{{cookiecutter.project_slug}}"
MANIFEST = """\
name: acme
version: 1.2.0
description: Acme platform defaults
layers:
  base: layers/base
  realtime: layers/realtime
questions:
  - key: team
    prompt: Owning team
    default: payments
    tag: Team
  - key: tier
    prompt: Service tier
    default: silver
    choices: [gold, silver]
defaults:
  region: eu-central-1
  tags:
    Company: acme
  name_prefix: acme
  kms_key_arn: arn:aws:kms:eu-central-1:111122223333:key/abc
  cost_centre: CC-42
constraints:
  forbid: [streaming]
  max_budget_usd: 3000
"""


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def make_pack(root: Path, manifest: str = MANIFEST, **extra: str) -> Path:
    files = {
        "archgen-pack.yaml": manifest,
        f"layers/base/{SLUG}/Dockerfile": "FROM acme/python:3.11\n",
        f"layers/realtime/{SLUG}/api_extra.py": "TEAM = '{{ cookiecutter.team }}'\n",
        **extra,
    }
    return write_tree(root, files)


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(ENV_PACK, raising=False)


def write_user_config(data: dict[str, object]) -> Path:
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def git(*args: str, cwd: Path) -> None:
    base = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*base, *args], cwd=cwd, check=True, capture_output=True)


# -- loading and validation -----------------------------------------------------


def test_folder_pack_loads_with_its_manifest(tmp_path: Path) -> None:
    pack = load_pack(str(make_pack(tmp_path / "acme")))
    assert (pack.manifest.name, pack.manifest.version) == ("acme", "1.2.0")
    assert pack.manifest.constraints.forbid == [Pattern.STREAMING]
    assert pack.ref.source == str((tmp_path / "acme").resolve())


@pytest.mark.parametrize(
    ("manifest", "line", "words"),
    [
        ("name: acme\nversion: 1\nlayers: [unclosed\n", 4, "acme"),
        ("name: acme\nversion: '1'\nsurprise: true\n", 3, "surprise"),
        ("name: acme\nversion: '1'\nlayers:\n  ci: layers/ci\n", 4, "unknown layer 'ci'"),
        (
            "name: acme\nversion: '1'\nlayers:\n  batch: layers/batch\n",
            4,
            "layers/batch is missing",
        ),
        (
            "name: acme\nversion: '1'\nquestions:\n  - key: Bad Key\n    prompt: x\n",
            4,
            "key",
        ),
        (
            "name: acme\nversion: '1'\nhooks:\n  post_gen: [hooks/x.sh]\n",
            4,
            "hooks/x.sh is missing",
        ),
    ],
)
def test_broken_manifest_is_one_line_naming_pack_file_and_line(
    tmp_path: Path, manifest: str, line: int, words: str
) -> None:
    root = make_pack(tmp_path / "acme", manifest)
    with pytest.raises(PackError) as info:
        load_pack(str(root))
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("pack acme: ")
    assert f"archgen-pack.yaml:{line}:" in message
    assert words in message


def test_jinja_error_in_a_pack_file_names_file_and_line(tmp_path: Path) -> None:
    root = make_pack(
        tmp_path / "acme",
        **{f"layers/base/{SLUG}/ci.yml": "steps:\n  - run: make\n  - run: {{ cookiecutter.x \n"},
    )
    with pytest.raises(PackError) as info:
        apply_pack(ProjectRecord(), str(root))
    message = str(info.value)
    assert message.startswith("pack acme: layers/base/")
    assert "ci.yml:3:" in message


def test_unknown_variable_in_a_pack_file_is_caught_before_rendering(tmp_path: Path) -> None:
    overlay = write_tree(tmp_path / "o", {f"{SLUG}/a.txt": "ok\n{{ team }}\n"})
    with pytest.raises(PackError, match=r"a\.txt:2: unknown variable 'team'"):
        check_templates(overlay, pack_name="acme")
    good = write_tree(tmp_path / "g", {f"{SLUG}/a.txt": "{{ cookiecutter.team }}\n"})
    assert check_templates(good, pack_name="acme") == 1


def test_local_git_repository_is_cloned_at_its_committed_state(tmp_path: Path) -> None:
    repo = make_pack(tmp_path / "repo")
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "pack", cwd=repo)
    (repo / "archgen-pack.yaml").write_text(MANIFEST.replace("1.2.0", "9.9.9-dirty"))

    cloned = load_pack(f"git+{repo.resolve().as_uri()}")
    assert cloned.manifest.version == "1.2.0"
    assert cloned.root != repo and (cloned.root / f"layers/base/{SLUG}/Dockerfile").is_file()

    bare = tmp_path / "acme.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    from_bare = load_pack(str(bare))
    assert from_bare.manifest.name == "acme"
    assert from_bare.source.startswith("git+file://")


def test_only_local_git_urls_are_accepted(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="only local git"):
        load_pack("git+https://example.com/acme.git")


def test_unknown_reference_is_a_pack_error(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="no-such-pack"):
        load_pack("no-such-pack", config=UserConfig())


# -- discovery --------------------------------------------------------------------


def test_packs_path_and_entry_points_are_discovered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_pack(tmp_path / "packs" / "acme")
    site = tmp_path / "site"
    make_pack(site / "globex_pack", MANIFEST.replace("name: acme", "name: globex"))
    (site / "globex_pack/__init__.py").write_text("")
    dist = write_tree(
        site / "globex_pack-1.0.dist-info",
        {
            "METADATA": "Metadata-Version: 2.1\nName: globex-pack\nVersion: 1.0\n",
            "entry_points.txt": "[archgen.packs]\nglobex = globex_pack\n",
        },
    )
    assert dist.is_dir()
    monkeypatch.syspath_prepend(str(site))

    found = discover_packs(UserConfig(packs_path=[str(tmp_path / "packs")]))

    by_name = {p.manifest.name: p for p in found}
    assert set(by_name) >= {"acme", "globex"}
    assert "entry point globex" in by_name["globex"].source
    assert load_pack("globex", config=UserConfig()).root == (site / "globex_pack").resolve()


def test_precedence_flag_env_project_user(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    config = UserConfig(pack="from-user")
    assert resolve_pack_ref(None, cwd=project, environ={}, config=config) == (
        "from-user",
        str(user_config_path()),
    )
    (project / ".archgen.yaml").write_text(
        yaml.safe_dump({"pack": {"name": "acme", "version": "1", "source": "/packs/acme"}})
    )
    assert resolve_pack_ref(None, cwd=project, environ={}, config=config)[0] == "/packs/acme"
    (project / PROJECT_PACK_FILE).write_text("packs/local\n")
    ref, origin = resolve_pack_ref(None, cwd=project, environ={}, config=config) or ("", "")
    assert ref == str(project / "packs/local") and origin.endswith(PROJECT_PACK_FILE)
    env = {ENV_PACK: "from-env"}
    assert resolve_pack_ref(None, cwd=project, environ=env, config=config) == ("from-env", ENV_PACK)
    assert resolve_pack_ref("flag", cwd=project, environ=env, config=config) == ("flag", "--pack")
    assert resolve_pack_ref(None, cwd=tmp_path, environ={}, config=UserConfig()) is None


def test_user_config_is_read_from_the_platform_config_dir(tmp_path: Path) -> None:
    path = write_user_config({"pack": "acme", "trusted_packs": ["acme"], "packs_path": ["/x"]})
    assert path.is_relative_to(tmp_path / "config")
    assert load_user_config() == UserConfig(pack="acme", trusted_packs=["acme"], packs_path=["/x"])
    path.write_text("pack: [\n")
    with pytest.raises(PackError, match="config.yaml"):
        load_user_config()


# -- applying -------------------------------------------------------------------------


def test_apply_pack_contributes_defaults_constraints_answers_and_overlays(tmp_path: Path) -> None:
    root = make_pack(tmp_path / "acme")
    applied = apply_pack(ProjectRecord(), str(root), answers={"tier": "gold"})

    assert applied.record.pack is not None and applied.record.pack.version == "1.2.0"
    assert applied.record.pack_answers == {"team": "payments", "tier": "gold"}
    tags = applied.settings_overrides["tags"]
    assert tags == {"Company": "acme", COST_CENTRE_TAG: "CC-42", "Team": "payments"}
    assert applied.settings_overrides["name_prefix"] == "acme"
    assert applied.settings_overrides["kms_key_arn"].endswith("key/abc")
    assert applied.constraints.forbid == [Pattern.STREAMING]
    assert applied.constraints.max_budget_usd == 3000
    assert "acme 1.2.0" in applied.constraints.source
    assert applied.answer_defaults == {"region": "eu-central-1"}
    assert applied.extra_context["team"] == "payments"
    assert applied.extra_context["pack_name"] == "acme"
    assert applied.overlays_for(Pattern.BATCH) == [root.resolve() / "layers/base"]
    assert len(applied.overlays_for(Pattern.REALTIME)) == 2


def test_recorded_pack_answers_are_replayed_and_validated(tmp_path: Path) -> None:
    root = str(make_pack(tmp_path / "acme"))
    replayed = apply_pack(ProjectRecord(pack_answers={"team": "risk"}), root)
    assert replayed.record.pack_answers["team"] == "risk"
    assert replayed.settings_overrides["tags"]["Team"] == "risk"
    with pytest.raises(PackError, match="tier='bronze' is not one of gold, silver"):
        apply_pack(ProjectRecord(), root, answers={"tier": "bronze"})
    with pytest.raises(PackError, match="unknown pack answer"):
        apply_pack(ProjectRecord(pack_answers={"colour": "red"}), root)


HOOK_MANIFEST = MANIFEST + "hooks:\n  post_gen: [hooks/post.py]\n"
HOOK = """\
import os, pathlib
pathlib.Path("hook-ran.txt").write_text(os.environ["ARCHGEN_CONTEXT"])
"""


def test_hooks_need_trust_and_the_message_lists_them(tmp_path: Path) -> None:
    root = str(make_pack(tmp_path / "acme", HOOK_MANIFEST, **{"hooks/post.py": HOOK}))
    with pytest.raises(PackError) as info:
        apply_pack(ProjectRecord(), root)
    message = str(info.value)
    assert "post_gen hooks/post.py" in message and "--trust" in message
    assert "trusted_packs" in message


def test_trusted_hooks_run_in_the_project(tmp_path: Path) -> None:
    root = str(make_pack(tmp_path / "acme", HOOK_MANIFEST, **{"hooks/post.py": HOOK}))
    applied = apply_pack(ProjectRecord(), root, trust=True)
    project = tmp_path / "project"
    project.mkdir()
    assert applied.run_hooks("pre_gen", project) == []
    assert applied.run_hooks("post_gen", project) == ["hooks/post.py"]
    assert '"team": "payments"' in (project / "hook-ran.txt").read_text()


def test_pre_gen_hook_runs_before_the_project_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = MANIFEST + "hooks:\n  pre_gen: [hooks/pre.py]\n"
    hook = (
        "import os, pathlib\npathlib.Path('seen').write_text(os.environ['ARCHGEN_PROJECT_DIR'])\n"
    )
    root = str(make_pack(tmp_path / "acme", manifest, **{"hooks/pre.py": hook}))
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "not-yet"
    apply_pack(ProjectRecord(), root, trust=True).run_hooks("pre_gen", target)
    assert (tmp_path / "seen").read_text() == str(target) and not target.exists()


def test_pack_listed_in_user_config_is_trusted(tmp_path: Path) -> None:
    root = str(make_pack(tmp_path / "acme", HOOK_MANIFEST, **{"hooks/post.py": HOOK}))
    write_user_config({"trusted_packs": ["acme"]})
    applied = apply_pack(ProjectRecord(), root)
    assert applied.trusted and is_trusted(applied.pack)


def test_failing_hook_is_a_one_line_pack_error(tmp_path: Path) -> None:
    failing = "import sys\nsys.exit('no network allowed here')\n"
    root = str(make_pack(tmp_path / "acme", HOOK_MANIFEST, **{"hooks/post.py": failing}))
    applied = apply_pack(ProjectRecord(), root, trust=True)
    with pytest.raises(PackError, match=r"hooks/post.py failed \(exit 1\) no network allowed"):
        applied.run_hooks("post_gen", tmp_path)


def test_executable_hook_scripts_run_directly(tmp_path: Path) -> None:
    manifest = MANIFEST + "hooks:\n  pre_gen: [hooks/pre.sh]\n"
    root = make_pack(tmp_path / "acme", manifest, **{"hooks/pre.sh": "#!/bin/sh\necho hi > pre\n"})
    (root / "hooks/pre.sh").chmod(0o755)
    applied = apply_pack(ProjectRecord(), str(root), trust=True)
    applied.run_hooks("pre_gen", tmp_path)
    assert (tmp_path / "pre").read_text() == "hi\n"


# -- CLI ---------------------------------------------------------------------------------


def test_packs_list_and_show(tmp_path: Path) -> None:
    make_pack(tmp_path / "packs" / "acme")
    write_user_config({"packs_path": [str(tmp_path / "packs")], "pack": "acme"})
    runner = CliRunner()

    listed = runner.invoke(packs_cmd, ["list"])
    assert listed.exit_code == 0, listed.output
    assert f"acme\t1.2.0\t{(tmp_path / 'packs/acme').resolve()}" in listed.output
    assert "active: acme" in listed.output

    shown = runner.invoke(packs_cmd, ["show", "acme"])
    assert shown.exit_code == 0, shown.output
    data = yaml.safe_load(shown.output)
    assert data["defaults"]["cost_centre"] == "CC-42"
    assert data["constraints"]["forbid"] == ["streaming"]

    missing = runner.invoke(packs_cmd, ["show", "nope"])
    assert missing.exit_code == 2
    assert "error: pack nope" in missing.output and "Traceback" not in missing.output


def test_misspelt_template_value_is_caught_with_its_line(tmp_path: Path) -> None:
    root = make_pack(
        tmp_path / "acme",
        **{f"layers/base/{SLUG}/labels.txt": "{{ cookiecutter.team }}\n{{ cookiecutter.tem }}\n"},
    )
    with pytest.raises(PackError, match=r"labels\.txt:2: unknown value cookiecutter\.tem"):
        apply_pack(ProjectRecord(), str(root))


def test_the_active_pack_is_listed_and_shown_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_pack(tmp_path / "acme")
    monkeypatch.setenv(ENV_PACK, str(root))
    runner = CliRunner()
    listed = runner.invoke(packs_cmd, ["list"])
    assert f"acme\t1.2.0\t{root.resolve()}" in listed.output
    assert f"active: {root} (from {ENV_PACK})" in listed.output
    shown = runner.invoke(packs_cmd, ["show", "acme"])
    assert shown.exit_code == 0 and yaml.safe_load(shown.output)["name"] == "acme"


def test_a_pack_without_hooks_runs_none_and_needs_no_trust(tmp_path: Path) -> None:
    applied = apply_pack(ProjectRecord(), str(make_pack(tmp_path / "acme")))
    assert not applied.trusted
    assert applied.run_hooks("pre_gen", tmp_path) == []
    assert applied.run_hooks("post_gen", tmp_path) == []


# -- questions and answers go through validation ----------------------------------------

TYPED = """\
name: typed
version: '1'
questions:
  - key: replicas
    prompt: Replicas
    default: 3
  - key: ratio
    prompt: Ratio
    default: 0.5
  - key: public
    prompt: Public?
    default: false
  - key: tier
    prompt: Tier
    default: silver
    choices: [gold, silver]
"""


def test_pack_answers_keep_the_type_of_their_default(tmp_path: Path) -> None:
    root = str(write_tree(tmp_path / "typed", {"archgen-pack.yaml": TYPED}))
    typed = {"replicas": "5", "ratio": "0.25", "public": "yes", "tier": "gold"}
    applied = apply_pack(ProjectRecord(), root, answers=typed)
    assert applied.record.pack_answers == {
        "replicas": 5,
        "ratio": 0.25,
        "public": True,
        "tier": "gold",
    }
    defaults = apply_pack(ProjectRecord(), root).record.pack_answers
    assert defaults == {"replicas": 3, "ratio": 0.5, "public": False, "tier": "silver"}


@pytest.mark.parametrize(
    ("answers", "words"),
    [
        ({"replicas": "many"}, "replicas='many' is not a whole number"),
        ({"replicas": 2.5}, "replicas=2.5 is not a whole number"),
        ({"replicas": True}, "replicas=True is not a whole number"),
        ({"ratio": "half"}, "ratio='half' is not a number"),
        ({"public": "maybe"}, "public='maybe' is not true or false"),
        ({"tier": "bronze"}, "tier='bronze' is not one of gold, silver"),
        ({"tier": ["gold"]}, "tier=['gold'] is a list, not a single value"),
    ],
)
def test_pack_answers_of_the_wrong_type_or_choice_are_refused(
    tmp_path: Path, answers: dict[str, object], words: str
) -> None:
    root = str(write_tree(tmp_path / "typed", {"archgen-pack.yaml": TYPED}))
    with pytest.raises(PackError) as info:
        apply_pack(ProjectRecord(pack_answers=answers), root)
    assert str(info.value).startswith("pack typed: answer ")
    assert words in str(info.value)


@pytest.mark.parametrize(
    ("manifest", "words"),
    [
        ("questions:\n  - key: region\n    prompt: R\n", "'region' is a built-in question"),
        ("questions:\n  - key: daily_volume\n    prompt: V\n", "'daily_volume' is a built-in"),
        ("questions:\n  - key: package_name\n    prompt: P\n", "'package_name' is a built-in"),
        ("questions:\n  - key: pack_name\n    prompt: P\n", "'pack_name' is a built-in"),
        ("defaults:\n  region: mars\n", "defaults.region: Value error, 'mars' must be an AWS"),
        ("constraints:\n  forbid_services: [kinesys]\n", "unknown service 'kinesys' (one of"),
        ("constraints:\n  forbid_components: [queue]\n", "forbid_components.0: Input should be"),
    ],
)
def test_manifest_cannot_redefine_built_ins_or_name_unknown_parts(
    tmp_path: Path, manifest: str, words: str
) -> None:
    root = write_tree(tmp_path / "p", {"archgen-pack.yaml": f"name: p\nversion: '1'\n{manifest}"})
    with pytest.raises(PackError) as info:
        load_pack(str(root))
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_forbidden_services_and_components_reach_the_decision(tmp_path: Path) -> None:
    from archgen.api import make_plan
    from archgen.requirements import Requirements

    rules = "constraints:\n  forbid_services: [kinesis]\n  forbid_components: [api]\n"
    root = write_tree(tmp_path / "p", {"archgen-pack.yaml": f"name: p\nversion: '1'\n{rules}"})
    record = ProjectRecord(answers=Requirements(latency_p99_ms=3_600_000, urgency="low"))
    applied = apply_pack(record, str(root))
    plan = make_plan(applied.record, constraints=applied.constraints)
    scores = {s.pattern: s for s in plan.decision.scores}
    assert [p for p, s in scores.items() if s.feasible] == [Pattern.BATCH]
    assert scores[Pattern.STREAMING].ruled_out_by == [
        "deploys kinesis (Streaming component), which team pack p 1 forbids"
    ]
    assert "deploys the Real-time API component (api), which team pack p 1 forbids" in (
        scores[Pattern.REALTIME].ruled_out_by
    )
    assert any("forbids Real-Time, Streaming, Hybrid" in w for w in plan.decision.warnings)


# -- files read as untrusted input ----------------------------------------------------


def test_private_attributes_are_refused_but_archgen_values_are_not(tmp_path: Path) -> None:
    good = write_tree(tmp_path / "g", {f"{SLUG}/a.txt": "{{ cookiecutter._archgen.mermaid }}\n"})
    assert check_templates(good, pack_name="acme") == 1
    bad = write_tree(tmp_path / "b", {f"{SLUG}/a.txt": "ok\n{{ cookiecutter.x.__class__ }}\n"})
    with pytest.raises(PackError, match=r"a\.txt:2: attribute '__class__' starts with '_'"):
        check_templates(bad, pack_name="acme")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"pack: [x]\n", "pack: expected a mapping"),
        (b"pack:\n  name: 5\n", "must be text"),
        (b"a: &x 1\nb: *x\n", "anchors"),
        (b"pack: \0\n", "NUL byte"),
        (b"- a\n", "expected a mapping"),
    ],
)
def test_a_broken_project_record_is_a_clear_error(
    tmp_path: Path, content: bytes, words: str
) -> None:
    (tmp_path / ".archgen.yaml").write_bytes(content)
    with pytest.raises(PackError, match=words):
        resolve_pack_ref(None, cwd=tmp_path, environ={}, config=UserConfig())


def test_a_user_config_with_aliases_is_refused(tmp_path: Path) -> None:
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("pack: &p acme\ntrusted_packs: [*p]\n", encoding="utf-8")
    with pytest.raises(PackError, match="anchors"):
        load_user_config()
