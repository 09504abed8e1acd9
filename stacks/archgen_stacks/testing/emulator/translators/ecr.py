"""ECR repositories, their lifecycle and repository policies, created in moto's ECR.

Emulated: the repository (lower-cased name, tag mutability, scan on push,
encryption with its KMS key, tags) with its real URL and registry id, a
lifecycle policy and a repository policy (moto stores it; it enforces none).
Not emulated: `forceDelete` (nothing is deleted here); no image is ever
pushed (moto's Lambda takes an image function's URI without one).
"""

from __future__ import annotations

from .._base import Backend, Handler, R
from ._util import _json_text, _tags


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


def _ecr_policy(m: Backend, name: str, i: R) -> tuple[str, R]:
    out = m.client("ecr").set_repository_policy(
        repositoryName=i["repository"], policyText=_json_text(i["policy"])
    )
    return str(i["repository"]), {"registryId": out["registryId"]}


HANDLERS: dict[str, Handler] = {
    "ecr.Repository": _ecr_repo,
    "ecr.LifecyclePolicy": _ecr_lifecycle,
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
    "ecr.RepositoryPolicy": frozenset({"policy", "repository"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "ecr.Repository": {"forceDelete": "only matters when a repository is deleted"},
    "ecr.LifecyclePolicy": {},
    "ecr.RepositoryPolicy": {},
}
"""Per kind, the inputs knowingly left out of moto (kept in the outputs as given)."""
