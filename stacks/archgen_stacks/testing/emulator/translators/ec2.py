"""The VPC network: VPC, subnets, gateways, routes, security groups, VPC
endpoints and flow logs, created in moto's EC2.

Emulated: a VPC with its DNS attributes and default route table and security
group; subnets (zone, public IP on launch); an internet gateway attached to a
VPC; route tables with inline routes, routes and associations; Elastic IPs
and NAT gateways; security groups with inline rules and standalone rules
(CIDR, IPv6, prefix lists, source groups, self); gateway and interface
endpoints with their policy; the default security group adopted with every
rule revoked; VPC flow logs to a log group; tags and rule descriptions. A
security group loses AWS's default allow-all egress rule, as the provider
revokes it, and holds only the program's own rules. Not emulated: IPv6 VPC
ranges; moto routes no packet, so nothing about reachability is checked.
"""

from __future__ import annotations

import uuid

from botocore.exceptions import ClientError

from .._base import Backend, Handler, R
from ._util import _int, _json_text, _tags


def _ec2_tags(i: R, resource: str) -> list[R]:
    tags = _tags(i)
    return [{"ResourceType": resource, "Tags": tags}] if tags else []


def _vpc(m: Backend, name: str, i: R) -> tuple[str, R]:
    ec2 = m.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=i["cidrBlock"], TagSpecifications=_ec2_tags(i, "vpc"))["Vpc"]
    vid = vpc["VpcId"]
    if i.get("enableDnsSupport") is not None:
        ec2.modify_vpc_attribute(VpcId=vid, EnableDnsSupport={"Value": bool(i["enableDnsSupport"])})
    if i.get("enableDnsHostnames"):
        ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vid]}])["RouteTables"]
    sgs = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return vid, {
        "arn": f"arn:aws:ec2:{m.region}:{m.account_id}:vpc/{vid}",
        "mainRouteTableId": rtb[0]["RouteTableId"] if rtb else "",
        "defaultRouteTableId": rtb[0]["RouteTableId"] if rtb else "",
        "defaultSecurityGroupId": sgs[0]["GroupId"] if sgs else "",
        "ownerId": m.account_id,
    }


def _subnet(m: Backend, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "VpcId": i["vpcId"],
        "CidrBlock": i["cidrBlock"],
        "TagSpecifications": _ec2_tags(i, "subnet"),
    }
    if i.get("availabilityZone"):
        kw["AvailabilityZone"] = i["availabilityZone"]
    sub = m.client("ec2").create_subnet(**kw)["Subnet"]
    if i.get("mapPublicIpOnLaunch"):
        m.client("ec2").modify_subnet_attribute(
            SubnetId=sub["SubnetId"], MapPublicIpOnLaunch={"Value": True}
        )
    sid = sub["SubnetId"]
    return sid, {
        "arn": f"arn:aws:ec2:{m.region}:{m.account_id}:subnet/{sid}",
        "availabilityZone": sub["AvailabilityZone"],
        "availabilityZoneId": sub.get("AvailabilityZoneId", ""),
    }


def _igw(m: Backend, name: str, i: R) -> tuple[str, R]:
    ec2 = m.client("ec2")
    gid = ec2.create_internet_gateway(TagSpecifications=_ec2_tags(i, "internet-gateway"))[
        "InternetGateway"
    ]["InternetGatewayId"]
    if i.get("vpcId"):
        ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=i["vpcId"])
    return gid, {"arn": f"arn:aws:ec2:{m.region}:{m.account_id}:internet-gateway/{gid}"}


def _route_table(m: Backend, name: str, i: R) -> tuple[str, R]:
    rid = m.client("ec2").create_route_table(
        VpcId=i["vpcId"], TagSpecifications=_ec2_tags(i, "route-table")
    )["RouteTable"]["RouteTableId"]
    for route in i.get("routes") or []:
        _route(m, name, {"routeTableId": rid, **route})
    return rid, {"arn": f"arn:aws:ec2:{m.region}:{m.account_id}:route-table/{rid}"}


