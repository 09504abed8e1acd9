"""Conversions every translator shares: Pulumi's input shapes to boto3's.

Inputs reach the mocks with camelCase keys and every number as a float; these
helpers turn them into the ints, tag lists, JSON strings and zip archives the
AWS APIs take. `_policy_document` renders `aws.iam.getPolicyDocument`
statements the way the provider does for the fields the stacks use (sid,
effect, actions, resources, principals, conditions); `notActions`,
`notResources`, `notPrincipals` and `overridePolicyDocuments` are not
rendered.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi


def _int(value: Any) -> int:
    return int(float(value))


def _tags(inputs: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"Key": str(k), "Value": str(v)} for k, v in (inputs.get("tags") or {}).items()]


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _policy_document(args: Mapping[str, Any]) -> dict[str, Any]:
    statements = []
    for st in args.get("statements") or []:
        out: dict[str, Any] = {"Effect": st.get("effect", "Allow")}
        if st.get("sid"):
            out["Sid"] = st["sid"]
        if st.get("actions"):
            out["Action"] = st["actions"]
        if st.get("resources"):
            out["Resource"] = st["resources"]
        principals: dict[str, Any] = {}
        for p in st.get("principals") or []:
            principals.setdefault(p["type"], []).extend(p["identifiers"])
        if principals:
            out["Principal"] = principals
        conditions: dict[str, Any] = {}
        for c in st.get("conditions") or []:
            conditions.setdefault(c["test"], {})[c["variable"]] = c["values"]
        if conditions:
            out["Condition"] = conditions
        statements.append(out)
    return {"Version": args.get("version", "2012-10-17"), "Statement": statements}


def _zip_code(code: Any) -> bytes:
    """Zip a Lambda `code` archive; a placeholder module when it has no local files."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        written = False
        if isinstance(code, pulumi.FileArchive) and Path(code.path).is_dir():
            root = Path(code.path)
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(root).as_posix())
                    written = True
        elif isinstance(code, pulumi.AssetArchive):
            for name, asset in code.assets.items():
                if isinstance(asset, pulumi.StringAsset):
                    zf.writestr(name, asset.text)
                    written = True
                elif isinstance(asset, pulumi.FileAsset) and Path(asset.path).is_file():
                    zf.write(asset.path, name)
                    written = True
        if not written:
            zf.writestr("handler.py", "def handler(event, context):\n    return None\n")
    return buf.getvalue()
