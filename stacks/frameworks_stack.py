"""Frameworks layer: a Deep Learning AMI GPU workstation for deep-learning work, reached through SSM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from constructs import Construct

from stacks import outputs
from stacks.config import Settings, yelp_dataset
from stacks.constructs.gpu_workstation import BUSY_METRIC, METRICS_NAMESPACE, GpuWorkstation, train_command_script
from stacks.constructs.idle_stop import IdleStop
from stacks.constructs.network import WORKSTATION, Network

if TYPE_CHECKING:
    from stacks.data_stack import DataStack


class FrameworksStack(cdk.Stack):
    """VPC, DLAMI GPU instance with JupyterLab on localhost, idle-stop alarm. Exports nothing.

    Outputs the instance id and the exact `aws ssm start-session` commands for a shell and for JupyterLab.
    """

    def __init__(self, scope: Construct, id_: str, *, settings: Settings, data: DataStack, **kwargs: Any) -> None:
        self._zone = settings.frameworks.availability_zone
        super().__init__(scope, id_, description="mlstack Frameworks layer: DLAMI GPU instance over SSM", **kwargs)
        frameworks = settings.frameworks

        network = Network(self, "Network", profile=WORKSTATION[frameworks.network])
        # mlstack-train reads the Yelp archive where the settings' public dataset entry says (readable through the
        # datasets policy); MLSTACK_TRAIN_DATA points it at another corpus.
        corpus = yelp_dataset(settings.public_datasets)
        workstation = GpuWorkstation(
            self,
            "Workstation",
            settings=frameworks,
            network=network,
            data_bucket_name=data.data_bucket.bucket_name,
            train_command=train_command_script(
                prefix=settings.prefix,
                data_bucket_name=data.data_bucket.bucket_name,
                code_prefix=data.training_code_prefix,
                training=settings.training,
                corpus=corpus,
                region=self.region,
            ),
        )
        workstation.role.add_managed_policy(data.datasets.read_policy)
        workstation.grant_data_bucket(data.data_bucket)
        IdleStop(
            self,
            "IdleStop",
            instance=workstation.instance,
            namespace=METRICS_NAMESPACE,
            metric_name=BUSY_METRIC,
            threshold_percent=frameworks.idle_cpu_percent,
            idle_minutes=frameworks.idle_stop_minutes,
            alarm_topic=data.alerts_topic,
        )

        instance_id = workstation.instance.instance_id
        target = f"--target {instance_id} --region {self.region}"
        port = frameworks.jupyter_port
        cdk.CfnOutput(self, outputs.WORKSTATION_INSTANCE_ID, value=instance_id)
        cdk.CfnOutput(
            self,
            outputs.WORKSTATION_SHELL_COMMAND,
            value=f"aws ssm start-session {target}",
            description="Shell on the instance (needs the Session Manager plugin for the AWS CLI)",
        )
        cdk.CfnOutput(
            self,
            outputs.WORKSTATION_JUPYTER_COMMAND,
            value=f"aws ssm start-session {target} --document-name AWS-StartPortForwardingSession "
            f"""--parameters '{{"portNumber":["{port}"],"localPortNumber":["{port}"]}}'""",
            description=f"Forward JupyterLab to this machine, then open http://localhost:{port}/lab",
        )
        cdk.CfnOutput(
            self,
            outputs.WORKSTATION_AMI_PARAMETER,
            value=workstation.machine_image_parameter or f"pinned: {frameworks.ami_id}",
            description="Where the AMI comes from; pin it with -c frameworks.ami_id=<id> to stop replacements",
        )

    @property
    def availability_zones(self) -> list[str]:
        # CDK looks zones up through the CLI when the account is known; a Fn::GetAZs token (or the configured
        # zone) keeps synth free of look-ups and the template identical with or without credentials.
        return [self._zone] if self._zone else [cdk.Fn.select(0, cdk.Fn.get_azs())]
