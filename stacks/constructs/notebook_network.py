"""A small private VPC for the notebook: isolated subnet, S3 gateway and SageMaker interface endpoints, no NAT."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks.constructs.log_groups import destroyable_log_group
from stacks.constructs.nag import INLINE_POLICY, acknowledge_nist


class NotebookNetwork(Construct):
    """VPC with one private isolated subnet, VPC endpoints for S3 and the SageMaker API/runtime, flow logs.

    Exposes `vpc`, `subnet` (where the notebook runs) and `security_group` (the notebook's).
    """

    def __init__(self, scope: Construct, id_: str, *, log_key: kms.IKey) -> None:
        super().__init__(scope, id_)
        flow_logs = destroyable_log_group(self, "FlowLogs", retention_days=7, encryption_key=log_key)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            # One AZ: the notebook runs in one subnet, and each AZ adds an hourly charge per interface endpoint.
            max_azs=1,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Notebook", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24)
            ],
            # Done by CDK's custom-resource Lambda at deploy time; app.py gives it a log group the stack deletes.
            restrict_default_security_group=True,
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
            gateway_endpoints={"S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3)},
        )
        flow_log_role = self.vpc.node.find_child("All").node.find_child("IAMRole")
        acknowledge_nist(flow_log_role.node.find_child("DefaultPolicy"), "IAMNoInlinePolicy", INLINE_POLICY)
        self.subnet = self.vpc.isolated_subnets[0]
        # Outbound is open, but the isolated subnet routes only to the VPC and the S3 gateway endpoint.
        self.security_group = ec2.SecurityGroup(
            self,
            "NotebookSecurityGroup",
            vpc=self.vpc,
            description="SageMaker notebook: no inbound; the subnet reaches only the VPC endpoints",
            allow_all_outbound=True,
        )
        endpoints_security_group = ec2.SecurityGroup(
            self,
            "EndpointsSecurityGroup",
            vpc=self.vpc,
            description="SageMaker API and runtime endpoints: HTTPS from the notebook only",
            allow_all_outbound=False,
        )
        endpoints_security_group.add_ingress_rule(
            self.security_group, ec2.Port.tcp(443), "HTTPS from the notebook to SageMaker"
        )
        for name, service in (
            ("SageMakerApi", ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_API),
            ("SageMakerRuntime", ec2.InterfaceVpcEndpointAwsService.SAGEMAKER_RUNTIME),
        ):
            self.vpc.add_interface_endpoint(
                name, service=service, security_groups=[endpoints_security_group], open=False, private_dns_enabled=True
            )
