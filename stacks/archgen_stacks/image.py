"""The project's container image, built and pushed by `pulumi up` and tagged by its content.

The tag is a SHA-256 over the files that go into the image (`content_hash`), so
the same sources give the same tag (no rebuild, no second push of a tag into the
IMMUTABLE repository) and any change gives a new tag, a new task definition and
a rolling ECS deployment.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pulumi_docker_build as docker_build

from .common import ImageRepository

IMAGE_FILES = ("Dockerfile", "pyproject.toml", "README.md")
"""The files at the context's top that the project's Dockerfile copies (with `src/`)."""
ALWAYS_SENT = ("Dockerfile", ".dockerignore")
"""Docker sends these with every context, whatever `.dockerignore` says."""
IMAGE_DIRS = ("src",)
SKIPPED_DIRS = frozenset({"__pycache__"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")
PLATFORM = docker_build.Platform.LINUX_AMD64
"""The task definitions' `runtime_platform` is LINUX/X86_64 (`common.fargate_task`)."""
CONTEXT_LABEL = "archgen.context-sha256"
"""Image label holding the full content hash the tag is cut from."""


def _dockerignore(context: Path) -> list[tuple[bool, str]]:
    """The `.dockerignore` patterns of `context`: (negated, pattern), in file order."""
    path = context / ".dockerignore"
    if not path.is_file():
        return []
    rules: list[tuple[bool, str]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line[1:].strip() if negated else line
        pattern = pattern.strip("/").removeprefix("./")
        if pattern:
            rules.append((negated, pattern))
    return rules


def _ignored(rel: str, rules: list[tuple[bool, str]]) -> bool:
    """Docker's rule: the last matching pattern wins; a pattern matching a parent matches too."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for negated, pattern in rules:
        alternatives = {pattern, pattern.removeprefix("**/")}
        hit = any(
            fnmatch.fnmatchcase(p, alt) or fnmatch.fnmatchcase(p, f"**/{alt}")
            for p in prefixes
            for alt in alternatives
        )
        if hit:
            ignored = not negated
    return ignored


def image_files(context: Path) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, file) of every file the image is built from, sorted by path.

    `Dockerfile`, `pyproject.toml`, `README.md` and `src/**`, without `__pycache__`,
    compiled Python and whatever the context's `.dockerignore` leaves out; and the
    `.dockerignore` itself, which Docker always sends (it changes what is built).
    """
    rules = _dockerignore(context)
    found: dict[str, Path] = {}
    for name in IMAGE_FILES:
        if (context / name).is_file():
            found[name] = context / name
    for top in IMAGE_DIRS:
        for path in (context / top).rglob("*"):
            rel = path.relative_to(context).as_posix()
            if not path.is_file() or SKIPPED_DIRS & set(rel.split("/")[:-1]):
                continue
            if path.suffix in SKIPPED_SUFFIXES:
                continue
            found[rel] = path
    if (context / ".dockerignore").is_file():
        found[".dockerignore"] = context / ".dockerignore"
    for rel in sorted(found):
        if rel in ALWAYS_SENT or not _ignored(rel, rules):
            yield rel, found[rel]


def content_hash(context: Path) -> str:
    """SHA-256 (hex) over the image's files: each relative path and its bytes, in path order."""
    digest = hashlib.sha256()
    for rel, path in image_files(context):
        data = path.read_bytes()
        digest.update(rel.encode("utf-8") + b"\0")
        digest.update(str(len(data)).encode("ascii") + b"\0")
        digest.update(data)
    return digest.hexdigest()


def content_tag(context: Path) -> str:
    """`sha-<first 16 hex of content_hash>`: a valid ECR tag that names the image's content."""
    return f"sha-{content_hash(context)[:16]}"


@dataclass(frozen=True)
class ImageBuildArgs:
    """Build the image in `context` (relative to the program's directory) into `repository`."""

    repository: ImageRepository
    context: str = ".."
    dockerfile: str = "Dockerfile"

    def validate(self) -> None:
        """The context must be a directory (`missing_dockerfile` is the entry point's check)."""
        if not Path(self.context).is_dir():
            raise ValueError(f"imageContext: {self.context} is not a directory")


def missing_dockerfile(context: str, dockerfile: str = "Dockerfile") -> str | None:
    """The one-line problem when `context` holds no Dockerfile to build, else None."""
    if (Path(context) / dockerfile).is_file():
        return None
    return (
        f"imageContext: no {dockerfile} in {context} (set imageContext, or imageBuild: false "
        "and push the image to the stack's repositoryUrl at imageTag yourself)"
    )


class ImageBuild(pulumi.ComponentResource):
    """The image built with Docker Buildx and pushed to the stack's ECR repository.

    `uri` is `<repository url>:<content tag>`, resolved once the push is done (so
    no task definition names an image that is not there yet). The tasks run the
    image by tag, not by digest: the tag is already the content and immutable in
    the repository, it is computed here before any build (a preview without Docker
    still knows it), and a team can find the running image in ECR by it.
    The push is one linux/amd64 image manifest with Docker media types (the
    provider adds no provenance attestation), which ECS and Lambda both pull.
    """

    image: docker_build.Image
    tag: str
    uri: pulumi.Output[str]
    digest: pulumi.Output[str]

    def __init__(self, name: str, args: ImageBuildArgs, opts: pulumi.ResourceOptions | None = None):
        args.validate()
        super().__init__("archgen:image:ImageBuild", name, None, opts)
        repo = args.repository.repository
        full_hash = content_hash(Path(args.context))
        self.tag = f"sha-{full_hash[:16]}"
        token = aws.ecr.get_authorization_token_output(
            registry_id=repo.registry_id, opts=pulumi.InvokeOptions(parent=self)
        )
        tagged = pulumi.Output.concat(repo.repository_url, ":", self.tag)
        self.image = docker_build.Image(
            f"{name}-image",
            context={"location": args.context},
            dockerfile={"location": f"{args.context}/{args.dockerfile}"},
            platforms=[PLATFORM],
            push=False,  # the one registry export below pushes, with Docker media types
            tags=[tagged],
            labels={CONTEXT_LABEL: full_hash},
            registries=[
                {
                    "address": repo.repository_url,
                    "username": pulumi.Output.secret(token.user_name),
                    "password": pulumi.Output.secret(token.password),
                }
            ],
            exports=[{"registry": {"oci_media_types": False}}],
            build_on_preview=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.digest = self.image.digest
        self.uri = pulumi.Output.all(tagged, self.image.ref).apply(lambda refs: str(refs[0]))
        self.register_outputs({"uri": self.uri, "digest": self.digest, "tag": self.tag})
