"""Hostile writes: every write stays inside its root, is all-or-nothing and survives signals.

Each case runs the real `archgen` in a sandbox (see harness.py); the fixture
proves `outside/` untouched and no debris in the cache or TMPDIR. Cases here
also compare the project tree before and after, byte for byte.

Signal moments are measured from archgen's first instruction (when its
handlers appear in /proc/<pid>/status; what comes before is the interpreter's
own start-up). Documented outcome: exit 0 with the complete project, or
128 + the signal (130 SIGINT, 143 SIGTERM, 129 SIGHUP) with the old tree.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from harness import EXAMPLE, Run, Sandbox, Tree, assert_clean_failure, snapshot, tree_diff

from archgen import __version__
from archgen.snapshots import verified

SLUG = "credit-decisions"
NEW = ["new", "--no-input", "--answers", str(EXAMPLE), "-o", "out"]
LINUX_PROC = Path("/proc/self/status").exists()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    """The project a complete, uninterrupted `archgen new` writes."""
    box = Sandbox.create(tmp_path_factory.mktemp("reference"))
    run = box.run(NEW)
    assert run.returncode == 0, run.stderr
    return snapshot(box.work / "out" / SLUG)


def project_of(box: Sandbox, out: str = "out") -> Path:
    return box.work / out / SLUG


def no_staging(box: Sandbox, out: str = "out") -> list[str]:
    folder = box.work / out
    return sorted(p.name for p in folder.glob(".*archgen-*")) if folder.exists() else []


def without(tree: Tree, *prefixes: str) -> Tree:
    return {k: v for k, v in tree.items() if not k.startswith(prefixes)}


def no_traceback(run: Run) -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert "internal error" not in run.stderr, run.stderr


# -- signals ------------------------------------------------------------------


def _handlers_installed(pid: int) -> bool:
    """archgen's own handlers are in place: SIGTERM and SIGHUP are caught."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return False
    line = next(x for x in status.splitlines() if x.startswith("SigCgt:"))
    caught = int(line.split()[1], 16)
    return all(caught & (1 << (s - 1)) for s in (signal.SIGTERM, signal.SIGHUP))


def interrupt(box: Sandbox, args: list[str], signum: int, moment: str, *, out: str = "out") -> Run:
    """Run archgen and send `signum` at `moment`: "staging" or "<ms>" after archgen started."""
    proc = box.popen(args)
    try:
        if moment == "staging":
            deadline = time.monotonic() + 60
            while not no_staging(box, out) and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.0005)
        else:
            deadline = time.monotonic() + 30
            while not _handlers_installed(proc.pid):
                assert proc.poll() is None, "archgen ended without installing signal handlers"
                assert time.monotonic() < deadline, "archgen installed no SIGTERM/SIGHUP handler"
                time.sleep(0.0005)
            time.sleep(int(moment) / 1000)
        if proc.poll() is None:
            proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    return Run(args, proc.returncode, stdout, stderr)


MOMENTS = ["0", "5", "20", "50", "100", "200", "400", "staging"]
SIGNAL_CASES = [
    # Ctrl-C while staging was already rolled back before this work; SIGTERM/SIGHUP were not
    *[(signal.SIGINT, m) for m in MOMENTS if m != "staging"],
    *[(signal.SIGTERM, m) for m in MOMENTS],
    *[(signal.SIGHUP, m) for m in ["0", "50", "200", "staging"]],
]


