"""The app's one VPC construct, built from a named profile: the notebook's and the GPU workstation's three.

Every profile gets one availability zone (a single workload gains nothing from more, and NAT gateways and
interface endpoints are billed per zone), flow logs into a log group `cdk destroy` deletes, a locked default
security group and a workload security group without ingress. What differs is stated in the profile: subnets,
NAT gateways (none unless the profile asks), which traffic the flow logs record, and the VPC endpoints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.constructs.log_groups import HANDLER_LOG_RETENTION_DAYS, destroyable_log_group
from stacks.constructs.nag import INLINE_POLICY, acknowledge_nist

WorkstationNetwork = Literal["public", "private-nat", "private-endpoints"]
FLOW_LOG_RETENTION_DAYS = HANDLER_LOG_RETENTION_DAYS


@dataclass(frozen=True)
class NetworkProfile:
    """What one kind of VPC is made of. `workload` names the thing that runs in it (its security group is
    `<workload>SecurityGroup`); `workload_subnet` is the subnet type it is placed in."""

    name: str
    cidr: str
    subnets: tuple[tuple[str, ec2.SubnetType], ...]
    workload_subnet: ec2.SubnetType
    workload: str
    # Changing a security group's description replaces it (and the notebook instance with it): kept verbatim.
    workload_description: str
    # Ports the workload may reach anywhere (its subnet's routes decide where); None: all outbound traffic.
    workload_egress: Mapping[int, str] | None
    flow_log_traffic: ec2.FlowLogTrafficType
    nat_gateways: int = 0
    interface_endpoints: Mapping[str, ec2.InterfaceVpcEndpointAwsService] = field(default_factory=dict)
    s3_gateway_endpoint: bool = False

    @property
    def assigns_public_ip(self) -> bool:
        """Without NAT or endpoints, the workload reaches AWS APIs over the internet gateway: it needs a public IP."""
        return self.workload_subnet == ec2.SubnetType.PUBLIC


# The notebook's VPC (platform.notebook_network=vpc): no internet at all; S3 through the free gateway endpoint and
# the SageMaker API/runtime through interface endpoints. Every flow is logged: the notebook runs users' code.
NOTEBOOK = NetworkProfile(
    name="notebook",
    cidr="10.0.0.0/16",  # CDK's default, which the notebook's VPC has always had (a new range replaces it)
    subnets=(("Notebook", ec2.SubnetType.PRIVATE_ISOLATED),),
    workload_subnet=ec2.SubnetType.PRIVATE_ISOLATED,
    workload="Notebook",
    workload_description="SageMaker notebook: no inbound; the subnet reaches only the VPC endpoints",
    # Outbound is open, but the isolated subnet routes only to the VPC and the S3 gateway endpoint.
    workload_egress=None,
    flow_log_traffic=ec2.FlowLogTrafficType.ALL,
    interface_endpoints={
        "SageMakerApi": ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API,
        "SageMakerRuntime": ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME,
    },
    s3_gateway_endpoint=True,
)

_WORKSTATION_CIDR = "10.42.0.0/16"
_WORKSTATION_DESCRIPTION = "Sandbox GPU instance: no inbound rules (access is through SSM), outbound HTTP(S) only"
# SSM, CloudWatch, S3 and pip speak HTTPS; Ubuntu's EC2 package mirrors speak plain HTTP (packages are signed).
_WORKSTATION_EGRESS = {443: "HTTPS to AWS APIs and PyPI", 80: "HTTP to OS package mirrors"}
# Only rejected connections are logged: the workstation's own traffic is package downloads and AWS calls.
_WORKSTATION_FLOW_LOGS = ec2.FlowLogTrafficType.REJECT
_PUBLIC = ("Public", ec2.SubnetType.PUBLIC)

# The GPU workstation's three (frameworks.network): public subnet only, no NAT, no hourly cost; a private
# subnet behind one NAT gateway; or an isolated subnet with the endpoints Session Manager (ssm, ssmmessages,
# ec2messages), the CloudWatch agent's idle metric and S3 need, and no internet.
WORKSTATION: dict[WorkstationNetwork, NetworkProfile] = {
    "public": NetworkProfile(
        name="workstation-public",
        cidr=_WORKSTATION_CIDR,
        subnets=(_PUBLIC,),
        workload_subnet=ec2.SubnetType.PUBLIC,
        workload="Instance",
        workload_description=_WORKSTATION_DESCRIPTION,
        workload_egress=_WORKSTATION_EGRESS,
        flow_log_traffic=_WORKSTATION_FLOW_LOGS,
    ),
    "private-nat": NetworkProfile(
        name="workstation-private-nat",
        cidr=_WORKSTATION_CIDR,
        subnets=(_PUBLIC, ("Private", ec2.SubnetType.PRIVATE_WITH_EGRESS)),
        workload_subnet=ec2.SubnetType.PRIVATE_WITH_EGRESS,
        workload="Instance",
        workload_description=_WORKSTATION_DESCRIPTION,
        workload_egress=_WORKSTATION_EGRESS,
        flow_log_traffic=_WORKSTATION_FLOW_LOGS,
        nat_gateways=1,
    ),
    "private-endpoints": NetworkProfile(
        name="workstation-private-endpoints",
        cidr=_WORKSTATION_CIDR,
        subnets=(("Isolated", ec2.SubnetType.PRIVATE_ISOLATED),),
        workload_subnet=ec2.SubnetType.PRIVATE_ISOLATED,
        workload="Instance",
        workload_description=_WORKSTATION_DESCRIPTION,
        workload_egress=_WORKSTATION_EGRESS,
        flow_log_traffic=_WORKSTATION_FLOW_LOGS,
        interface_endpoints={
            "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
            "SsmMessages": ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
            "Ec2Messages": ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
            "Monitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
        },
        s3_gateway_endpoint=True,
    ),
}


class Network(Construct):
    """A one-zone VPC as `profile` describes it; flow logs are encrypted with `log_key` when given.

    Exposes `profile`, `vpc`, `workload_subnets` (where the workload goes), `subnet` (the first of them),
    `security_group` (the workload's), `flow_log_group` and `assigns_public_ip`.
    """

    def __init__(self, scope: Construct, id_: str, *, profile: NetworkProfile, log_key: kms.IKey | None = None) -> None:
        super().__init__(scope, id_)
        self.profile = profile
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(profile.cidr),
            # The zone comes from the stack's availability_zones (a Fn::GetAZs token): synth needs no look-up.
            max_azs=1,
            nat_gateways=profile.nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name=name,
                    subnet_type=subnet_type,
                    cidr_mask=24,
                    # The workload asks for its own public IP; nothing else launched here should get one.
                    map_public_ip_on_launch=False if subnet_type == ec2.SubnetType.PUBLIC else None,
                )
                for name, subnet_type in profile.subnets
            ],
            # Done by CDK's custom-resource Lambda at deploy time; app.py gives it a log group the stack deletes.
            restrict_default_security_group=True,
        )
        self.workload_subnets = ec2.SubnetSelection(subnet_type=profile.workload_subnet)
        self.subnet = self.vpc.select_subnets(subnet_type=profile.workload_subnet).subnets[0]
        self.assigns_public_ip = profile.assigns_public_ip
        self._flow_logs(log_key)
        self.security_group = self._workload_security_group()
        if profile.interface_endpoints:
            self._interface_endpoints()
        if profile.s3_gateway_endpoint:
            # Gateway endpoints are free; S3 carries the data bucket's traffic (and the CloudWatch agent package).
            self.vpc.add_gateway_endpoint(
                "S3", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[self.workload_subnets]
            )

    def _flow_logs(self, log_key: kms.IKey | None) -> None:
        # CDK log groups default to RETAIN; a sandbox must leave nothing behind after `cdk destroy`.
        self.flow_log_group = destroyable_log_group(
            self, "FlowLogs", retention_days=FLOW_LOG_RETENTION_DAYS, encryption_key=log_key
        )
        flow_log = self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group),
            traffic_type=self.profile.flow_log_traffic,
        )
        flow_log_policy = flow_log.node.find_child("IAMRole").node.find_child("DefaultPolicy")
        acknowledge_nist(flow_log_policy, "IAMNoInlinePolicy", INLINE_POLICY)
        for subnet in self.vpc.public_subnets:
            acknowledge_nist(
                subnet.node.find_child("DefaultRoute"),
                "VPCNoUnrestrictedRouteToIGW",
                f"The public subnet's route to the internet gateway is what lets the workload (profile "
                f"{self.profile.name}) or its NAT gateway reach AWS APIs; the workload's security group admits no "
                "inbound traffic, and profiles without a public subnet have no such route.",
            )

    def _workload_security_group(self) -> ec2.SecurityGroup:
        egress = self.profile.workload_egress
        group = ec2.SecurityGroup(
            self,
            f"{self.profile.workload}SecurityGroup",
            vpc=self.vpc,
            description=self.profile.workload_description,
            allow_all_outbound=egress is None,
        )
        for port, why in (egress or {}).items():
            group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(port), why)
        return group

    def _interface_endpoints(self) -> None:
        endpoint_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description=f"Interface endpoints: HTTPS from the {self.profile.workload.lower()} only",
            allow_all_outbound=False,
        )
        endpoint_group.add_ingress_rule(
            self.security_group, ec2.Port.tcp(443), f"HTTPS from the {self.profile.workload.lower()}"
        )
        for name, service in self.profile.interface_endpoints.items():
            self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=self.workload_subnets,
                security_groups=[endpoint_group],
                private_dns_enabled=True,
                open=False,  # only the rule above: the workload's group, not the whole VPC
            )
