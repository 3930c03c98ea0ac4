"""A Deep Learning AMI GPU instance reached only through SSM, running JupyterLab on localhost."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import custom_resources as cr
from constructs import Construct

from stacks.config import MODELS_PREFIX, YELP_ARCHIVE_NAME, FrameworksSettings, PublicDataset, TrainingSettings
from stacks.constructs.log_groups import HANDLER_LOG_RETENTION_DAYS, destroyable_log_group
from stacks.constructs.nag import (
    INLINE_POLICY,
    acknowledge_aws_solutions,
    acknowledge_deploy_time_handler,
    acknowledge_nist,
    nag_resource,
)
from stacks.constructs.network import Network
from stacks.serve_command import serve_model_command

USER_DATA_DIR = Path(__file__).resolve().parent / "user_data"
CLOUDWATCH_AGENT_CONFIG = json.loads((USER_DATA_DIR / "cloudwatch-agent.json").read_text())
# Namespace the CloudWatch agent publishes the idle signal to; the alarm and the IAM condition read it from here.
METRICS_NAMESPACE: str = CLOUDWATCH_AGENT_CONFIG["metrics"]["namespace"]
# The metric the agent config renames CPU utilization (and every GPU's utilization) to; see IdleStop.
BUSY_METRIC: str = next(
    m["rename"] for m in CLOUDWATCH_AGENT_CONFIG["metrics"]["metrics_collected"]["cpu"]["measurement"]
)

# Login user and root device of each DLAMI operating system.
OS_USER = {"ubuntu-22.04": "ubuntu", "ubuntu-24.04": "ubuntu", "amazon-linux-2023": "ec2-user"}
ROOT_DEVICE = {"ubuntu-22.04": "/dev/sda1", "ubuntu-24.04": "/dev/sda1", "amazon-linux-2023": "/dev/xvda"}


def _nag_text(stack: cdk.Stack, value: str) -> str:
    """`value` as cdk-nag prints it: unresolved pseudo parameters appear as <AWS::AccountId> and the like."""
    for token, name in ((stack.account, "AccountId"), (stack.region, "Region"), (stack.partition, "Partition")):
        if cdk.Token.is_unresolved(token):
            value = value.replace(token, f"<AWS::{name}>")
    return value


# Installed on the instance: runs training/sentiment/train.py on every GPU and saves the model to the data bucket.
TRAIN_COMMAND = "/usr/local/bin/mlstack-train"


def train_command_script(
    *,
    prefix: str,
    data_bucket_name: str,
    code_prefix: str,
    training: TrainingSettings,
    corpus: PublicDataset,
    region: str,
) -> str:
    """mlstack-train with the deployment's values filled in (the data bucket may be a token)."""
    values = {
        # The command `mlstack train` prints, the model's URL appended by the script.
        "SERVE_COMMAND": " ".join(serve_model_command(prefix)),
        "REGION": region,
        "DATA_BUCKET": data_bucket_name,
        "CODE_PREFIX": code_prefix,
        "MODELS_PREFIX": MODELS_PREFIX,
        "DATA_URL": corpus.uri(YELP_ARCHIVE_NAME),
        "DATA_REGION": corpus.region,
        "BASE_MODEL": training.base_model,
        "EPOCHS": str(training.epochs),
        "MAX_ROWS": str(training.max_rows),
    }
    script = (USER_DATA_DIR / "mlstack-train.sh").read_text()
    for key, value in values.items():
        script = script.replace(f"@@{key}@@", value)
    return script


def _heredoc(path: str, content: str) -> list[str]:
    # Quoted delimiter: bash writes the file verbatim (no $ expansion).
    return [f"cat > {path} <<'MLSTACK_EOF'", content.rstrip("\n"), "MLSTACK_EOF"]