@pytest.mark.skipif(not LINUX_PROC, reason="needs /proc to see when archgen starts")
@pytest.mark.parametrize(
    ("signum", "moment"), SIGNAL_CASES, ids=[f"{s.name}-{m}" for s, m in SIGNAL_CASES]
)
def test_signal_during_new_leaves_nothing_or_the_whole_project(
    sandbox: Sandbox, reference: Tree, signum: signal.Signals, moment: str
) -> None:
    run = interrupt(sandbox, NEW, signum, moment)
    no_traceback(run)
    assert no_staging(sandbox) == []
    project = project_of(sandbox)
    if run.returncode == 0:
        assert tree_diff(reference, snapshot(project)) == []
        return
    assert run.returncode == 128 + signum, (run.returncode, run.stderr)
    assert not project.exists(), "an interrupted new left a project behind"
    out = sandbox.work / "out"
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.skipif(not LINUX_PROC, reason="needs /proc to see when archgen starts")
@pytest.mark.parametrize("moment", ["staging", "300"])
def test_sigterm_during_force_leaves_the_old_tree_or_the_new_one(
    sandbox: Sandbox, reference: Tree, moment: str
) -> None:
    project = project_of(sandbox)
    sandbox.write("README.md", b"my readme\n", base=project)
    sandbox.write("notes.txt", "mine\n", base=project)
    before = snapshot(sandbox.work)
    run = interrupt(sandbox, [*NEW, "--force"], signal.SIGTERM, moment)
    no_traceback(run)
    assert no_staging(sandbox) == []
    if run.returncode == 143:
        assert tree_diff(before, snapshot(sandbox.work)) == []
        return
    assert run.returncode == 0, run.stderr
    after = snapshot(project)
    assert tree_diff(reference, without(after, ".archgen-backup", "notes.txt")) == []
    backups = [k for k in after if k.endswith("/README.md") and k.startswith(".archgen-backup/")]
    assert len(backups) == 1 and after[backups[0]][1] == b"my readme\n"


# -- --force never destroys ------------------------------------------------------


def _folder_at_makefile(box: Sandbox, project: Path) -> None:
    box.write("Makefile/notes.md", "my folder\n", base=project)


def _symlink_at_readme(box: Sandbox, project: Path) -> None:
    project.mkdir(parents=True)
    (project / "README.md").symlink_to(box.outside / "victim.txt")


def _fifo_at_makefile(box: Sandbox, project: Path) -> None:
    project.mkdir(parents=True)
    os.mkfifo(project / "Makefile")


def _file_where_src_folder(box: Sandbox, project: Path) -> None:
    box.write("src", "a file, not a folder\n", base=project)


def _src_links_outside(box: Sandbox, project: Path) -> None:
    project.mkdir(parents=True)
    (project / "src").symlink_to(box.outside, target_is_directory=True)


def _project_links_outside(box: Sandbox, project: Path) -> None:
    project.parent.mkdir(parents=True)
    project.symlink_to(box.outside, target_is_directory=True)


def _backup_links_outside(box: Sandbox, project: Path) -> None:
    box.write("README.md", "mine\n", base=project)
    (project / ".archgen-backup").symlink_to(box.outside, target_is_directory=True)


FORCE_CASES: dict[str, tuple[Callable[[Sandbox, Path], None], str]] = {
    "folder-at-Makefile": (_folder_at_makefile, r"/Makefile is a folder"),
    "symlink-at-README": (_symlink_at_readme, r"/README\.md is a symbolic link"),
    "fifo-at-Makefile": (_fifo_at_makefile, r"/Makefile is a special file"),
    "file-where-src-folder": (_file_where_src_folder, r"/src is a file where the project has"),
    "src-links-outside": (_src_links_outside, r"/src is a symbolic link where"),
    "project-links-outside": (_project_links_outside, rf"{SLUG} is a symbolic link"),
    "backup-links-outside": (_backup_links_outside, r"\.archgen-backup is a symbolic link"),
}


@pytest.mark.parametrize("case", FORCE_CASES)
def test_force_refuses_what_it_would_destroy(sandbox: Sandbox, case: str) -> None:
    setup, message = FORCE_CASES[case]
    setup(sandbox, project_of(sandbox))
    before = snapshot(sandbox.work)
    run = sandbox.run([*NEW, "--force"])
    assert_clean_failure(run, 2, message)
    assert tree_diff(before, snapshot(sandbox.work)) == []


