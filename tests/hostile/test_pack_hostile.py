"""Hostile team packs: they never run code, never reach outside their folder, and their rules hold.

Each case builds a pack (or a file a pack is read from) in the sandbox, runs the
real `archgen` once, and expects one `archgen: error:` line with its exit code.
The sandbox fixture then proves `outside/` is byte for byte unchanged (the
escape payloads below would write `outside/pwned`) and nothing is left in the
cache or TMPDIR; each case also proves the project folder it names is as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from harness import EXAMPLE, Sandbox, assert_clean_failure, snapshot, tree_diff

SLUG = "{{cookiecutter.project_slug}}"
NEW = ["new", "--no-input", "--project-name", "victim-app", "-o", "out"]
HELLO = f"layers/base/{SLUG}/hello.txt"
PRIVATE = r"starts with '_'; pack templates may not use private or dunder attributes"


@dataclass(frozen=True)
class Invocation:
    """What a case runs, from where, and which folder must come out of it unchanged."""

    argv: list[str]
    cwd: Path | None = None
    watched: Path | None = None
    """A folder whose tree must be the same after the run (default: the sandbox's `out/`)."""
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Sandbox], Invocation]
    exit_code: int
    message: str
    timeout: float = 120


def make_pack(
    box: Sandbox,
    *,
    files: dict[str, str] | None = None,
    extra: str = "",
    layers: str = "  base: layers/base\n",
    name: str = "evil",
) -> Path:
    """A pack `work/<name>` with one base overlay file (or `files`) and `extra` manifest text."""
    manifest = f"name: {name}\nversion: '1.0'\nlayers:\n{layers}{extra}"
    box.write(f"{name}/archgen-pack.yaml", manifest)
    for rel, text in (files or {HELLO: "hi {{ cookiecutter.project_slug }}\n"}).items():
        box.write(f"{name}/{rel}", text)
    return box.work / name


def elsewhere(box: Sandbox) -> Path:
    """A layer folder outside the pack (not in `outside/`, so setting it up changes nothing)."""
    layer = box.root / "elsewhere" / "layer"
    box.write(f"{SLUG}/stolen.txt", "from outside the pack\n", base=layer)
    box.write("hook.py", f"open({str(box.outside / 'pwned')!r}, 'w').write('x')\n", base=layer)
    return layer


# -- payloads: each would create outside/pwned if the template ran as Python ----------


def popen(box: Sandbox) -> str:
    return f"({str('touch ' + str(box.outside / 'pwned'))!r})"


def mro_chain(box: Sandbox) -> str:
    return (
        "{% for c in cookiecutter.project_slug.__class__.__mro__[1].__subclasses__() %}"
        "{% if c.__name__ == '_wrap_close' %}"
        f"{{{{ c.__init__.__globals__['popen']{popen(box)}.read() }}}}"
        "{% endif %}{% endfor %}\n"
    )


def cycler_globals(box: Sandbox) -> str:
    return f"{{{{ cycler.__init__.__globals__.os.popen{popen(box)}.read() }}}}\n"


def template_reference(box: Sandbox) -> str:
    return (
        "{{ self._TemplateReference__context.cycler.__init__.__globals__"
        f".os.popen{popen(box)}.read() }}}}\n"
    )


def concatenated(box: Sandbox) -> str:
    """The mro chain spelt with `attr` and string concatenation: no static check sees `__`."""

    def dunder(name: str) -> str:
        return f"|attr('_' ~ '_{name}_' ~ '_')"

    cls = f"((cookiecutter.project_slug{dunder('class')}){dunder('mro')})[1]"
    init_globals = f"((c{dunder('init')}){dunder('globals')})"
    return (
        f"{{% for c in ({cls}{dunder('subclasses')})() %}}"
        f"{{% if (c{dunder('name')}) == '_wrap_close' %}}"
        f"{{{{ {init_globals}['popen']{popen(box)}.read() }}}}"
        "{% endif %}{% endfor %}\n"
    )


# -- builders -----------------------------------------------------------------------


def new_with(payload: Callable[[Sandbox], str], *flags: str) -> Callable[[Sandbox], Invocation]:
    def build(box: Sandbox) -> Invocation:
        make_pack(box, files={HELLO: payload(box)})
        return Invocation([*NEW, "--pack", "evil", *flags])

    return build


