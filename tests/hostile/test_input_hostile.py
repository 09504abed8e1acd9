"""Hostile answers files, flags and project names: refused in one line, fast, never a crash.

Two halves. The sandbox cases run the real `archgen` in a subprocess against
files a hostile user (or a bad CI job) hands it: YAML alias bombs, anchors,
devices, FIFOs, folders, huge files, NUL bytes, other encodings, huge values and
project names that would break the generated project. Each must end in exit 2
and one `archgen: error:` line of at most 400 characters, quickly. The fuzz
half throws hostile values at every flag of `recommend` and `new --pretend`
and wrong-typed fields at answers files, in-process through click's CliRunner,
and asserts a clean exit: 0 or 2, at most one error line, no exception.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from harness import Run, Sandbox, assert_clean_failure

from archgen.answers import ANSWER_KEYS, RECORD_KEYS, load_text
from archgen.cli import cli
from archgen.errors import AnswersError
from archgen.requirements import QUESTIONS

KIB = 1024
BIG = "a" * (100 * KIB)
PRETEND = ["new", "--no-input", "--pretend"]


def alias_bomb(levels: int) -> str:
    """A "billion laughs" document: each level an anchor aliasing the one below nine times."""
    lines = ["answers:", "  project_name: bomb-test", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def answers(text: str | bytes, name: str = "answers.yaml") -> Callable[[Sandbox], Path]:
    def write(box: Sandbox) -> Path:
        return box.write(name, text)

    return write


def fifo(box: Sandbox) -> Path:
    path = box.work / "answers.fifo"
    os.mkfifo(path)
    return path


def folder(box: Sandbox) -> Path:
    path = box.work / "answers.d"
    path.mkdir()
    return path


@dataclass(frozen=True)
class Case:
    """One hostile input: what to set up, the arguments, the exit code and error it must give."""

    id: str
    argv: list[str]
    message: str
    setup: Callable[[Sandbox], Path] | None = None
    """Writes the file the `{file}` placeholder of `argv` stands for."""
    exit_code: int = 2
    within_s: float = 20.0


def name_case(name: str, message: str, command: list[str]) -> Case:
    return Case(f"name-{name}", [*command, "--project-name", name], message)


SHADOW = "would shadow the {} package the project depends on; pick another name"

CASES: list[Case] = [
    # -- resource exhaustion: alias bombs, anchors, devices, FIFOs, sizes ----------------
    Case(
        "alias-bomb-7-levels",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml:3:5: invalid YAML: YAML anchors \(&name\) are not allowed",
        answers(alias_bomb(7)),
        within_s=5,
    ),
    Case(
        "alias-bomb-9-levels",
        [*PRETEND, "--answers", "{file}"],
        r"answers\.yaml:3:5: invalid YAML: YAML anchors",
        answers(alias_bomb(9)),
        within_s=5,
    ),
    Case(
        "anchor-without-alias",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml:2:17: invalid YAML: YAML anchors \(&name\) are not allowed",
        answers("answers:\n  project_name: &name fine-name\n"),
    ),
    Case(
        "dev-zero",
        ["recommend", "--answers", "/dev/zero"],
        r"^archgen: error: /dev/zero: is not a regular file$",
        within_s=5,
    ),
    Case(
        "fifo",
        ["recommend", "--answers", "{file}"],
        r"answers\.fifo: is not a regular file$",
        fifo,
        within_s=5,
    ),
    Case(
        "folder",
        [*PRETEND, "--answers", "{file}"],
        r"answers\.d: is a folder, not a file$",
        folder,
    ),
    Case(
        "two-megabyte-file",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml: is larger than 1024 KiB$",
        answers("answers:\n  urgency: high\n" + ("# padding\n" * (200 * KIB))),
    ),
    Case(
        "nul-byte-in-archgen-yaml",
        [*PRETEND, "--answers", "{file}"],
        r"\.archgen\.yaml: holds a NUL byte \(not a text file\)$",
        answers(b"answers:\n  urgency: high\x00\n", ".archgen.yaml"),
    ),
    Case(
        "not-utf-8",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml: is not UTF-8 text \(byte \d+\)$",
        answers("answers:\n  project_name: caf\xe9-service\n".encode("latin-1")),
    ),
    # -- huge values are quoted short ------------------------------------------------------
    Case(
        "100-kB-pattern-in-file",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml:1: pattern: must be one of batch, .* \(got 'a+\.\.\.\)$",
        answers(f"pattern: {BIG}\nanswers: {{}}\n"),
    ),
    Case(
        "100-kB-choice-in-file",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml:2: answers\.urgency: must be one of waiting, seconds, minutes, next_day "
        r"\(got 'aaa+\.\.\.\)$",
        answers(f"answers:\n  urgency: {BIG}\n"),
    ),
    Case(
        "100-kB-unknown-key",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml:2: answers\.a+\.\.\.: unknown key 'a+\.\.\.$",
        answers(f'answers:\n  ? "{BIG}"\n  : 1\n'),
    ),
    Case(
        "100-kB-number-flag",
        ["recommend", "--daily-volume", "9" * (100 * KIB)],
        r"--daily-volume: daily_volume: must be an integer from 1 to 10,000,000,000 \(got '9+",
    ),
    Case(
        "6-kB-answers-path",
        ["recommend", "--answers", "d/" * 3000 + "answers.yaml"],
        r"error: \.\.\.[d/]+/answers\.yaml: cannot read \(File name too long\)$",
    ),
    # -- project names that break the project -----------------------------------------------
    name_case("class", r"'class' is a Python keyword, so its package could never be", PRETEND),
    name_case("lambda", r"project_name: 'lambda' is a Python keyword", ["recommend"]),
    name_case("import", r"project_name: 'import' is a Python keyword", PRETEND),
    name_case("abc", r"'abc' would shadow the standard-library module abc; pick", PRETEND),
    name_case("json", r"'json' would shadow the standard-library module json", ["recommend"]),
    name_case("test", r"'test' would shadow the standard-library module test", PRETEND),
    name_case("numpy", r"'numpy' " + SHADOW.format("numpy"), PRETEND),
    name_case("pydantic", r"'pydantic' " + SHADOW.format("pydantic"), ["recommend"]),
    name_case("pulumi", r"'pulumi' " + SHADOW.format("pulumi"), PRETEND),
    name_case("pulumi-aws", r"'pulumi-aws' " + SHADOW.format("pulumi-aws"), PRETEND),
    name_case("scikit-learn", r"'scikit-learn' " + SHADOW.format("scikit-learn"), PRETEND),
    name_case("sklearn", r"'sklearn' " + SHADOW.format(r"sklearn \(scikit-learn\)"), PRETEND),
    name_case("archgen-stacks", r"'archgen-stacks' " + SHADOW.format("archgen-stacks"), PRETEND),
    Case(
        "keyword-name-in-answers-file",
        [*PRETEND, "--answers", "{file}"],
        r"answers\.yaml:2: answers\.project_name: 'lambda' is a Python keyword",
        answers("answers:\n  project_name: lambda\n"),
    ),
    # -- the fuzzer's finds ------------------------------------------------------------------
    Case(
        "5000-deep-nesting",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml:1:\d+: invalid YAML: YAML nested deeper than 100 levels$",
        answers("answers: " + "[" * 5000 + "]" * 5000 + "\n"),
    ),
    Case(
        "3000-deep-mappings",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml:1:\d+: invalid YAML: YAML nested deeper than 100 levels$",
        answers("pack_answers: " + "{b: " * 3000 + "1" + "}" * 3000 + "\n"),
    ),
    Case(
        "boolean-for-a-number",
        [*PRETEND, "--answers", "{file}"],
        r"answers\.yaml:2: answers\.daily_volume: must be an integer from 1 to .* \(got True\)",
        answers("answers:\n  daily_volume: true\n"),
    ),
    Case(
        "boolean-for-a-budget",
        ["recommend", "--answers", "{file}"],
        r"answers\.yaml:1: monthly_budget_usd: must be a number above 0 .*\(got True\)",
        answers("monthly_budget_usd: yes\n"),
    ),
]


def run_bounded(box: Sandbox, argv: list[str], timeout: float) -> tuple[Run, float]:
    """Run archgen; kill it (and fail) if it outlives `timeout` (a blocked or exploding run)."""
    started = time.monotonic()
    proc = box.popen(argv)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"archgen still running after {timeout} s: {argv[:3]}")
    return Run(argv, proc.returncode, out, err), time.monotonic() - started


def check_case(sandbox: Sandbox, case: Case) -> None:
    """Run `case` in the sandbox: a clean, one-line refusal in time, and no project written."""
    file = case.setup(sandbox) if case.setup is not None else None
    argv = [str(file) if arg == "{file}" and file is not None else arg for arg in case.argv]
    run, elapsed = run_bounded(sandbox, argv, timeout=case.within_s)
    assert_clean_failure(run, case.exit_code, case.message)
    assert list(sandbox.work.glob("*/pyproject.toml")) == [], "a refused run wrote a project"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_is_refused_in_one_line(sandbox: Sandbox, case: Case) -> None:
    check_case(sandbox, case)


@pytest.mark.parametrize("levels", [7, 9, 30])
def test_alias_bombs_are_refused_in_milliseconds(levels: int) -> None:
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"a {levels}-level alias bomb still loading after 2 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, 2.0)
    started = time.monotonic()
    try:
        with pytest.raises(AnswersError, match="YAML anchors"):
            load_text(alias_bomb(levels), "bomb.yaml")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 0.2


# -- the fuzzer: every flag, every hostile value, in-process --------------------------


HOSTILE_VALUES: dict[str, str] = {
    "nul": "\x00",
    "inner-nul": "a\x00b",
    "1e309": "1e309",
    "-1e309": "-1e309",
    "nan": "nan",
    "inf": "inf",
    "-0": "-0",
    "-0.0": "-0.0",
    "zero": "0",
    "huge-int": "9" * 400,
    "2**64": str(2**64),
    "10-kB": "x" * 10_000,
    "rtl": "\u202eabc",
    "zero-width": "ab\u200bcd",
    "empty": "",
    "space": " ",
    "newline": "\n",
    "inner-newline": "a\nb",
    "dotdot": "../",
    "dotdot-deep": "../../etc/passwd",
    "dash": "-",
    "dashdash": "--",
    "leading-dash": "-x",
    "underscores": "1_000",
    "commas": "1,,0",
    "hex": "0x10",
    "arabic-digits": "\u0661\u0662\u0663",
}
FLAGS = ["--" + q.key.replace("_", "-") for q in QUESTIONS] + ["--pattern", "--answers", "--pack"]
KNOWN: dict[tuple[str, str], str] = {}
"""Crashes in files this suite's author does not own, reported; strict, so a fix shows."""


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working folder with its own home, config and cache, and no pack from the environment."""
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("ARCHGEN_PACK", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    yield work


def assert_clean_exit(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    error = result.exception
    if error is not None and not isinstance(error, SystemExit):
        frame = traceback.extract_tb(error.__traceback__)[-1]
        pytest.fail(f"{type(error).__name__}: {error!s:.200} at {frame.filename}:{frame.lineno}")
    lines = [line for line in result.output.splitlines() if line.startswith("archgen: error:")]
    assert result.exit_code in (0, 2), result.output[-400:]
    assert len(lines) <= 1, lines
    assert all(len(line) <= 400 for line in lines), [line[:120] for line in lines]
    assert "Traceback" not in result.output and "internal error" not in result.output


def _flag_params() -> list[Any]:
    params = []
    for command in ("recommend", "new"):
        for flag in FLAGS + (["-o"] if command == "new" else []):
            for name in HOSTILE_VALUES:
                reason = KNOWN.get((flag, name))
                marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
                params.append(pytest.param(command, flag, name, marks=marks))
    return params


@pytest.mark.parametrize(("command", "flag", "value"), _flag_params())
def test_hostile_flag_values_exit_cleanly(
    isolated: Path, command: str, flag: str, value: str
) -> None:
    base = ["recommend"] if command == "recommend" else PRETEND
    assert_clean_exit([*base, flag, HOSTILE_VALUES[value]])


WRONG_TYPES: dict[str, str] = {
    "list": "[1]",
    "empty-list": "[]",
    "map": "{a: 1}",
    "empty-map": "{}",
    "null": "null",
    "true": "true",
    "false": "false",
    "empty-string": "''",
    "nan": ".nan",
    "inf": ".inf",
    "-inf": "-.inf",
    "1e400": "1e400",
    "huge-int": "1" + "0" * 400,
    "-0": "-0",
    "hex": "0x10",
    "date": "2020-01-01",
    "timestamp": "2020-01-01T00:00:00",
    "binary": "!!binary aGVsbG8=",
    "python-tag": "!!python/object:os.system x",
    "set": "!!set {a}",
    "omap": "!!omap [a: 1]",
    "nul-escape": '"\\0"',
    "rtl": '"\\u202e"',
    "block": "|\n    a\n    b",
    "nested": "[[[[[[[[[[1]]]]]]]]]]",
    "float": "1.5",
    "negative": "-1",
    "newline": '"a\\nb"',
}
FIELDS = [f"answers.{key}" for key in ANSWER_KEYS] + [
    key for key in RECORD_KEYS if key != "answers"
]


def _document(field: str, value: str) -> str:
    if field.startswith("answers."):
        return f"answers:\n  {field.removeprefix('answers.')}: {value}\n"
    return f"{field}: {value}\nanswers: {{}}\n"


@pytest.mark.parametrize("value", list(WRONG_TYPES))
@pytest.mark.parametrize("field", [*FIELDS, "answers"])
def test_wrong_typed_answers_fields_exit_cleanly(isolated: Path, field: str, value: str) -> None:
    text = f"answers: {WRONG_TYPES[value]}\n" if field == "answers" else ""
    (isolated / "a.yaml").write_text(text or _document(field, WRONG_TYPES[value]), "utf-8")
    assert_clean_exit(["recommend", "--answers", "a.yaml"])


ODD_DOCUMENTS: dict[str, str] = {
    "archgen-version-list": "archgen_version: [1]\nanswers: {}\n",
    "pattern-map": "pattern: {}\nanswers: {}\n",
    "pack-list": "pack: [x]\nanswers: {}\n",
    "pack-scalar": "pack: acme\nanswers: {}\n",
    "pack-wrong-types": "pack: {name: 1, version: 2}\nanswers: {}\n",
    "pack-no-version": "pack: {name: x}\nanswers: {}\n",
    "pack-extra-key": "pack: {name: x, version: y, extra: 1}\nanswers: {}\n",
    "pack-source-list": "pack: {name: x, version: y, source: [1]}\nanswers: {}\n",
    "pack-outside": "pack: {name: ../../etc, version: '1', source: /etc/passwd}\nanswers: {}\n",
    "pack-answers-int-key": "pack_answers: {1: 2}\nanswers: {}\n",
    "pack-answers-deep": "pack_answers: {a: {b: [1, {c: null}]}}\nanswers: {}\n",
    "top-level-list": "[1, 2]\n",
    "top-level-scalar": "hello\n",
    "empty": "",
    "two-documents": "a: 1\n---\nb: 2\n",
    "tab-indent": "answers:\n\tx: 1\n",
    "null-key": "~: 2\n",
    "bool-key": "true: 2\n",
    "complex-key": "? [a, b]\n: c\n",
    "merge-key": "answers:\n  <<: {urgency: high}\n",
    "bom": "\ufeffanswers: {}\n",
    "next-line-char": "answers:\x85  urgency: high\n",
    "zero-width-key": "answers:\n  region\u200b: us-east-1\n",
    "duplicate-key": "answers:\n  urgency: high\n  urgency: low\n",
    "long-quoted-duplicate": f'answers:\n  "{"k" * 5000}": 1\n  "{"k" * 5000}": 2\n',
}


@pytest.mark.parametrize("name", list(ODD_DOCUMENTS))
def test_odd_answers_documents_exit_cleanly(isolated: Path, name: str) -> None:
    (isolated / "a.yaml").write_text(ODD_DOCUMENTS[name], "utf-8")
    assert_clean_exit([*PRETEND, "--answers", "a.yaml"])