def test_force_keeps_replaced_files_byte_for_byte_in_a_named_backup(
    sandbox: Sandbox, reference: Tree
) -> None:
    project = project_of(sandbox)
    readme = sandbox.write("README.md", b"my readme \xff\x00 bytes\n", base=project)
    makefile = sandbox.write("Makefile", "all:\n\techo mine\n", base=project)
    makefile.chmod(0o600)
    sandbox.write("notes.txt", "untouched\n", base=project)
    mine = {"README.md": snapshot(project)["README.md"], "Makefile": snapshot(project)["Makefile"]}
    run = sandbox.run([*NEW, "--force"])
    assert run.returncode == 0, run.stderr
    found = re.search(r"note: 2 files you had were replaced; your copies are in (\S+)", run.stderr)
    assert found, run.stderr
    backup = sandbox.work / found.group(1)
    assert backup.parent == project / ".archgen-backup"
    assert re.fullmatch(r"\d{8}T\d{6}Z", backup.name)
    assert snapshot(backup) == mine
    after = snapshot(project)
    assert after["notes.txt"] == ("file", b"untouched\n", after["notes.txt"][2])
    assert tree_diff(reference, without(after, ".archgen-backup", "notes.txt")) == []
    assert readme.read_bytes() != b"my readme \xff\x00 bytes\n"

    again = sandbox.run([*NEW, "--force"])  # a second run keeps the first backup as it was
    assert again.returncode == 0, again.stderr
    assert snapshot(backup) == mine
    assert len(list((project / ".archgen-backup").iterdir())) == 2


# -- failing post_gen hooks ------------------------------------------------------

HOOK_PACK = "name: hooked\nversion: '1.0'\nhooks:\n  post_gen: [hooks/fail.sh]\n"


def hooked_pack(box: Sandbox, script: str) -> Path:
    pack = box.root / "pack"
    box.write("archgen-pack.yaml", HOOK_PACK, base=pack)
    box.write("hooks/fail.sh", script, base=pack).chmod(0o755)
    return pack


FAIL = "#!/bin/sh\necho 'lint failed' >&2\nexit 3\n"


@pytest.mark.parametrize("before_state", ["nothing", "empty-folder", "force-over-project"])
def test_failing_post_gen_hook_leaves_the_old_tree(sandbox: Sandbox, before_state: str) -> None:
    pack = hooked_pack(sandbox, FAIL)
    project = project_of(sandbox)
    extra: list[str] = []
    if before_state == "empty-folder":
        project.mkdir(parents=True)
        project.chmod(0o750)
    elif before_state == "force-over-project":
        sandbox.write("README.md", "my readme\n", base=project)
        sandbox.write("docs/mine.md", "mine\n", base=project)
        extra = ["--force"]
    before = snapshot(sandbox.work)
    run = sandbox.run([*NEW, "--pack", str(pack), "--trust", *extra])
    assert_clean_failure(run, 2, r"hook hooks/fail\.sh failed \(exit 3\)")
    assert tree_diff(before, snapshot(sandbox.work)) == []


@pytest.mark.skipif(not LINUX_PROC, reason="needs /proc")
def test_sigterm_during_a_post_gen_hook_leaves_nothing(sandbox: Sandbox) -> None:
    started = sandbox.root / "hook-started"
    pack = hooked_pack(sandbox, f"#!/bin/sh\ntouch '{started}'\nsleep 30\n")
    proc = sandbox.popen([*NEW, "--pack", str(pack), "--trust"])
    deadline = time.monotonic() + 60
    while not started.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.005)
    assert project_of(sandbox).is_dir()  # the project was in place while the hook ran
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    no_traceback(Run([], proc.returncode, "", stderr))
    assert proc.returncode == 143, stderr
    assert not (sandbox.work / "out").exists()


# -- the template cache ------------------------------------------------------------


def templates_cache(box: Sandbox) -> Path:
    return box.cache / "archgen" / "templates"


def break_cache(box: Sandbox, how: str) -> None:
    """Make the cache look like a killed or half-finished run left it."""
    warm = box.run(["new", "--no-input", "--answers", str(EXAMPLE), "-o", "warm"])
    assert warm.returncode == 0, warm.stderr
    entry = templates_cache(box) / __version__
    files = sorted(p for p in entry.rglob("*") if p.is_file())
    if how in ("old-and-half-deleted", "half-deleted"):
        for path in files[::2]:
            path.unlink()
    if how == "old-and-half-deleted":
        box.write("base/cookiecutter.json", "{}", base=entry.with_name(f"{__version__}.old"))
    if how == "killed-temp":
        box.write("entry/base/x.txt", "partial", base=entry.with_name(f".{__version__}-k1ll3d"))
        box.write("stray.partial", "x", base=templates_cache(box))