def via_project_pack_file(payload: Callable[[Sandbox], str]) -> Callable[[Sandbox], Invocation]:
    """The pack is chosen by a `.archgen-pack` file in the working folder, not by a flag."""

    def build(box: Sandbox) -> Invocation:
        make_pack(box, files={HELLO: payload(box)})
        box.write(".archgen-pack", "evil\n")
        return Invocation(list(NEW))

    return build


def check_with(payload: Callable[[Sandbox], str]) -> Callable[[Sandbox], Invocation]:
    """A project made with a harmless pack; then the pack turns hostile and `check` runs."""

    def build(box: Sandbox) -> Invocation:
        make_pack(box)
        made = box.run([*NEW, "--pack", "evil"])
        assert made.returncode == 0, made.stderr
        box.write(f"evil/{HELLO}", payload(box))
        project = box.work / "out" / "victim-app"
        return Invocation(["check", "--project", str(project)], watched=project)

    return build


def with_files(
    files: Callable[[Sandbox], dict[str, str]], *flags: str, extra: str = ""
) -> Callable[[Sandbox], Invocation]:
    def build(box: Sandbox) -> Invocation:
        make_pack(box, files=files(box), extra=extra)
        return Invocation([*NEW, "--pack", "evil", *flags])

    return build


def with_manifest(extra: str, *argv: str) -> Callable[[Sandbox], Invocation]:
    def build(box: Sandbox) -> Invocation:
        make_pack(box, extra=extra)
        return Invocation(list(argv) or [*NEW, "--pack", "evil"])

    return build


def symlinked_layer(box: Sandbox) -> Invocation:
    make_pack(box, files={"README.md": "x\n"})
    (box.work / "evil" / "layers").mkdir()
    (box.work / "evil" / "layers" / "base").symlink_to(elsewhere(box))
    return Invocation([*NEW, "--pack", "evil"])


def symlinked_file(box: Sandbox) -> Invocation:
    pack = make_pack(box)
    (pack / f"layers/base/{SLUG}/victim.txt").symlink_to(box.outside / "victim.txt")
    return Invocation([*NEW, "--pack", "evil"])


def symlinked_folder(box: Sandbox) -> Invocation:
    pack = make_pack(box)
    (pack / f"layers/base/{SLUG}/more").symlink_to(elsewhere(box) / SLUG)
    return Invocation([*NEW, "--pack", "evil"])


