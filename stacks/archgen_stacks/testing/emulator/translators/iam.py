"""IAM roles, inline role policies and policy attachments, created in moto's IAM.

Emulated: a role (path, description, tags, trust policy, inline policies,
managed policy ARNs), an inline role policy and a policy attachment. AWS
managed policies are not loaded in moto (`MOTO_CONFIG`): attaching one is
recorded by the attachment resource alone. moto does not enforce the
policies on the calls the tests make.
"""

from __future__ import annotations

import uuid

from botocore.exceptions import ClientError

from .._base import Backend, Handler, R
from ._util import _json_text, _tags


def _iam_role(m: Backend, name: str, i: R) -> tuple[str, R]:
    rname = m.physical_name(i, name)
    kw: R = {
        "RoleName": rname,
        "AssumeRolePolicyDocument": _json_text(i["assumeRolePolicy"]),
        "Path": i.get("path", "/"),
    }
    if i.get("description"):
        kw["Description"] = i["description"]
    if i.get("tags"):
        kw["Tags"] = _tags(i)
    role = m.client("iam").create_role(**kw)["Role"]
    for inline in i.get("inlinePolicies") or []:
        if inline.get("policy"):
            m.client("iam").put_role_policy(
                RoleName=rname,
                PolicyName=inline["name"],
                PolicyDocument=_json_text(inline["policy"]),
            )
    for arn in i.get("managedPolicyArns") or []:
        _attach(m, rname, arn)
    return rname, {
        "name": rname,
        "arn": role["Arn"],
        "uniqueId": role["RoleId"],
        "createDate": str(role["CreateDate"]),
    }


def _iam_role_policy(m: Backend, name: str, i: R) -> tuple[str, R]:
    pname = m.physical_name(i, name)
    m.client("iam").put_role_policy(
        RoleName=i["role"], PolicyName=pname, PolicyDocument=_json_text(i["policy"])
    )
    return f"{i['role']}:{pname}", {"name": pname}


def _attach(m: Backend, role: str, arn: str) -> None:
    try:
        m.client("iam").attach_role_policy(RoleName=role, PolicyArn=arn)
    except ClientError as err:
        # Without AWS managed policies loaded (MOTO_CONFIG), attaching one is
        # recorded by the attachment resource alone: re-creating it in the
        # account would change its ARN.
        if ":aws:policy/" not in arn or err.response["Error"]["Code"] != "NoSuchEntity":
            raise


def _iam_attach(m: Backend, name: str, i: R) -> tuple[str, R]:
    _attach(m, str(i["role"]), str(i["policyArn"]))
    return f"{i['role']}-{uuid.uuid4().hex[:8]}", {}


HANDLERS: dict[str, Handler] = {
    "iam.Role": _iam_role,
    "iam.RolePolicy": _iam_role_policy,
    "iam.RolePolicyAttachment": _iam_attach,
}

APPLIED: dict[str, frozenset[str]] = {
    "iam.Role": frozenset(
        {
            "inlinePolicies.name",
            "inlinePolicies.policy",
            "tags.*",
            "assumeRolePolicy",
            "description",
            "inlinePolicies",
            "managedPolicyArns",
            "name",
            "namePrefix",
            "path",
        }
    ),
    "iam.RolePolicy": frozenset({"name", "namePrefix", "policy", "role"}),
    "iam.RolePolicyAttachment": frozenset({"policyArn", "role"}),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {
    "iam.Role": {},
    "iam.RolePolicy": {},
    "iam.RolePolicyAttachment": {},
}
"""Per kind, the inputs knowingly left out of moto and why (kept in the outputs as given)."""
