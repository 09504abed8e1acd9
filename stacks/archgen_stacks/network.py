"""The VPC that containers run in: public subnets for the load balancer, private ones for tasks.

Private tasks reach AWS either through one NAT gateway per availability zone
(`egress="nat"`) or through VPC endpoints only (`egress="endpoints"`, no path to
the internet at all).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .common import (
    assume_role_policy,
    current_account,
    document,
    log_group,
    statement,
    with_name,
)

INTERFACE_ENDPOINTS = (
    "ecr.api",
    "ecr.dkr",
    "logs",
    "sts",
    "monitoring",
    "kinesis-streams",
    "states",
    "sns",
)
"""Services private tasks call when there is no NAT gateway (S3 and DynamoDB use gateways)."""


@dataclass(frozen=True)
class NetworkArgs:
    """Shape of the VPC; every value comes from StackSettings."""

    cidr: str = "10.0.0.0/16"
    availability_zones: int = 2
    egress: str = "nat"
    flow_logs_key_arn: pulumi.Input[str] | None = None
    """Set: the VPC's traffic (accepted and rejected) is logged to a log group
    encrypted with this key (which must grant CloudWatch Logs); None: no flow logs."""
    flow_log_retention_days: int = 30
    tags: Mapping[str, str] = field(default_factory=dict)

    def validate(self) -> None:
        """At least two AZs, a CIDR large enough for 2 x AZ /20 subnets, a known egress mode."""
        if self.availability_zones < 2:
            raise ValueError("NetworkArgs.availability_zones must be at least 2")
        if self.egress not in ("nat", "endpoints"):
            raise ValueError("NetworkArgs.egress must be nat or endpoints")
        subnet_cidrs(self.cidr, self.availability_zones)


def subnet_cidrs(cidr: str, zones: int) -> tuple[list[str], list[str]]:
    """Split the VPC block into `zones` public and `zones` private subnets of equal size."""
    try:
        network = ipaddress.ip_network(cidr)
    except ValueError as err:
        raise ValueError(f"NetworkArgs.cidr {cidr!r} is not a CIDR block") from err
    new_prefix = network.prefixlen + max(1, (2 * zones - 1).bit_length())
    if new_prefix > 28:
        raise ValueError(f"NetworkArgs.cidr {cidr} is too small for {2 * zones} subnets")
    blocks = [str(b) for b in network.subnets(new_prefix=new_prefix)]
    return blocks[:zones], blocks[zones : 2 * zones]


def pick_zones(names: Sequence[str], wanted: int) -> list[str]:
    """The first `wanted` availability zones; a region with fewer is an error.

    Wrapping around would put two subnets of one tier in one zone, which the load
    balancer rejects and which defeats the point of spreading across zones.
    """
    if len(names) < wanted:
        raise ValueError(
            f"availabilityZones is {wanted} but the region has {len(names)} available "
            f"zones ({', '.join(sorted(names))}); set availabilityZones to at most {len(names)}"
        )
    return list(names[:wanted])


@dataclass(frozen=True)
class NetworkRef:
    """Where containers run: a VPC and its public and private subnets (created or existing)."""

    vpc_id: pulumi.Input[str]
    public_subnet_ids: list[pulumi.Input[str]]
    private_subnet_ids: list[pulumi.Input[str]]


class Network(pulumi.ComponentResource):
    """VPC over N zones: public subnets with an internet gateway, private ones with egress."""

    vpc: aws.ec2.Vpc
    vpc_id: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    private_route_table_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        args.validate()
        super().__init__("archgen:network:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.tags)
        # a plain (not Output) lookup, so a region with too few zones fails before any resource
        found = aws.get_availability_zones(
            state="available", opts=pulumi.InvokeOptions(parent=self)
        )
        zones = pick_zones(found.names, args.availability_zones)
        public_cidrs, private_cidrs = subnet_cidrs(args.cidr, args.availability_zones)
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=with_name(tags, f"{name}-vpc"),
            opts=child,
        )
        self.vpc_id = self.vpc.id
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=self.vpc.id, tags=with_name(tags, f"{name}-igw"), opts=child
        )
        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=self.vpc.id,
            tags=with_name(tags, f"{name}-public"),
            opts=child,
        )
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=child,
        )
        self.public_subnet_ids = []
        self.private_subnet_ids = []
        self.private_route_table_ids = []
        for index in range(args.availability_zones):
            zone = zones[index]
            public = aws.ec2.Subnet(
                f"{name}-public-{index}",
                vpc_id=self.vpc.id,
                cidr_block=public_cidrs[index],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=with_name({**tags, "archgen:tier": "public"}, f"{name}-public-{index}"),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{index}-rta",
                subnet_id=public.id,
                route_table_id=public_rt.id,
                opts=child,
            )
            private = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                cidr_block=private_cidrs[index],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags=with_name({**tags, "archgen:tier": "private"}, f"{name}-private-{index}"),
                opts=child,
            )
            private_rt = aws.ec2.RouteTable(
                f"{name}-private-{index}-rt",
                vpc_id=self.vpc.id,
                tags=with_name(tags, f"{name}-private-{index}"),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}-rta",
                subnet_id=private.id,
                route_table_id=private_rt.id,
                opts=child,
            )
            if args.egress == "nat":
                eip = aws.ec2.Eip(
                    f"{name}-nat-{index}-eip",
                    domain="vpc",
                    tags=with_name(tags, f"{name}-nat-{index}"),
                    opts=child,
                )
                nat = aws.ec2.NatGateway(
                    f"{name}-nat-{index}",
                    allocation_id=eip.id,
                    subnet_id=public.id,
                    tags=with_name(tags, f"{name}-nat-{index}"),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
                aws.ec2.Route(
                    f"{name}-private-{index}-default",
                    route_table_id=private_rt.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat.id,
                    opts=child,
                )
            self.public_subnet_ids.append(public.id)
            self.private_subnet_ids.append(private.id)
            self.private_route_table_ids.append(private_rt.id)
        if args.egress == "endpoints":
            self._endpoints(name, args, tags)
        # The default group of a new VPC allows all traffic among its members and all
        # egress; nothing of archgen uses it, so it is adopted with every rule removed.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            tags=with_name(tags, f"{name}-default (no rules)"),
            opts=child,
        )
        if args.flow_logs_key_arn is not None:
            self._flow_logs(name, args, tags)
        self.ref = NetworkRef(
            self.vpc_id, list(self.public_subnet_ids), list(self.private_subnet_ids)
        )
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
            }
        )

    def _endpoints(self, name: str, args: NetworkArgs, tags: dict[str, str]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region
        sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            vpc_id=self.vpc.id,
            description="HTTPS from inside the VPC to the interface endpoints",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 443,
                    "to_port": 443,
                    "cidr_blocks": [args.cidr],
                    "description": "HTTPS from the VPC",
                }
            ],
            tags=with_name(tags, f"{name}-endpoints"),
            opts=child,
        )
        for service in ("s3", "dynamodb"):
            aws.ec2.VpcEndpoint(
                f"{name}-{service}-endpoint",
                vpc_id=self.vpc.id,
                service_name=pulumi.Output.concat("com.amazonaws.", region, f".{service}"),
                vpc_endpoint_type="Gateway",
                route_table_ids=self.private_route_table_ids,
                tags=with_name(tags, f"{name}-{service}"),
                opts=child,
            )
        for service in INTERFACE_ENDPOINTS:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}-endpoint",
                vpc_id=self.vpc.id,
                service_name=pulumi.Output.concat("com.amazonaws.", region, f".{service}"),
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=self.private_subnet_ids,
                security_group_ids=[sg.id],
                tags=with_name(tags, f"{name}-{service}"),
                opts=child,
            )

    def _flow_logs(self, name: str, args: NetworkArgs, tags: dict[str, str]) -> None:
        """Every accepted and rejected flow of the VPC, to an encrypted log group."""
        assert args.flow_logs_key_arn is not None
        child = pulumi.ResourceOptions(parent=self)
        account = current_account(pulumi.InvokeOptions(parent=self))
        logs = log_group(
            f"{name}-flow-logs",
            f"/archgen/{name}/flow-logs",
            retention_days=args.flow_log_retention_days,
            kms_key_arn=args.flow_logs_key_arn,
            tags=tags,
            parent=self,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs-role",
            assume_role_policy=assume_role_policy(
                "vpc-flow-logs.amazonaws.com", account.account_id
            ),
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs-policy",
            role=role.id,
            policy=document(
                [
                    statement(
                        ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                        [logs.arn, pulumi.Output.concat(logs.arn, ":*")],
                    )
                ]
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=logs.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=600,
            tags=tags,
            opts=child,
        )
