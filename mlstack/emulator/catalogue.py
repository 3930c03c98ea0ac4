"""Public catalogue: what AWS publishes to every account and moto lacks (DLAMI SSM parameters, public layers).

The DLAMI parameter names come from whoever starts the emulator (`seed_dlami_parameters`, or
`python -m mlstack.emulator --dlami-parameter NAME`): the emulator does not know the app's settings.
"""

from __future__ import annotations

import base64
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

# Deep Learning AMI public parameters a template may resolve (`AWS::SSM::Parameter::Value<...>`).
# moto has none of them and refuses `put_parameter` under /aws/, so they are seeded into its parameter store,
# all pointing at a Deep Learning AMI that moto's EC2 image catalogue (ec2/resources/amis.json.gz) ships.
EMULATED_DLAMI_ID = "ami-dca37ea5"  # "Deep Learning AMI Ubuntu Linux - 2.4_Oct2017" in moto's catalogue
# The parameter names seeded, read when moto first loads /aws/service/deeplearning (so seed before serving).
DLAMI_PARAMETERS: set[str] = set()


def seed_dlami_parameters(names: Iterable[str]) -> None:
    """Serve each of `names` (public DLAMI parameter paths) with EMULATED_DLAMI_ID as its value."""
    DLAMI_PARAMETERS.update(names)


# Publishers of public Lambda layers a function may reference (Powertools for AWS Lambda). moto looks layers
# up by name in the caller's account only, so a function using one fails to create without this.
PUBLIC_LAYER_ACCOUNTS = frozenset({"017000801446"})


def install_dlami_parameters() -> None:
    from moto.core.utils import utcnow
    from moto.ssm.models import Parameter, ParameterDict

    original = ParameterDict._check_loading_status

    # moto 5.2.5 loads its built-in public parameters lazily, per prefix, in _check_loading_status.
    def _check_loading_status(self: Any, key: str) -> None:
        original(self, key)
        if str(key or "").startswith("/aws/service/deeplearning") and not getattr(self, "dlami_loaded", False):
            self.dlami_loaded = True
            for name in sorted(DLAMI_PARAMETERS):
                # defaultdict's own __getitem__: ParameterDict's would re-enter this loader.
                defaultdict.__getitem__(self, name).append(
                    # cast: moto types its models abstract (CloudFormationModel) though they are concrete.
                    cast(Any, Parameter)(
                        account_id=self.account_id,
                        name=name,
                        value=EMULATED_DLAMI_ID,
                        parameter_type="String",
                        description=None,
                        allowed_pattern=None,
                        keyid=None,
                        last_modified_date=utcnow(),
                        version=1,
                        data_type="aws:ec2:image",
                    )
                )

    ParameterDict._check_loading_status = _check_loading_status  # type: ignore[method-assign]


def install_public_layers() -> None:
    from moto.awslambda.models import LayerStorage, LayerVersion
    from moto.awslambda.utils import split_layer_arn

    original = LayerStorage.get_layer_version_by_arn
    empty_zip = io.BytesIO()
    zipfile.ZipFile(empty_zip, "w").close()
    content = base64.b64encode(empty_zip.getvalue()).decode()

    def get_layer_version_by_arn(self: Any, layer_version_arn: str) -> Any:
        found = original(self, layer_version_arn)
        parts = layer_version_arn.split(":")
        if found is None and len(parts) == 8 and parts[4] in PUBLIC_LAYER_ACCOUNTS:
            arn = split_layer_arn(layer_version_arn)
            found = cast(Any, LayerVersion)(
                {"LayerName": arn.layer_name, "Content": {"ZipFile": content}}, parts[4], parts[3]
            )
            found.version = int(arn.version)
        return found

    LayerStorage.get_layer_version_by_arn = get_layer_version_by_arn  # type: ignore[method-assign]