def _route(m: Backend, name: str, i: R) -> tuple[str, R]:
    kw: R = {"RouteTableId": i["routeTableId"]}
    for src, dst in (
        ("destinationCidrBlock", "DestinationCidrBlock"),
        ("cidrBlock", "DestinationCidrBlock"),
        ("gatewayId", "GatewayId"),
        ("natGatewayId", "NatGatewayId"),
        ("vpcEndpointId", "VpcEndpointId"),
    ):
        if i.get(src):
            kw[dst] = i[src]
    m.client("ec2").create_route(**kw)
    return f"r-{i['routeTableId']}{abs(hash(kw.get('DestinationCidrBlock', '')))}", {}


def _rta(m: Backend, name: str, i: R) -> tuple[str, R]:
    kw: R = {"RouteTableId": i["routeTableId"]}
    if i.get("subnetId"):
        kw["SubnetId"] = i["subnetId"]
    if i.get("gatewayId"):
        kw["GatewayId"] = i["gatewayId"]
    return m.client("ec2").associate_route_table(**kw)["AssociationId"], {}


def _eip(m: Backend, name: str, i: R) -> tuple[str, R]:
    out = m.client("ec2").allocate_address(
        Domain=i.get("domain", "vpc"), TagSpecifications=_ec2_tags(i, "elastic-ip")
    )
    return out["AllocationId"], {
        "allocationId": out["AllocationId"],
        "publicIp": out["PublicIp"],
        "domain": "vpc",
    }


def _nat(m: Backend, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "SubnetId": i["subnetId"],
        "ConnectivityType": i.get("connectivityType", "public"),
        "TagSpecifications": _ec2_tags(i, "natgateway"),
    }
    if i.get("allocationId"):
        kw["AllocationId"] = i["allocationId"]
    nat = m.client("ec2").create_nat_gateway(**kw)["NatGateway"]
    addrs = nat.get("NatGatewayAddresses") or [{}]
    return nat["NatGatewayId"], {
        "publicIp": addrs[0].get("PublicIp", ""),
        "privateIp": addrs[0].get("PrivateIp", ""),
        "networkInterfaceId": addrs[0].get("NetworkInterfaceId", ""),
    }


def _permission(rule: R) -> R:
    perm: R = {"IpProtocol": str(rule.get("protocol", "-1"))}
    if perm["IpProtocol"] in ("all",):
        perm["IpProtocol"] = "-1"
    if perm["IpProtocol"] != "-1":
        perm["FromPort"] = _int(rule.get("fromPort", 0))
        perm["ToPort"] = _int(rule.get("toPort", 0))
    described: R = {"Description": rule["description"]} if rule.get("description") else {}
    if rule.get("cidrBlocks"):
        perm["IpRanges"] = [{"CidrIp": c, **described} for c in rule["cidrBlocks"]]
    if rule.get("ipv6CidrBlocks"):
        perm["Ipv6Ranges"] = [{"CidrIpv6": c, **described} for c in rule["ipv6CidrBlocks"]]
    groups = list(rule.get("securityGroups") or [])
    if rule.get("sourceSecurityGroupId"):
        groups.append(rule["sourceSecurityGroupId"])
    if rule.get("prefixListIds"):
        perm["PrefixListIds"] = [{"PrefixListId": p, **described} for p in rule["prefixListIds"]]
    if groups:
        perm["UserIdGroupPairs"] = [{"GroupId": g, **described} for g in groups]
    return perm


def _authorize(m: Backend, gid: str, direction: str, rule: R) -> None:
    perm = _permission(rule)
    if rule.get("self"):
        pair: R = {"GroupId": gid}
        if rule.get("description"):
            pair["Description"] = rule["description"]
        perm.setdefault("UserIdGroupPairs", []).append(pair)
    ec2 = m.client("ec2")
    try:
        if direction == "ingress":
            ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[perm])
        else:
            ec2.authorize_security_group_egress(GroupId=gid, IpPermissions=[perm])
    except ClientError as err:
        if err.response["Error"]["Code"] != "InvalidPermission.Duplicate":
            raise