def symlinked_manifest(box: Sandbox) -> Invocation:
    pack = make_pack(box)
    real = box.root / "elsewhere" / "manifest.yaml"
    real.parent.mkdir(parents=True, exist_ok=True)
    real.write_text((pack / "archgen-pack.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (pack / "archgen-pack.yaml").unlink()
    (pack / "archgen-pack.yaml").symlink_to(real)
    return Invocation(["packs", "show", "./evil"])


def layer_path(kind: str) -> Callable[[Sandbox], Invocation]:
    def build(box: Sandbox) -> Invocation:
        layer = elsewhere(box)
        rel = str(layer) if kind == "absolute" else "../../elsewhere/layer"
        make_pack(box, layers=f"  base: {rel}\n", files={"README.md": "x\n"})
        return Invocation([*NEW, "--pack", "evil"])

    return build


def hook_path(kind: str) -> Callable[[Sandbox], Invocation]:
    def build(box: Sandbox) -> Invocation:
        hook = elsewhere(box) / "hook.py"
        rel = str(hook) if kind == "absolute" else "../../elsewhere/layer/hook.py"
        make_pack(box, extra=f"hooks:\n  post_gen: [{rel}]\n")
        return Invocation([*NEW, "--pack", "evil", "--trust"])

    return build


def fifo_in_layer(box: Sandbox) -> Invocation:
    pack = make_pack(box)
    os.mkfifo(pack / f"layers/base/{SLUG}/pipe.txt")
    return Invocation([*NEW, "--pack", "evil"])


def fifo_manifest(box: Sandbox) -> Invocation:
    (box.work / "evil").mkdir()
    os.mkfifo(box.work / "evil" / "archgen-pack.yaml")
    return Invocation(["packs", "show", "./evil"])


def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def bomb_manifest(box: Sandbox) -> Invocation:
    box.write("evil/archgen-pack.yaml", "name: evil\nversion: '1.0'\n" + alias_bomb())
    return Invocation(["packs", "show", "./evil"])


def huge_manifest(box: Sandbox) -> Invocation:
    make_pack(box, extra="description: " + "x" * (2 * 1024 * 1024) + "\n")
    return Invocation(["packs", "show", "./evil"])


def answers_with(pack_answers: str, extra: str) -> Callable[[Sandbox], Invocation]:
    """An answers file (the example's, plus `pack_answers`) replayed with a pack."""

    def build(box: Sandbox) -> Invocation:
        make_pack(box, extra=extra)
        text = EXAMPLE.read_text(encoding="utf-8") + f"pack_answers:\n{pack_answers}"
        box.write("answers.yaml", text)
        return Invocation(
            ["new", "--no-input", "--answers", "answers.yaml", "-o", "out", "--pack", "evil"]
        )

    return build


def project_file(name: str, content: bytes, *argv: str) -> Callable[[Sandbox], Invocation]:
    def build(box: Sandbox) -> Invocation:
        if content == b"FIFO":
            os.mkfifo(box.work / name)
        else:
            box.write(name, content)
        return Invocation(list(argv))

    return build


def fifo_user_config(box: Sandbox) -> Invocation:
    box.config.parent.mkdir(parents=True)
    os.mkfifo(box.config)
    return Invocation(["recommend"])


TIERS = "questions:\n  - key: tier\n    prompt: Tier\n    default: silver\n"
TIERS += "    choices: [gold, silver]\n"
REPLICAS = "questions:\n  - key: replicas\n    prompt: Replicas\n    default: 3\n"
STREAMING_ISH = [
    "--daily-volume=5000000",
    "--urgency=high",
    "--latency-p99-ms=200",
    "--complexity-tolerance=high",
]

CASES = [
    # sandbox escapes: statically refused, early, under every command that renders
    Case(
        "mro-popen-new",
        new_with(mro_chain),
        2,
        rf"pack evil: .*hello\.txt:1: attribute '__class__' {PRIVATE}",
    ),
    Case(
        "mro-popen-pretend",
        new_with(mro_chain, "--pretend"),
        2,
        rf"pack evil: .*hello\.txt:1: attribute '__class__' {PRIVATE}",
    ),
    Case(
        "mro-popen-check",
        check_with(mro_chain),
        2,
        rf"pack evil: .*hello\.txt:1: attribute '__class__' {PRIVATE}",
    ),
    Case(
        "mro-popen-archgen-pack-file",
        via_project_pack_file(mro_chain),
        2,
        rf"pack evil: .*hello\.txt:1: attribute '__class__' {PRIVATE}",
    ),
    Case(
        "cycler-globals-new",
        new_with(cycler_globals),
        2,
        rf"pack evil: .*hello\.txt:1: attribute '__init__' {PRIVATE}",
    ),
    Case("cycler-globals-check", check_with(cycler_globals), 2, rf"attribute '__init__' {PRIVATE}"),
    Case(
        "template-reference-pretend",
        new_with(template_reference, "--pretend"),
        2,
        rf"attribute '_TemplateReference__context' {PRIVATE}",
    ),
    Case(
        "template-reference-archgen-pack-file",
        via_project_pack_file(template_reference),
        2,
        rf"attribute '_TemplateReference__context' {PRIVATE}",
    ),
    Case(
        "namespace-mutation",
        new_with(lambda box: "{% set ns = namespace(x=1) %}{% set ns.__class__ = 2 %}{{ ns.x }}\n"),
        2,
        rf"hello\.txt:1: attribute '__class__' {PRIVATE}",
    ),
    Case(
        "attr-filter-dunder",
        new_with(lambda box: "{{ cookiecutter.project_slug|attr('__class__') }}\n"),
        2,
        rf"attribute '__class__' {PRIVATE}",
    ),
    Case(
        "subscript-dunder",
        new_with(lambda box: "{{ cookiecutter.project_slug['__class__'] }}\n"),
        2,
        rf"attribute '__class__' {PRIVATE}",
    ),
    Case(
        "dunder-in-a-file-name",
        with_files(
            lambda box: {
                f"layers/base/{SLUG}/{{{{cookiecutter.project_slug.__class__}}}}.txt": "x\n"
            }
        ),
        2,
        rf"\(file name\):1: attribute '__class__' {PRIVATE}",
    ),
    # what no static check can see: the sandbox stops it at render, one line naming the pack
    Case(
        "concatenated-dunder-new",
        new_with(concatenated),
        1,
        r"pack evil: overlay base, file hello\.txt, line 1: .*(unsafe|has no attribute '__mro__')",
    ),
    Case(
        "concatenated-dunder-pretend",
        new_with(concatenated, "--pretend"),
        1,
        r"pack evil: overlay base, file hello\.txt, line 1: .*(unsafe|has no attribute '__mro__')",
    ),
    Case(
        "append-to-a-list-value",
        new_with(lambda box: "{{ cookiecutter._archgen.layers.append('evil') }}\n"),
        1,
        r"pack evil: overlay base, file hello\.txt, line 1: .*'append' of 'list' object is unsafe",
    ),
    Case(
        "raises-at-render",
        new_with(lambda box: "fine\n{{ 1/0 }}\n"),
        1,
        r"pack evil: overlay base, file hello\.txt, line 2: division by zero",
    ),
    Case(
        "undefined-at-render",
        new_with(lambda box: "{{ cookiecutter.company_tags.Nope }}\n"),
        1,
        r"pack evil: overlay base, file hello\.txt, line 1: .*Nope",
    ),
    # containment: nothing outside the pack folder is read, copied or run
    Case(
        "symlinked-layer",
        symlinked_layer,
        2,
        r"pack evil: .*layer base 'layers/base': layers/base is a symlink",
    ),
    Case(
        "symlinked-file-to-outside",
        symlinked_file,
        2,
        r"pack evil: layers/base/.*/victim\.txt is a symlink; "
        r"pack layers may hold only regular files",
    ),
    Case(
        "symlinked-folder-in-layer",
        symlinked_folder,
        2,
        r"pack evil: layers/base/.*/more is a symlink",
    ),
    Case(
        "symlinked-manifest", symlinked_manifest, 2, r"pack evil: .*archgen-pack\.yaml is a symlink"
    ),
    Case(
        "absolute-layer-path",
        layer_path("absolute"),
        2,
        r"layer base '/.* must be a path relative to the pack folder",
    ),
    Case(
        "dotdot-layer-path",
        layer_path("dotdot"),
        2,
        r"layer base '\.\./\.\./elsewhere/layer' may not contain '\.\.'",
    ),
    Case(
        "dotdot-hook-path",
        hook_path("dotdot"),
        2,
        r"hook '\.\./\.\./elsewhere/layer/hook\.py' may not contain '\.\.'",
    ),
    Case(
        "absolute-hook-path",
        hook_path("absolute"),
        2,
        r"hook '/.* must be a path relative to the pack folder",
    ),
    Case(
        "fifo-in-layer",
        fifo_in_layer,
        2,
        r"pack evil: layers/base/.*/pipe\.txt is not a regular file",
        timeout=30,
    ),
    # the manifest itself
    Case(
        "fifo-manifest", fifo_manifest, 2, r"archgen-pack\.yaml: is not a regular file", timeout=30
    ),
    Case(
        "alias-bomb-manifest",
        bomb_manifest,
        2,
        r"archgen-pack\.yaml:3:\d+: YAML anchors \(&name\) are not allowed",
        timeout=60,
    ),
    Case("two-megabyte-manifest", huge_manifest, 2, r"archgen-pack\.yaml: is larger than 1024 KiB"),
    # pack questions and answers go through validation
    Case(
        "question-keyed-region",
        with_manifest("questions:\n  - key: region\n    prompt: Region\n    default: mars\n"),
        2,
        r"questions\.0\.key: .*'region' is a built-in question .*defaults: region",
    ),
    Case(
        "question-keyed-like-a-template-value",
        with_manifest(
            "questions:\n  - key: project_slug\n    prompt: Slug\n", "packs", "show", "./evil"
        ),
        2,
        r"questions\.0\.key: .*'project_slug' is a built-in question or template value",
    ),
    Case(
        "question-default-not-a-choice",
        with_manifest(
            TIERS.replace("default: silver", "default: bronze"), "packs", "show", "./evil"
        ),
        2,
        r"questions\.0: .*default 'bronze' is not one of gold, silver",
    ),
    Case(
        "answer-not-a-choice-and-huge",
        answers_with("  tier: " + "bronze" * 1000 + "\n", TIERS),
        2,
        r"pack evil: answer tier='bronzebronze.*\.\.\. is not one of gold, silver",
    ),
    Case(
        "answer-of-the-wrong-type",
        answers_with("  replicas: many\n", REPLICAS),
        2,
        r"answer replicas='many' is not a whole number",
    ),
    Case(
        "answer-a-mapping",
        answers_with("  replicas: {a: 1}\n", REPLICAS),
        2,
        r"answer replicas=\{'a': 1\} is a dict, not a single value",
    ),
    Case(
        "defaults-region-mars",
        with_manifest(
            "defaults:\n  region: mars\n",
            *["new", "--no-input", "--answers", str(EXAMPLE), "-o", "out", "--pack", "evil"],
        ),
        2,
        r"pack evil: .*archgen-pack\.yaml:\d+: defaults\.region: "
        r".*'mars' must be an AWS region name",
    ),
    # a pack forbids components and services, not only patterns
    Case(
        "forbid-services-kinesis-hybrid",
        with_manifest(
            "constraints:\n  forbid_services: [kinesis]\n",
            *NEW,
            "--pack",
            "evil",
            "--pattern",
            "hybrid",
            *STREAMING_ISH,
        ),
        1,
        r"pattern hybrid cannot be used: deploys kinesis \(Streaming component\), "
        r"which team pack evil 1\.0 forbids",
    ),
    Case(
        "forbid-components-stream",
        with_manifest(
            "constraints:\n  forbid_components: [stream]\n",
            *NEW,
            "--pack",
            "evil",
            "--pattern",
            "streaming",
        ),
        1,
        r"pattern streaming cannot be used: "
        r"deploys the Streaming component \(stream\), which team pack evil",
    ),
    Case(
        "forbid-unknown-service",
        with_manifest("constraints:\n  forbid_services: [kinesys]\n", "packs", "show", "./evil"),
        2,
        r"constraints\.forbid_services: .*unknown service 'kinesys' \(one of .*kinesis",
    ),
    # the files that pick a pack implicitly are read as untrusted input too
    Case(
        "archgen-pack-file-is-a-fifo",
        project_file(".archgen-pack", b"FIFO", *NEW),
        2,
        r"\.archgen-pack: is not a regular file",
        timeout=30,
    ),
    Case(
        "project-record-with-nul",
        project_file(".archgen.yaml", b"pack:\n  name: x\0\n", "recommend"),
        2,
        r"\.archgen\.yaml: holds a NUL byte",
    ),
    Case(
        "project-record-alias-bomb",
        project_file(".archgen.yaml", alias_bomb().encode(), "recommend"),
        2,
        r"\.archgen\.yaml:1:\d+: YAML anchors",
        timeout=60,
    ),
    Case(
        "project-record-pack-not-a-mapping",
        project_file(".archgen.yaml", b"pack: [evil]\n", "recommend"),
        2,
        r"\.archgen\.yaml: pack: expected a mapping",
    ),
    Case(
        "user-config-is-a-fifo",
        fifo_user_config,
        2,
        r"config\.yaml: is not a regular file",
        timeout=30,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_pack(sandbox: Sandbox, case: Case) -> None:
    invocation = case.build(sandbox)
    watched = invocation.watched or sandbox.work / "out"
    before = snapshot(watched)
    run = sandbox.run(invocation.argv, cwd=invocation.cwd, env=invocation.env, timeout=case.timeout)
    assert_clean_failure(run, case.exit_code, case.message)
    assert tree_diff(before, snapshot(watched)) == [], "the project folder changed"
    assert not (sandbox.outside / "pwned").exists()
    assert "from outside the pack" not in "".join(
        p.read_text(errors="replace")
        for p in watched.rglob("*")
        if p.is_file() and not p.is_symlink()
    )


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 22
    assert len({c.id for c in CASES}) == len(CASES)