class GpuWorkstation(Construct):
    """EC2 instance from the public DLAMI (or a pinned AMI) with IMDSv2, encrypted gp3 root, SSM-only access.

    User data installs the CloudWatch agent (CPU and GPU utilization) and starts JupyterLab bound to 127.0.0.1.
    Exposes `instance`, `role`, `launch_template` (spot options, or None) and `machine_image_parameter`
    (the SSM parameter name, or None when the AMI is pinned).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: FrameworksSettings,
        network: Network,
        data_bucket_name: str,
        train_command: str,
    ) -> None:
        super().__init__(scope, id_)
        region = cdk.Stack.of(self).region

        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="mlstack GPU workstation: SSM access, idle-signal metrics, data bucket and public datasets",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore")],
        )
        acknowledge_aws_solutions(
            self.role,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]",
            "AWS's own policy for the SSM agent (Session Manager is the only way onto this instance); "
            "AWS updates it as the agent's API needs change.",
        )
        # The agent's only call: metrics into our namespace. PutMetricData has no resource-level permissions, so
        # the namespace condition is the scope.
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="PublishIdleSignal",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}},
            )
        )
        acknowledge_aws_solutions(
            self.role,
            "IAM5[Resource::*]",
            "cloudwatch:PutMetricData supports no resource ARNs; the statement is limited to the "
            f"{METRICS_NAMESPACE} namespace by the cloudwatch:namespace condition.",
        )

        if settings.ami_id:
            # Pinned: the template carries the literal id, so a new DLAMI release never replaces the instance.
            machine_image = ec2.MachineImage.generic_linux({region: settings.ami_id})
            self.machine_image_parameter: str | None = None
        else:
            # Resolved by CloudFormation at deploy time (no synth look-up); a new release replaces the instance.
            machine_image = ec2.MachineImage.from_ssm_parameter(
                settings.ami_parameter, os=ec2.OperatingSystemType.LINUX
            )
            self.machine_image_parameter = settings.ami_parameter

        self.instance = ec2.Instance(
            self,
            "Instance",
            instance_type=ec2.InstanceType(settings.instance_type),
            machine_image=machine_image,
            vpc=network.vpc,
            vpc_subnets=network.workload_subnets,
            security_group=network.security_group,
            associate_public_ip_address=True if network.assigns_public_ip else None,
            role=self.role,
            user_data=self._user_data(settings, data_bucket_name, train_command),
            block_devices=[
                ec2.BlockDevice(
                    device_name=ROOT_DEVICE[settings.os],
                    volume=ec2.BlockDeviceVolume.ebs(
                        settings.root_volume_gb,
                        encrypted=True,
                        volume_type=ec2.EbsDeviceVolumeType.GP3,
                        delete_on_termination=True,
                    ),
                )
            ],
            detailed_monitoring=True,
            key_pair=ec2.KeyPair.from_key_pair_name(self, "KeyPair", settings.key_pair_name)
            if settings.key_pair_name
            else None,
            # Session permissions come from AmazonSSMManagedInstanceCore above.
            ssm_session_permissions=False,
        )
        cfn_instance: ec2.CfnInstance = self.instance.node.default_child  # type: ignore[assignment]
        # IMDSv2 on the instance itself; hop limit 2 so the DLAMI's Docker containers can still reach it.
        cfn_instance.metadata_options = ec2.CfnInstance.MetadataOptionsProperty(
            http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=2
        )
        acknowledge_aws_solutions(
            self.instance,
            "EC29",
            "A sandbox instance must go away with `cdk destroy`; termination protection would block "
            "the teardown. The root volume holds no data the data bucket does not.",
        )
        acknowledge_nist(self.role.node.find_child("DefaultPolicy"), "IAMNoInlinePolicy", INLINE_POLICY)
        if network.assigns_public_ip:
            acknowledge_nist(
                self.instance,
                "EC2InstanceNoPublicIp",
                "network=public by design: the public IP lets the SSM agent reach Systems Manager without a NAT "
                "gateway billed by the hour; the security group admits no inbound traffic at all.",
            )
            acknowledge_nist(
                self.instance,
                "EC2InstancesInVPC",
                "The instance is in the stack's own VPC: its subnet is given on its network interface (which a "
                "public IP requires), not as the SubnetId property this rule reads.",
            )
            cfn_instance.add_metadata(
                "checkov",
                {
                    "skip": [
                        {
                            "id": "CKV_AWS_88",
                            "comment": "Public IP so the SSM agent reaches Systems Manager without a NAT gateway; "
                            "the security group has no inbound rules.",
                        }
                    ]
                },
            )

        self.launch_template: ec2.LaunchTemplate | None = None
        if settings.spot:
            # AWS::EC2::Instance has no market options of its own: they come from a launch template. Persistent +
            # stop keeps the instance id and volume across interruptions, and restarts it when capacity returns.
            self.launch_template = ec2.LaunchTemplate(
                self,
                "SpotOptions",
                spot_options=ec2.LaunchTemplateSpotOptions(
                    request_type=ec2.SpotRequestType.PERSISTENT,
                    interruption_behavior=ec2.SpotInstanceInterruption.STOP,
                ),
                require_imdsv2=True,
            )
            cfn_instance.launch_template = ec2.CfnInstance.LaunchTemplateSpecificationProperty(
                launch_template_id=self.launch_template.launch_template_id,
                version=self.launch_template.latest_version_number,
            )
            self._cancel_spot_request_on_delete()

    def _cancel_spot_request_on_delete(self) -> None:
        # Terminating an instance of a persistent spot request reopens the request, and EC2 would launch a new
        # instance after `cdk destroy`. This resource records the request id and cancels the request on delete;
        # it depends on the instance, so CloudFormation deletes it (cancels) before terminating the instance.
        log_group = destroyable_log_group(self, "SpotRequestCleanupLogs", retention_days=HANDLER_LOG_RETENTION_DAYS)
        request_id_path = "Reservations.0.Instances.0.SpotInstanceRequestId"
        find_request = cr.AwsSdkCall(
            service="EC2",
            action="describeInstances",
            parameters={"InstanceIds": [self.instance.instance_id]},
            physical_resource_id=cr.PhysicalResourceId.from_response(request_id_path),
            output_paths=[request_id_path],
        )
        stack = cdk.Stack.of(self)
        request_arns = f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:spot-instances-request/*"
        self.spot_request_cleanup = cr.AwsCustomResource(
            self,
            "SpotRequestCleanup",
            on_create=find_request,
            on_update=find_request,
            on_delete=cr.AwsSdkCall(
                service="EC2",
                action="cancelSpotInstanceRequests",
                parameters={"SpotInstanceRequestIds": [cr.PhysicalResourceIdReference()]},
                ignore_error_codes_matching="InvalidSpotInstanceRequestID.*",
            ),
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    # DescribeInstances has no resource-level permissions.
                    iam.PolicyStatement(actions=["ec2:DescribeInstances"], resources=["*"]),
                    iam.PolicyStatement(
                        actions=["ec2:CancelSpotInstanceRequests"],
                        resources=[
                            f"arn:{stack.partition}:ec2:{stack.region}:{stack.account}:spot-instances-request/*"
                        ],
                    ),
                ]
            ),
            log_group=log_group,
            install_latest_aws_sdk=False,
        )
        policy = self.spot_request_cleanup.node.find_child("CustomResourcePolicy")
        acknowledge_nist(policy, "IAMNoInlinePolicy", INLINE_POLICY)
        acknowledge_aws_solutions(
            policy, "IAM5[Resource::*]", "ec2:DescribeInstances supports no resource-level permissions."
        )
        acknowledge_aws_solutions(
            policy,
            f"IAM5[Resource::{_nag_text(stack, request_arns)}]",
            "The spot request id exists only after launch; the statement is limited to spot requests "
            "of this account and region, and the call only cancels.",
        )
        # AwsCustomResource's function is a stack-wide singleton created by CDK under this fixed id.
        singleton = stack.node.find_child("AWS679f53fac002430cb0da5b7982bd2287")
        acknowledge_deploy_time_handler(singleton)
        singleton_role = singleton.node.find_child("ServiceRole")
        acknowledge_aws_solutions(
            singleton_role,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "CDK's AwsCustomResource function role; the AWS policy grants only writing its own logs.",
        )

    def grant_data_bucket(self, bucket: s3.IBucket) -> iam.Policy:
        """Read, write and delete objects in the project's data bucket, without grant_read_write's s3:*Object*."""
        policy = iam.Policy(
            self,
            "DataBucketAccess",
            statements=[
                iam.PolicyStatement(sid="ListDataBucket", actions=["s3:ListBucket"], resources=[bucket.bucket_arn]),
                iam.PolicyStatement(
                    sid="ReadWriteDataObjects",
                    actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
                    resources=[bucket.arn_for_objects("*")],
                ),
            ],
        )
        policy.attach_to_role(self.role)
        acknowledge_nist(policy, "IAMNoInlinePolicy", INLINE_POLICY)
        bucket_arn = nag_resource(cdk.Stack.of(self), bucket.bucket_arn, cdk.Stack.of(bucket))
        acknowledge_aws_solutions(
            policy,
            f"IAM5[Resource::{bucket_arn}/*]",
            "Objects of the project's own data bucket: notebooks read and write arbitrary keys in it; "
            "the actions are listed one by one and the bucket is the only resource.",
        )
        return policy

    @staticmethod
    def _user_data(settings: FrameworksSettings, data_bucket_name: str, train_command: str) -> ec2.UserData:
        user_data = ec2.UserData.for_linux()
        header = [
            f"export MLSTACK_REGION={cdk.Aws.REGION}",
            f"export MLSTACK_OS_USER={OS_USER[settings.os]}",
            f"export MLSTACK_FRAMEWORK={settings.framework}",
            f"export MLSTACK_JUPYTER_PORT={settings.jupyter_port}",
            f"export MLSTACK_DATA_BUCKET={data_bucket_name}",
            "mkdir -p /opt/mlstack",
            *_heredoc("/opt/mlstack/cloudwatch-agent.json", (USER_DATA_DIR / "cloudwatch-agent.json").read_text()),
            *_heredoc("/opt/mlstack/jupyterlab.service", (USER_DATA_DIR / "jupyterlab.service").read_text()),
            *_heredoc(TRAIN_COMMAND, train_command),
            f"chmod 755 {TRAIN_COMMAND}",
        ]
        scripts = ["setup.sh", *(["tensorflow.sh"] if settings.framework == "tensorflow" else [])]
        user_data.add_commands(*header, *((USER_DATA_DIR / script).read_text() for script in scripts))
        return user_data