def _sg(m: Backend, name: str, i: R) -> tuple[str, R]:
    gname = m.physical_name(i, name)
    kw: R = {
        "GroupName": gname,
        "Description": i.get("description", "Managed by Pulumi"),
        "TagSpecifications": _ec2_tags(i, "security-group"),
    }
    if i.get("vpcId"):
        kw["VpcId"] = i["vpcId"]
    ec2 = m.client("ec2")
    gid = ec2.create_security_group(**kw)["GroupId"]
    # AWS gives a new group an allow-all egress rule; the provider revokes it
    # and applies only the program's own rules.
    (group,) = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"]
    if group.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=group["IpPermissionsEgress"])
    for rule in i.get("ingress") or []:
        _authorize(m, gid, "ingress", rule)
    for rule in i.get("egress") or []:
        _authorize(m, gid, "egress", rule)
    return gid, {
        "name": gname,
        "ownerId": m.account_id,
        "arn": f"arn:aws:ec2:{m.region}:{m.account_id}:security-group/{gid}",
    }


def _sg_rule(m: Backend, name: str, i: R) -> tuple[str, R]:
    _authorize(m, str(i["securityGroupId"]), str(i["type"]), i)
    return f"sgrule-{uuid.uuid4().hex[:10]}", {}


def _vpce(m: Backend, name: str, i: R) -> tuple[str, R]:
    kw: R = {
        "VpcId": i["vpcId"],
        "ServiceName": i["serviceName"],
        "VpcEndpointType": i.get("vpcEndpointType", "Gateway"),
    }
    for src, dst in (
        ("subnetIds", "SubnetIds"),
        ("securityGroupIds", "SecurityGroupIds"),
        ("routeTableIds", "RouteTableIds"),
    ):
        if i.get(src):
            kw[dst] = list(i[src])
    if i.get("privateDnsEnabled") is not None and kw["VpcEndpointType"] == "Interface":
        kw["PrivateDnsEnabled"] = bool(i["privateDnsEnabled"])
    if i.get("policy"):
        kw["PolicyDocument"] = _json_text(i["policy"])
    kw["TagSpecifications"] = _ec2_tags(i, "vpc-endpoint")
    ep = m.client("ec2").create_vpc_endpoint(**kw)["VpcEndpoint"]
    eid = ep["VpcEndpointId"]
    return eid, {
        "arn": f"arn:aws:ec2:{m.region}:{m.account_id}:vpc-endpoint/{eid}",
        "dnsEntries": [
            {"dnsName": d.get("DnsName", ""), "hostedZoneId": d.get("HostedZoneId", "")}
            for d in ep.get("DnsEntries") or []
        ],
        "state": ep.get("State", "available"),
        "ownerId": m.account_id,
    }


def _default_sg(m: Backend, name: str, i: R) -> tuple[str, R]:
    """Adopt the VPC's default group: every rule revoked, the program's own applied."""
    ec2 = m.client("ec2")
    filters = [
        {"Name": "vpc-id", "Values": [str(i["vpcId"])]},
        {"Name": "group-name", "Values": ["default"]},
    ]
    group = ec2.describe_security_groups(Filters=filters)["SecurityGroups"][0]
    gid = group["GroupId"]
    if group.get("IpPermissions"):
        ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=group["IpPermissions"])
    if group.get("IpPermissionsEgress"):
        ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=group["IpPermissionsEgress"])
    for rule in i.get("ingress") or []:
        _authorize(m, gid, "ingress", rule)
    for rule in i.get("egress") or []:
        _authorize(m, gid, "egress", rule)
    if i.get("tags"):
        ec2.create_tags(
            Resources=[gid], Tags=[{"Key": str(k), "Value": str(v)} for k, v in i["tags"].items()]
        )
    arn = f"arn:aws:ec2:{m.region}:{m.account_id}:security-group/{gid}"
    return gid, {"name": "default", "ownerId": m.account_id, "arn": arn}


