"""The dev stack deploys into moto: every bucket exists, encrypted, with public access blocked."""

from __future__ import annotations

from archgen_stacks.testing.pytest_plugin import DeployedStack


def test_stack_exports_the_pattern(archgen_deployed: DeployedStack) -> None:
    _, result = archgen_deployed
    assert result.outputs["pattern"] == "{{ cookiecutter.pattern }}"


def test_every_bucket_is_private_and_encrypted(archgen_deployed: DeployedStack) -> None:
    session, result = archgen_deployed
    s3 = session.client("s3")
    names = [b.outputs["bucket"] for b in result.of_kind("s3.Bucket")]
    assert names and set(names) <= {b["Name"] for b in s3.list_buckets()["Buckets"]}
    for name in names:
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert all(block.values()), name
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules, name
