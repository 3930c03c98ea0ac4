"""A one-zone VPC for a sandbox instance: public by default, private with NAT or VPC endpoints on request."""

from __future__ import annotations

from typing import Literal

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import INLINE_POLICY, acknowledge_nist

NetworkMode = Literal["public", "private-nat", "private-endpoints"]
VPC_CIDR = "10.42.0.0/16"

# Interface endpoints an instance without internet access needs: Session Manager (ssm, ssmmessages,
# ec2messages) and CloudWatch metrics, which the agent's idle signal is published to.
ENDPOINT_SERVICES: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
    "SsmMessages": ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
    "Ec2Messages": ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
    "Monitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
}


# CloudWatch Logs encrypts every log group at rest with a service key. A customer KMS key would cost $1 a month
# while the sandbox sits idle, for logs holding connection metadata (flow logs) and a handler's trace.
class SandboxNetwork(Construct):
    """VPC in one availability zone with flow logs, a locked default security group and an ingress-free group.

    `public`: public subnet only, no NAT gateway, no hourly cost. `private-nat`: adds a private subnet behind one
    NAT gateway. `private-endpoints`: an isolated subnet with SSM, CloudWatch and S3 endpoints, no internet.
    Exposes `vpc`, `instance_subnets` (where the instance goes), `security_group`, `flow_log_group`,
    `assigns_public_ip`.
    """

    def __init__(self, scope: Construct, id_: str, *, mode: NetworkMode) -> None:
        super().__init__(scope, id_)
        self.mode = mode
        public = ec2.SubnetConfiguration(
            name="Public",
            subnet_type=ec2.SubnetType.PUBLIC,
            cidr_mask=24,
            # The instance asks for its own public IP; nothing else launched here should get one.
            map_public_ip_on_launch=False,
        )
        private = ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24)
        isolated = ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
        subnets = {"public": [public], "private-nat": [public, private], "private-endpoints": [isolated]}[mode]
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            # One zone: a single instance gains nothing from more, and NAT/endpoints are billed per zone. The
            # zone comes from the stack's availability_zones (a Fn::GetAZs token): synth needs no look-up.
            max_azs=1,
            nat_gateways=1 if mode == "private-nat" else 0,
            subnet_configuration=subnets,
            restrict_default_security_group=True,
        )
        self.instance_subnets = ec2.SubnetSelection(
            subnet_type={
                "public": ec2.SubnetType.PUBLIC,
                "private-nat": ec2.SubnetType.PRIVATE_WITH_EGRESS,
                "private-endpoints": ec2.SubnetType.PRIVATE_ISOLATED,
            }[mode]
        )
        # Without NAT or endpoints the SSM agent reaches Systems Manager over the internet gateway, which
        # needs a public IP. Inbound traffic is still refused by the security group.
        self.assigns_public_ip = mode == "public"

        # CDK log groups default to RETAIN; a sandbox must leave nothing behind after `cdk destroy`.
        self.flow_log_group = destroyable_log_group(self, "FlowLogs", retention_days=7)
        flow_log = self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group),
            traffic_type=ec2.FlowLogTrafficType.REJECT,
        )
        flow_log_policy = flow_log.node.find_child("IAMRole").node.find_child("DefaultPolicy")
        acknowledge_nist(flow_log_policy, "IAMNoInlinePolicy", INLINE_POLICY)
        for subnet in self.vpc.public_subnets:
            acknowledge_nist(
                subnet.node.find_child("DefaultRoute"),
                "VPCNoUnrestrictedRouteToIGW",
                "The public subnet's route to the internet gateway is what lets the instance (network=public) or "
                "the NAT gateway (private-nat) reach AWS APIs; the instance's security group admits no inbound "
                "traffic, and network=private-endpoints has no such route.",
            )

        self.security_group = ec2.SecurityGroup(
            self,
            "InstanceSecurityGroup",
            vpc=self.vpc,
            description="Sandbox GPU instance: no inbound rules (access is through SSM), outbound HTTP(S) only",
            allow_all_outbound=False,
        )
        # SSM, CloudWatch, S3 and pip speak HTTPS; Ubuntu's EC2 package mirrors speak plain HTTP (packages are
        # signed). Nothing else needs to leave.
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to AWS APIs and PyPI")
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(80), "HTTP to OS package mirrors")

        if mode == "private-endpoints":
            self._endpoints()

    def _endpoints(self) -> None:
        endpoint_group = ec2.SecurityGroup(
            self,
            "EndpointSecurityGroup",
            vpc=self.vpc,
            description="Interface endpoints: HTTPS from inside the sandbox VPC only",
            allow_all_outbound=False,
        )
        # The literal VPC range rather than the instance's group: cdk-nag can evaluate a literal CIDR (EC23), and
        # the isolated subnet holds nothing but the instance and the endpoints.
        endpoint_group.add_ingress_rule(ec2.Peer.ipv4(VPC_CIDR), ec2.Port.tcp(443), "HTTPS from inside the VPC")
        for name, service in ENDPOINT_SERVICES.items():
            self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=self.instance_subnets,
                security_groups=[endpoint_group],
                private_dns_enabled=True,
                open=False,  # the rule above already admits the VPC, as a literal nag can check
            )
        # Gateway endpoints are free; S3 carries the CloudWatch agent package and the data bucket traffic.
        self.vpc.add_gateway_endpoint(
            "S3", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[self.instance_subnets]
        )
