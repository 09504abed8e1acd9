"""A hostile-input harness: run the real `archgen` in a sealed sandbox and prove what it touched.

Each case runs `python -m archgen` in a subprocess with its own HOME, config,
cache and TMPDIR, from a working folder next to an `outside/` folder that
nothing may touch. After the run the harness checks, besides the case's own
expectations: the exit code; stderr carries no traceback and no "internal
error"; every tree outside the project is byte for byte as before; the cache
holds no half-written entries; TMPDIR is empty again.
"""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Tree = dict[str, tuple[str, bytes, int]]
"""Relative path -> (kind, content or link target, permission bits)."""

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "credit-decisions" / ".archgen.yaml"


def snapshot(root: Path) -> Tree:
    """Every entry under `root` (not following symlinks): kind, bytes, mode."""
    tree: Tree = {}
    if not root.exists():
        return tree
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                tree[rel] = ("link", str(path.readlink()).encode(), 0)
            elif stat.S_ISDIR(info.st_mode):
                tree[rel] = ("dir", b"", mode)
            elif stat.S_ISREG(info.st_mode):
                tree[rel] = ("file", path.read_bytes(), mode)
            else:
                tree[rel] = ("other", b"", mode)
    return tree


def tree_diff(before: Tree, after: Tree) -> list[str]:
    """Human-readable differences between two snapshots (empty: identical)."""
    out = [f"removed {p}" for p in sorted(set(before) - set(after))]
    out += [f"added {p}" for p in sorted(set(after) - set(before))]
    out += [f"changed {p}" for p in sorted(set(before) & set(after)) if before[p] != after[p]]
    return out


@dataclass
class Run:
    """What one archgen process did."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("archgen: error:")]


@dataclass
class Sandbox:
    """A sealed place to run archgen: home, cache, tmp, a working folder and `outside/`."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path) -> Sandbox:
        for name in ("home", "config", "cache", "tmp", "work", "outside"):
            (root / name).mkdir(parents=True, exist_ok=True)
        (root / "outside" / "victim.txt").write_text("precious\n", encoding="utf-8")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ARCHGEN_", "XDG_", "PYTEST_", "COV_"))
        }
        env.update(
            HOME=str(root / "home"),
            XDG_CONFIG_HOME=str(root / "config"),
            XDG_CACHE_HOME=str(root / "cache"),
            TMPDIR=str(root / "tmp"),
            PYTHONDONTWRITEBYTECODE="1",
            GIT_CONFIG_GLOBAL=str(root / "home" / ".gitconfig"),
            GIT_CONFIG_NOSYSTEM="1",
        )
        return cls(root=root, env=env)

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def outside(self) -> Path:
        return self.root / "outside"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def config(self) -> Path:
        return self.root / "config" / "archgen" / "config.yaml"

    def write(self, rel: str, text: str | bytes, *, base: Path | None = None) -> Path:
        """Write a file under the working folder (or `base`)."""
        path = (base or self.work) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def popen(
        self, args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "archgen", *args],
            cwd=cwd or self.work,
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 120,
    ) -> Run:
        """Run archgen to the end."""
        proc = self.popen(args, cwd=cwd, env=env)
        out, err = proc.communicate(timeout=timeout)
        return Run(list(args), proc.returncode, out, err)

    def run_interrupted(
        self,
        args: Sequence[str],
        *,
        signum: int = signal.SIGINT,
        when: Callable[[], bool] | None = None,
        after_s: float = 0.0,
        cwd: Path | None = None,
        timeout: float = 120,
    ) -> Run:
        """Run archgen and send it `signum` once `when()` holds (or after `after_s`)."""
        proc = self.popen(args, cwd=cwd)
        deadline = time.monotonic() + timeout
        started = time.monotonic()
        while proc.poll() is None and time.monotonic() < deadline:
            due = when() if when is not None else time.monotonic() - started >= after_s
            if due:
                proc.send_signal(signum)
                break
            time.sleep(0.001)
        out, err = proc.communicate(timeout=timeout)
        return Run(list(args), proc.returncode, out, err)

    def leftovers(self) -> list[str]:
        """Half-written cache entries and temporary files a run left behind."""
        found = [f"tmp/{p}" for p in snapshot(self.root / "tmp")]
        for rel in snapshot(self.cache):
            parts = rel.split("/")
            entry = parts[:3] if parts[1:2] == ["templates"] else parts[:4]
            if len(parts) != len(entry):
                continue  # inside a cache entry: its own files (a template's .github/, ...)
            name = parts[-1]
            if name.endswith((".old", ".tmp", ".partial")) or name.startswith("."):
                found.append(f"cache/{rel}")
        return found


def assert_clean_failure(run: Run, exit_code: int, message: str) -> None:
    """The run failed with `exit_code` and exactly one error line matching `message` (a regex)."""
    assert "Traceback" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr
    assert run.returncode == exit_code, (run.returncode, run.stderr)
    lines = run.error_lines()
    assert len(lines) == 1, run.stderr
    assert re.search(message, lines[0]), (message, lines[0])
    assert len(lines[0]) <= 400, f"error line too long ({len(lines[0])} chars)"


def assert_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr
