"""The data sources (Pulumi invokes) the stacks call, answered from moto.

Emulated: `aws.get_caller_identity` (moto's STS), `aws.get_region`,
`aws.get_partition` (always `aws`), `aws.get_availability_zones` (moto's
EC2 zones of the region), `aws.ecr.get_authorization_token` (moto's ECR token,
split into user name and password) and `aws.iam.get_policy_document` (rendered
locally, see `translators._util._policy_document`). Not emulated: every other data
source; in strict mode calling one fails the deploy naming its token,
otherwise its arguments are echoed as its result.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

from ._base import Backend, EmulatorError, R
from .translators._util import _policy_document


def _caller_identity(m: Backend, args: Mapping[str, Any]) -> R:
    ident = m.client("sts").get_caller_identity()
    return {
        "accountId": ident["Account"],
        "arn": ident["Arn"],
        "userId": ident["UserId"],
        "id": ident["Account"],
    }


def _region(m: Backend, args: Mapping[str, Any]) -> R:
    return {
        "name": m.region,
        "region": m.region,
        "id": m.region,
        "endpoint": f"ec2.{m.region}.amazonaws.com",
        "description": m.region,
    }


def _partition(m: Backend, args: Mapping[str, Any]) -> R:
    return {
        "partition": "aws",
        "id": "aws",
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
    }


def _availability_zones(m: Backend, args: Mapping[str, Any]) -> R:
    zones = m.client("ec2").describe_availability_zones()["AvailabilityZones"]
    return {
        "names": [z["ZoneName"] for z in zones],
        "zoneIds": [z["ZoneId"] for z in zones],
        "groupNames": sorted({z.get("GroupName", m.region) for z in zones}),
        "id": m.region,
        "region": m.region,
    }


def _vpc(m: Backend, args: Mapping[str, Any]) -> R:
    vpc = m.client("ec2").describe_vpcs(VpcIds=[str(args["id"])])["Vpcs"][0]
    return {"id": vpc["VpcId"], "cidrBlock": vpc["CidrBlock"], "arn": "", "tags": {}}


def _ecr_authorization_token(m: Backend, args: Mapping[str, Any]) -> R:
    registry = str(args.get("registryId") or m.account_id)
    data = m.client("ecr").get_authorization_token(registryIds=[registry])
    auth = data["authorizationData"][0]
    user, _, password = base64.b64decode(auth["authorizationToken"]).decode().partition(":")
    return {
        "authorizationToken": auth["authorizationToken"],
        "expiresAt": str(auth["expiresAt"]),
        "proxyEndpoint": auth["proxyEndpoint"],
        "userName": user,
        "password": password,
        "registryId": registry,
        "id": registry,
    }


def _policy_document_json(m: Backend, args: Mapping[str, Any]) -> R:
    doc = _policy_document(args)
    text = json.dumps(doc, indent=2)
    return {"json": text, "minifiedJson": json.dumps(doc), "id": str(hash(text))}


DATA_SOURCES: dict[str, Callable[[Backend, Mapping[str, Any]], R]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document_json,
    "aws:ec2/getVpc:getVpc": _vpc,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_authorization_token,
}


def answer(m: Backend, token: str, args: Mapping[str, Any], *, strict: bool) -> R:
    """The result of data source `token` called with `args`."""
    source = DATA_SOURCES.get(token)
    if source is not None:
        return source(m, args)
    if strict:
        raise EmulatorError(f"unsupported data source: {token}")
    return dict(args)