@pytest.mark.parametrize("how", ["old-and-half-deleted", "half-deleted", "killed-temp"])
def test_a_broken_cache_heals_and_never_fails_a_run(
    sandbox: Sandbox, reference: Tree, how: str
) -> None:
    break_cache(sandbox, how)
    assert not verified(templates_cache(sandbox) / __version__) or how == "killed-temp"
    run = sandbox.run(NEW)
    assert run.returncode == 0, run.stderr
    assert "warning" not in run.stderr, run.stderr
    assert tree_diff(reference, snapshot(project_of(sandbox))) == []
    assert verified(templates_cache(sandbox) / __version__)
    names = sorted(p.name for p in templates_cache(sandbox).iterdir())
    assert names == [__version__, "templates.lock"]


def test_concurrent_runs_both_succeed_with_a_healthy_cache(
    sandbox: Sandbox, reference: Tree
) -> None:
    procs = [
        sandbox.popen(["new", "--no-input", "--answers", str(EXAMPLE), "-o", out])
        for out in ("one", "two", "three")
    ]
    results = [(p, *p.communicate(timeout=120)) for p in procs]
    for proc, _, stderr in results:
        assert proc.returncode == 0, stderr
        no_traceback(Run([], proc.returncode, "", stderr))
        assert "warning" not in stderr, stderr
    for out in ("one", "two", "three"):
        assert tree_diff(reference, snapshot(project_of(sandbox, out))) == []
    assert verified(templates_cache(sandbox) / __version__)


def test_an_unwritable_cache_is_a_warning_after_a_complete_project(
    sandbox: Sandbox, reference: Tree
) -> None:
    sandbox.write("archgen", "a file where the cache folder goes\n", base=sandbox.cache)
    run = sandbox.run(NEW)
    assert run.returncode == 0, run.stderr
    assert re.search(
        r"^warning: the project is complete, but the template snapshot", run.stderr, re.M
    )
    assert run.error_lines() == []
    assert tree_diff(reference, snapshot(project_of(sandbox))) == []


# -- update and its journal --------------------------------------------------------

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=m"]


def git(box: Sandbox, project: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=project, env=box.env, check=True, capture_output=True)


@pytest.fixture
def made(sandbox: Sandbox) -> Path:
    """A freshly generated project, committed to git."""
    run = sandbox.run(NEW)
    assert run.returncode == 0, run.stderr
    project = project_of(sandbox)
    git(sandbox, project, "init", "-q")
    git(sandbox, project, "add", "-A")
    git(sandbox, project, "commit", "-q", "-m", "generated")
    return project


def test_update_of_a_fresh_project_is_up_to_date(sandbox: Sandbox, made: Path) -> None:
    before = without(snapshot(made), ".git/")
    run = sandbox.run(["update"], cwd=made)
    assert run.returncode == 0, run.stderr
    assert "already up to date" in run.stdout
    assert run.error_lines() == []
    assert tree_diff(before, without(snapshot(made), ".git/")) == []


def journal(project: Path, files: list[dict[str, object]], **extra: object) -> str:
    return json.dumps({"version": 1, "root": str(project.resolve()), "files": files, **extra})


def _victim(box: Sandbox) -> str:
    return os.path.relpath(box.outside / "victim.txt", project_of(box))


def _deletes_victim(box: Sandbox, project: Path) -> None:
    files = [{"path": _victim(box), "existed": False}]
    box.write(".archgen-update/journal.json", journal(project, files), base=project)


def _writes_outside(box: Sandbox, project: Path) -> None:
    files = [{"path": _victim(box), "existed": True}]
    box.write(".archgen-update/journal.json", journal(project, files), base=project)
    box.write(f".archgen-update/backup/{_victim(box)}", "pwned\n", base=project)


def _old_format_deletes_victim(box: Sandbox, project: Path) -> None:
    text = json.dumps({"files": [{"path": _victim(box), "existed": False}]})
    box.write(".archgen-update/journal.json", text, base=project)


def _absolute_path(box: Sandbox, project: Path) -> None:
    files = [{"path": str(box.outside / "victim.txt"), "existed": False}]
    box.write(".archgen-update/journal.json", journal(project, files), base=project)


