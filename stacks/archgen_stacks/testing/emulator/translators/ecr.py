"""ECR repositories, their lifecycle and repository policies, created in moto's ECR.

Emulated: the repository (lower-cased name, tag mutability, scan on push,
encryption with its KMS key, tags) with its real URL and registry id, a
lifecycle policy and a repository policy (moto stores it; it enforces none).
Not emulated: `forceDelete` (nothing is deleted here).

The Docker Build provider's image (`docker-build:index:Image`) cannot be built
here (no Docker daemon): it is "pushed" as a minimal schema-2 manifest, whose
config digest derives from the context hash label, into the moto repository
its tag names, under that tag; its digest is the manifest's. The build inputs
(context, Dockerfile, platform, registry login) are listed as not emulated.
"""

from __future__ import annotations

import hashlib
import json

from .._base import Backend, Handler, R
from ._util import _json_text, _tags

MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
CONTEXT_LABEL = "archgen.context-sha256"


def _ecr_repo(m: Backend, name: str, i: R) -> tuple[str, R]:
    repo_name = m.physical_name(i, name).lower()
    kw: R = {
        "repositoryName": repo_name,
        "imageTagMutability": i.get("imageTagMutability", "MUTABLE"),
    }
    scan = i.get("imageScanningConfiguration") or {}
    kw["imageScanningConfiguration"] = {"scanOnPush": bool(scan.get("scanOnPush", False))}
    encryption = i.get("encryptionConfigurations") or []
    if len(encryption) > 1:
        raise ValueError("an ECR repository takes one encryption configuration")
    if encryption:
        conf: R = {"encryptionType": encryption[0].get("encryptionType", "AES256")}
        if encryption[0].get("kmsKey"):
            conf["kmsKey"] = encryption[0]["kmsKey"]
        kw["encryptionConfiguration"] = conf
    if i.get("tags"):
        kw["tags"] = _tags(i)
    repo = m.client("ecr").create_repository(**kw)["repository"]
    return repo_name, {
        "name": repo_name,
        "arn": repo["repositoryArn"],
        "registryId": repo["registryId"],
        "repositoryUrl": repo["repositoryUri"],
    }


def _ecr_lifecycle(m: Backend, name: str, i: R) -> tuple[str, R]:
    out = m.client("ecr").put_lifecycle_policy(
        repositoryName=i["repository"], lifecyclePolicyText=_json_text(i["policy"])
    )
    return str(i["repository"]), {"registryId": out["registryId"]}


def _split_ref(ref: str) -> tuple[str, str, str]:
    """`<registry>/<repository>:<tag>` -> (registry, repository, tag)."""
    registry, _, rest = ref.partition("/")
    repository, sep, tag = rest.rpartition(":")
    if not sep or not repository or "/" in tag:
        raise ValueError(f"image tag {ref!r} is not <registry>/<repository>:<tag>")
    return registry, repository, tag


def _docker_image(m: Backend, name: str, i: R) -> tuple[str, R]:
    exports = i.get("exports") or []
    registry_exports = [e["registry"] for e in exports if isinstance(e, dict) and "registry" in e]
    if not (i.get("push") or registry_exports):
        raise ValueError("the image is neither pushed nor exported to a registry")
    context_hash = str((i.get("labels") or {}).get(CONTEXT_LABEL) or "")
    if not context_hash:
        raise ValueError(f"the image carries no {CONTEXT_LABEL} label")
    logins = {str(r.get("address", "")).partition("/")[0] for r in i.get("registries") or []}
    ecr = m.client("ecr")
    digest, ref = "", ""
    for tagged in i.get("tags") or []:
        registry, repository, tag = _split_ref(str(tagged))
        if registry not in logins:
            raise ValueError(f"no registry login for {registry} (pushing {tagged})")
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {
                "mediaType": CONFIG_MEDIA_TYPE,
                "size": len(context_hash),
                "digest": f"sha256:{hashlib.sha256(context_hash.encode()).hexdigest()}",
            },
            "layers": [],
        }
        text = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
        pushed = ecr.put_image(
            repositoryName=repository,
            imageManifest=text,
            imageManifestMediaType=MANIFEST_MEDIA_TYPE,
            imageTag=tag,
        )["image"]
        digest = pushed["imageId"]["imageDigest"]
        ref = ref or f"{tagged}@{digest}"
    if not digest:
        raise ValueError("the image has no tag to push")
    return digest, {"digest": digest, "ref": ref, "contextHash": context_hash}


def _ecr_policy(m: Backend, name: str, i: R) -> tuple[str, R]:
    out = m.client("ecr").set_repository_policy(
        repositoryName=i["repository"], policyText=_json_text(i["policy"])
    )
    return str(i["repository"]), {"registryId": out["registryId"]}


HANDLERS: dict[str, Handler] = {
    "ecr.Repository": _ecr_repo,
    "ecr.LifecyclePolicy": _ecr_lifecycle,
    "docker-build:index:Image": _docker_image,
    "ecr.RepositoryPolicy": _ecr_policy,
}

APPLIED: dict[str, frozenset[str]] = {
    "ecr.Repository": frozenset(
        {
            "encryptionConfigurations",
            "encryptionConfigurations.encryptionType",
            "encryptionConfigurations.kmsKey",
            "imageScanningConfiguration",
            "imageScanningConfiguration.scanOnPush",
            "imageTagMutability",
            "name",
            "tags.*",
        }
    ),
    "ecr.LifecyclePolicy": frozenset({"policy", "repository"}),
    "docker-build:index:Image": frozenset(
        {
            "exports",
            "exports.registry",
            "exports.registry.ociMediaTypes",
            "labels.*",
            "push",
            "registries",
            "registries.address",
            "tags",
        }
    ),
    "ecr.RepositoryPolicy": frozenset({"policy", "repository"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "ecr.Repository": {"forceDelete": "only matters when a repository is deleted"},
    "ecr.LifecyclePolicy": {},
    "docker-build:index:Image": {
        "context": "no Docker daemon offline: nothing is built, the context's hash is pushed",
        "dockerfile": "no Docker daemon offline: the Dockerfile is not run",
        "platforms": "no build offline; the pushed manifest stands for the one platform",
        "buildOnPreview": "the emulator deploys, it never previews",
        "network": "no build offline: the RUN steps' network mode has no effect",
        "registries.username": "moto's ECR takes pushes through its API, without a login",
        "registries.password": "moto's ECR takes pushes through its API, without a login",
    },
    "ecr.RepositoryPolicy": {},
}
"""Per kind, the inputs knowingly left out of moto (kept in the outputs as given)."""