def _flow_log(m: Backend, name: str, i: R) -> tuple[str, R]:
    done = m.client("ec2").create_flow_logs(
        ResourceIds=[str(i["vpcId"])],
        ResourceType="VPC",
        TrafficType=str(i["trafficType"]),
        LogDestinationType=str(i["logDestinationType"]),
        LogDestination=str(i["logDestination"]),
        DeliverLogsPermissionArn=str(i["iamRoleArn"]),
        MaxAggregationInterval=int(i.get("maxAggregationInterval", 600)),
        TagSpecifications=_ec2_tags(i, "vpc-flow-log"),
    )
    if done.get("Unsuccessful"):
        raise ValueError(f"flow log {name}: {done['Unsuccessful'][0]['Error']['Message']}")
    fid = done["FlowLogIds"][0]
    return fid, {"arn": f"arn:aws:ec2:{m.region}:{m.account_id}:vpc-flow-log/{fid}"}


HANDLERS: dict[str, Handler] = {
    "ec2.DefaultSecurityGroup": _default_sg,
    "ec2.FlowLog": _flow_log,
    "ec2.Vpc": _vpc,
    "ec2.Subnet": _subnet,
    "ec2.InternetGateway": _igw,
    "ec2.RouteTable": _route_table,
    "ec2.Route": _route,
    "ec2.RouteTableAssociation": _rta,
    "ec2.Eip": _eip,
    "ec2.NatGateway": _nat,
    "ec2.SecurityGroup": _sg,
    "ec2.SecurityGroupRule": _sg_rule,
    "ec2.VpcEndpoint": _vpce,
}

_RULE: tuple[str, ...] = (
    "cidrBlocks",
    "description",
    "fromPort",
    "ipv6CidrBlocks",
    "prefixListIds",
    "protocol",
    "securityGroups",
    "self",
    "toPort",
)
_INLINE_RULES = frozenset(f"{d}.{k}" for d in ("ingress", "egress") for k in _RULE)

APPLIED: dict[str, frozenset[str]] = {
    "ec2.DefaultSecurityGroup": frozenset({"egress", "ingress", "tags.*", "vpcId"}) | _INLINE_RULES,
    "ec2.FlowLog": frozenset(
        {
            "iamRoleArn",
            "logDestination",
            "logDestinationType",
            "maxAggregationInterval",
            "tags.*",
            "trafficType",
            "vpcId",
        }
    ),
    "ec2.Vpc": frozenset({"cidrBlock", "enableDnsHostnames", "enableDnsSupport", "tags.*"}),
    "ec2.Subnet": frozenset(
        {"availabilityZone", "cidrBlock", "mapPublicIpOnLaunch", "tags.*", "vpcId"}
    ),
    "ec2.InternetGateway": frozenset({"tags.*", "vpcId"}),
    "ec2.RouteTable": frozenset(
        {
            "routes",
            "routes.cidrBlock",
            "routes.gatewayId",
            "routes.natGatewayId",
            "routes.vpcEndpointId",
            "tags.*",
            "vpcId",
        }
    ),
    "ec2.Route": frozenset(
        {"destinationCidrBlock", "gatewayId", "natGatewayId", "routeTableId", "vpcEndpointId"}
    ),
    "ec2.RouteTableAssociation": frozenset({"gatewayId", "routeTableId", "subnetId"}),
    "ec2.Eip": frozenset({"domain", "tags.*"}),
    "ec2.NatGateway": frozenset({"allocationId", "connectivityType", "subnetId", "tags.*"}),
    "ec2.SecurityGroup": frozenset(
        {"description", "egress", "ingress", "name", "namePrefix", "tags.*", "vpcId"}
    )
    | _INLINE_RULES,
    "ec2.SecurityGroupRule": frozenset(
        {
            "cidrBlocks",
            "description",
            "fromPort",
            "ipv6CidrBlocks",
            "prefixListIds",
            "protocol",
            "securityGroupId",
            "self",
            "sourceSecurityGroupId",
            "toPort",
            "type",
        }
    ),
    "ec2.VpcEndpoint": frozenset(
        {
            "policy",
            "privateDnsEnabled",
            "routeTableIds",
            "securityGroupIds",
            "serviceName",
            "subnetIds",
            "tags.*",
            "vpcEndpointType",
            "vpcId",
        }
    ),
}
"""Per kind, the inputs the handler reads and sends to moto."""

NOT_EMULATED: dict[str, dict[str, str]] = {kind: {} for kind in APPLIED}
"""Per kind, the inputs knowingly left out of moto (kept in the outputs as given)."""