def _not_json(box: Sandbox, project: Path) -> None:
    box.write(".archgen-update/journal.json", "{'files': [oops", base=project)


def _two_megabytes(box: Sandbox, project: Path) -> None:
    files = [{"path": f"f{i:07d}.txt", "existed": False} for i in range(60_000)]
    box.write(".archgen-update/journal.json", journal(project, files), base=project)


def _linked_work_dir(box: Sandbox, project: Path) -> None:
    files = [{"path": "victim.txt", "existed": False}]
    box.write("journal.json", journal(project, files), base=box.root / "evil")
    (project / ".archgen-update").symlink_to(box.root / "evil", target_is_directory=True)


def _through_linked_folder(box: Sandbox, project: Path) -> None:
    (project / "docs" / "elsewhere").symlink_to(box.outside, target_is_directory=True)
    files = [{"path": "docs/elsewhere/victim.txt", "existed": False}]
    box.write(".archgen-update/journal.json", journal(project, files), base=project)


def _another_root(box: Sandbox, project: Path) -> None:
    files = [{"path": "README.md", "existed": False}]
    text = journal(project, files).replace(str(project.resolve()), str(box.outside))
    box.write(".archgen-update/journal.json", text, base=project)


def _committed_journal(box: Sandbox, project: Path) -> None:
    files = [{"path": "README.md", "existed": False}]
    box.write(".archgen-update/journal.json", journal(project, files), base=project)
    # generated projects ignore .archgen-update/; a hostile pull request forces it in
    git(box, project, "add", "-f", ".archgen-update/journal.json")
    git(box, project, "commit", "-q", "-m", "a journal from a pull request")


JOURNAL_CASES: dict[str, tuple[Callable[[Sandbox, Path], None], str]] = {
    "deletes-../victim": (_deletes_victim, r"journal\.json: journal path .*not a plain path"),
    "existed-writes-outside": (_writes_outside, r"journal\.json: journal path .*not a plain"),
    "old-format-deletes-victim": (_old_format_deletes_victim, r"is not an update journal"),
    "absolute-path": (_absolute_path, r"journal path '/.*not a plain path"),
    "not-json": (_not_json, r"journal\.json is not an update journal"),
    "two-megabytes": (_two_megabytes, r"journal\.json is larger than 1024 KiB"),
    "linked-work-dir": (_linked_work_dir, r"\.archgen-update is a symbolic link"),
    "through-linked-folder": (_through_linked_folder, r"docs/elsewhere is a symbolic link"),
    "another-root": (_another_root, r"was written for another project"),
    "committed-journal": (_committed_journal, r"\.archgen-update is committed to git"),
}


@pytest.mark.parametrize("case", JOURNAL_CASES)
def test_a_hostile_journal_is_never_acted_on(sandbox: Sandbox, made: Path, case: str) -> None:
    setup, message = JOURNAL_CASES[case]
    setup(sandbox, made)
    before = without(snapshot(sandbox.root), "work/out/credit-decisions/.git/")
    run = sandbox.run(["update"], cwd=made)
    assert_clean_failure(run, 1, message)
    assert "delete" in run.error_lines()[0] or "git rm" in run.error_lines()[0]
    after = without(snapshot(sandbox.root), "work/out/credit-decisions/.git/")
    assert tree_diff(before, after) == []


def test_update_never_writes_through_a_linked_folder(sandbox: Sandbox, made: Path) -> None:
    infra = made / "infra"
    moved = sandbox.root / "elsewhere" / "infra"
    moved.parent.mkdir()
    infra.rename(moved)
    infra.symlink_to(moved, target_is_directory=True)
    git(sandbox, made, "add", "-A")
    git(sandbox, made, "commit", "-q", "-m", "infra lives elsewhere")
    before = without(snapshot(sandbox.root), "work/out/credit-decisions/.git/")
    run = sandbox.run(["update", "--set", "daily_volume=500000"], cwd=made)
    assert_clean_failure(run, 1, r"infra is a symbolic link; archgen does not follow it")
    after = without(snapshot(sandbox.root), "work/out/credit-decisions/.git/")
    assert tree_diff(before, after) == []
