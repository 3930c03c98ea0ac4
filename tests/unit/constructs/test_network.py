"""Network: one VPC construct, each profile's choices synthesized as stated (no NAT unless asked, no ingress)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from stacks.constructs.network import NOTEBOOK, WORKSTATION, Network, NetworkProfile

PROFILES = [NOTEBOOK, *WORKSTATION.values()]


def _template(profile: NetworkProfile) -> tuple[Network, Template]:
    stack = cdk.Stack(cdk.App(), "Test", env=cdk.Environment(region="us-east-1"))
    network = Network(stack, "Network", profile=profile)
    return network, Template.from_stack(stack)


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_each_profile_builds_what_it_states(profile: NetworkProfile) -> None:
    network, template = _template(profile)
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": profile.cidr})
    template.resource_count_is("AWS::EC2::Subnet", len(profile.subnets))  # one zone
    template.resource_count_is("AWS::EC2::NatGateway", profile.nat_gateways)
    template.resource_count_is("AWS::EC2::VPCEndpoint", len(profile.interface_endpoints) + profile.s3_gateway_endpoint)
    template.has_resource_properties("AWS::EC2::FlowLog", {"TrafficType": profile.flow_log_traffic.value})
    template.resource_count_is("Custom::VpcRestrictDefaultSG", 1)
    public = {subnet.node.path for subnet in network.vpc.public_subnets}
    assert network.assigns_public_ip == (network.subnet.node.path in public)


def test_only_the_nat_profile_pays_for_a_nat_gateway() -> None:
    assert [p.name for p in PROFILES if p.nat_gateways] == ["workstation-private-nat"]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_nothing_reaches_the_workload_and_only_the_workload_reaches_the_endpoints(profile: NetworkProfile) -> None:
    network, template = _template(profile)
    stack = cdk.Stack.of(network)
    workload_id = stack.resolve(network.security_group.security_group_id)["Fn::GetAtt"][0]
    groups = template.find_resources("AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in groups[workload_id]["Properties"]
    ingress = list(template.find_resources("AWS::EC2::SecurityGroupIngress").values())
    assert len(ingress) == (1 if profile.interface_endpoints else 0)
    for rule in ingress:
        assert rule["Properties"]["SourceSecurityGroupId"] == {"Fn::GetAtt": [workload_id, "GroupId"]}
        assert (rule["Properties"]["FromPort"], rule["Properties"]["ToPort"]) == (443, 443)
