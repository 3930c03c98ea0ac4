"""Public catalogue: DLAMI parameters served as seeded, public Lambda layers resolved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from mlstack.emulator import catalogue
from mlstack.local import emulator_process
from stacks.config import FrameworksSettings
from tests.mlstack.emulator.templates import (
    LAMBDA_ROLE,
    delete,
    deploy,
    lambda_function,
    outputs_of,
    template,
)


def test_every_dlami_parameter_resolves_to_an_image_moto_knows(aws: Callable[[str], Any]) -> None:
    names = emulator_process.dlami_parameter_names()
    assert FrameworksSettings().ami_parameter in names  # the default the app deploys
    assert "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id" in names
    ssm = aws("ssm")
    values = {ssm.get_parameter(Name=name)["Parameter"]["Value"] for name in names}
    assert values == {catalogue.EMULATED_DLAMI_ID}
    images = aws("ec2").describe_images(ImageIds=[catalogue.EMULATED_DLAMI_ID])["Images"]
    assert images and "Deep Learning" in images[0]["Name"]


def test_instance_from_a_dlami_parameter_type_gets_the_seeded_image(aws: Callable[[str], Any]) -> None:
    path = FrameworksSettings().ami_parameter
    stack = deploy(
        aws,
        template(
            {
                "Box": {
                    "Type": "AWS::EC2::Instance",
                    "Properties": {"ImageId": {"Ref": "Ami"}, "InstanceType": "g4dn.xlarge"},
                }
            },
            {"InstanceId": {"Ref": "Box"}},
            Parameters={"Ami": {"Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>", "Default": path}},
        ),
    )
    instance_id = outputs_of(stack)["InstanceId"]
    described = aws("ec2").describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert described["ImageId"] == catalogue.EMULATED_DLAMI_ID
    delete(aws, stack)


def test_unknown_public_parameter_is_still_an_error(aws: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError, match="ParameterNotFound"):
        aws("ssm").get_parameter(Name="/aws/service/deeplearning/ami/x86_64/no-such-dlami/latest/ami-id")


def test_function_with_a_public_powertools_layer_deploys(aws: Callable[[str], Any]) -> None:
    layer = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:18"
    stack = deploy(
        aws,
        template(
            {
                "Role": LAMBDA_ROLE,
                "Fn": lambda_function(
                    Layers=[layer], Architectures=["arm64"], Environment={"Variables": {"TABLE": "t"}}
                ),
            },
            {"Fn": {"Ref": "Fn"}},
        ),
    )
    config = aws("lambda").get_function_configuration(FunctionName=outputs_of(stack)["Fn"])
    assert [entry["Arn"] for entry in config["Layers"]] == [layer]
    assert config["Architectures"] == ["arm64"]
    delete(aws, stack)


def test_private_layer_of_another_account_is_still_unknown(aws: Callable[[str], Any]) -> None:
    with pytest.raises(ClientError):
        deploy(
            aws,
            template(
                {
                    "Role": LAMBDA_ROLE,
                    "Fn": lambda_function(Layers=["arn:aws:lambda:us-east-1:999999999999:layer:private:1"]),
                }
            ),
        )


# ---- failure reporting
