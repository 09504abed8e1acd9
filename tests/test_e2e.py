"""End to end: render each pattern, `make install` it into a fresh venv, then `make test`.

Slow (a fresh virtual environment and the generated projects' own suites); `.ci/run`
runs it. One venv serves every pattern: the first `make install` brings the
dependencies, the later ones add each project.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path

import pytest

from archgen.patterns import Pattern
from archgen.render import render_project

sys.path.insert(0, str(Path(__file__).resolve().parent / "generator"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from render_plans import make_plan  # noqa: E402
from wheelhouse import build_wheels  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A new virtual environment (no system site-packages); returns the env that activates it.

    pip finds this repository's archgen and archgen-stacks, which the projects pin,
    as freshly built wheels (PIP_FIND_LINKS); everything else comes from the index.
    """
    wheels = build_wheels(tmp_path_factory.mktemp("wheels"))
    root = tmp_path_factory.mktemp("venv") / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    env["VIRTUAL_ENV"] = str(root)
    env["PATH"] = f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PIP_FIND_LINKS"] = str(wheels)
    return env


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: int) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stdout[-4000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.parametrize("pattern", list(Pattern))
def test_generated_project_installs_and_passes_its_own_suite(
    pattern: Pattern, tmp_path: Path, fresh_venv: dict[str, str]
) -> None:
    name = f"e2e-{pattern.value}-service"
    project = render_project(make_plan(pattern, name=name), tmp_path).path
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    run(["make", "install"], project, fresh_venv, timeout=1800)
    out = run(["make", "test"], project, fresh_venv, timeout=1200)
    assert " passed" in out and " failed" not in out
    assert "tests/infra/test_stack.py" in out


SPECS = Path(__file__).resolve().parents[1] / "examples" / "specs"
ANSWERS = Path(__file__).resolve().parents[1] / "examples" / "fraud-scoring-api" / ".archgen.yaml"
TASK_SPECS = {
    "binary": SPECS / "fraud-scoring-api.yaml",
    "multiclass": Path(__file__).resolve().parent / "specs" / "support-triage.yaml",
    "regression": SPECS / "iot-sensor-monitoring.yaml",
}
REQUESTS = """
import json, sys
from {package} import data
from {package}.spec import FEATURES, ID_FIELD
good = {{ID_FIELD: "e2e-1", **data.feature_dict(data.generate(1, seed=5), 0)}}
numeric = next(f for f in FEATURES if f.numeric)
bad = {{**good, numeric.name: numeric.maximum + 1}}
print(json.dumps({{"id": ID_FIELD, "good": good, "bad": bad}}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


API_KEY = "e2e-" + "k" * 40
"""The key the served API is given (API_KEYS_FILE) and the requests send."""


def post(port: int, body: dict[str, object], key: str = API_KEY) -> tuple[int, dict[str, object]]:
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/predict", data=json.dumps(body).encode(), headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.mark.parametrize("task", sorted(TASK_SPECS))
def test_new_with_a_schema_serves_that_problem(
    task: str, tmp_path: Path, fresh_venv: dict[str, str]
) -> None:
    """`archgen new --schema` gives a project whose own suite passes in a fresh venv and whose
    API takes a request in the spec's shape from a caller with a key, refuses an out-of-range
    one with 422 and a caller without a key with 401."""
    spec = TASK_SPECS[task]
    made = subprocess.run(
        [sys.executable, "-m", "archgen", "new", "--no-input", "--answers", str(ANSWERS)]
        + ["--schema", str(spec), "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    project = tmp_path / "fraud-scoring-api"
    assert f'TASK: Task = "{task}"' in (project / "src/fraud_scoring_api/spec.py").read_text()
    run(["make", "install"], project, fresh_venv, timeout=1800)
    out = run(["make", "test"], project, fresh_venv, timeout=1200)
    assert " passed" in out and " failed" not in out
    python = str(Path(fresh_venv["VIRTUAL_ENV"]) / "bin" / "python")
    run([python, "-m", "fraud_scoring_api", "train", "--rows", "3000"], project, fresh_venv, 600)
    bodies = json.loads(
        run([python, "-c", REQUESTS.format(package="fraud_scoring_api")], project, fresh_venv, 60)
    )
    port = free_port()
    keys = tmp_path / "api-keys.json"
    keys.write_text(json.dumps({"keys": {"e2e": API_KEY}}), encoding="utf-8")
    env = {**fresh_venv, "MODEL_PATH": str(project / "artifacts/model"), "PORT": str(port)}
    env.update(HOST="127.0.0.1", API_KEYS_FILE=str(keys))
    server = subprocess.Popen(
        [python, "-m", "fraud_scoring_api.api"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, answer = post(port, bodies["good"])
                break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the API did not start"
                time.sleep(0.5)
        assert status == 200, answer
        assert answer[bodies["id"]] == "e2e-1" and "prediction" in answer
        status, answer = post(port, bodies["bad"])
        assert status == 422, answer
        status, answer = post(port, bodies["good"], key="")
        assert status == 401 and answer["error"] == "unauthorized", answer
    finally:
        server.terminate()
        server.wait(timeout=30)
