"""The whole of the settings: top-level options, tags, and one section per layer."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from stacks import naming
from stacks.config.api_services import ApiServicesSettings
from stacks.config.data import DataSettings
from stacks.config.datasets import DEFAULT_PUBLIC_DATASETS, PublicDataset
from stacks.config.fields import Email, Section, pattern, split_list
from stacks.config.frameworks import FrameworksSettings
from stacks.config.platform import PlatformSettings
from stacks.config.regions import AwsRegion
from stacks.config.spark import SparkSettings
from stacks.config.training import TrainingSettings
from stacks.naming import LAYERS, Layer

# Every resource, and everything the samples create from the notebook, carries this tag with the prefix
# as its value, so that `make cleanup` and `make status` can find what belongs to one deployment.
PREFIX_TAG_KEY = "mlstack:prefix"


ALL_LAYERS: tuple[Layer, ...] = LAYERS


class Tags(Section):
    """Tags applied to every resource; `project` is also the tag user-created resources get."""

    owner: str = "mlstack-user"  # who to ask about these resources
    project: str = "mlstack"  # groups the app's resources in Cost Explorer
    cost_center: str = "sandbox"  # billing allocation


class Settings(Section):
    """Everything mlstack can be configured with; see README 'Settings' for each default."""

    # Lowercase letters, digits and single hyphens, max 20: prefixes stack names and physical names so
    # several people can deploy into one account. Default "mlstack".
    # No leading digit, no "--", no trailing "-": the strictest of the names it ends up in (Lex bot names,
    # S3 buckets, SageMaker resources) all accept that.
    prefix: Annotated[
        str,
        pattern(
            r"[a-z](-?[a-z0-9])*",
            "1 to 20 lowercase letters, digits and single hyphens, beginning with a letter and not ending with a "
            "hyphen, e.g. team-a",
            max_length=20,
        ),
    ] = "mlstack"
    # Region to deploy to: a region of botocore's partition data. Default: AWS_REGION / AWS_DEFAULT_REGION,
    # then the profile's region, else us-east-1 (resolve_region).
    region: AwsRegion | None = Field(default=None, examples=["eu-west-1"])
    # Any subset of data, platform, frameworks, api_services; every other layer needs data. Default all.
    layers: tuple[Layer, ...] = ALL_LAYERS
    # Keep the data bucket, its logs and the DynamoDB table on `cdk destroy`. Default false.
    retain_data: bool = False
    # A monthly AWS Budget with e-mail alerts, created when budget_email is set. Default 50 USD, no email.
    budget_monthly_usd: float = Field(default=50.0, gt=0)
    budget_email: Email | None = Field(default=None, examples=["ana@example.com"])
    # Where alarms, budget alerts and spending-stop reports go: one SNS topic in the Data stack with this address
    # subscribed (confirm the e-mail AWS sends). Its KMS key costs $1 a month. Default: budget_email; neither
    # set: no topic, no key.
    alerts_email: Email | None = None
    # Hard spending stop: when actual spend passes this percentage of budget_monthly_usd, a Lambda stops the
    # prefix's running compute (GPU instance, notebook, training jobs, instance-backed endpoints). Needs
    # budget_email. Default none (off); e.g. 100.
    budget_stop_percent: float | None = Field(default=None, gt=0, le=1000, examples=[100])
    # account: the budget counts the whole account's cost; prefix: only cost tagged mlstack:prefix=<prefix>
    # (activate that cost allocation tag once per account first). Default account.
    budget_scope: Literal["account", "prefix"] = "account"
    # Extra cdk-nag rule packs run beside AwsSolutions on every synth: nist-800-53-r5. Default none.
    compliance_packs: tuple[Literal["nist-800-53-r5"], ...] = ()
    tags: Tags = Tags()
    public_datasets: tuple[PublicDataset, ...] = DEFAULT_PUBLIC_DATASETS
    data: DataSettings = DataSettings()
    platform: PlatformSettings = PlatformSettings()
    frameworks: FrameworksSettings = FrameworksSettings()
    api_services: ApiServicesSettings = ApiServicesSettings()
    training: TrainingSettings = TrainingSettings()
    spark: SparkSettings = SparkSettings()

    @field_validator("layers", "public_datasets", "compliance_packs", mode="before")
    @classmethod
    def _lists_from_command_line(cls, value: Any) -> Any:
        return split_list(value)

    @field_validator("layers")
    @classmethod
    def _layers_unique(cls, layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
        if not layers:
            raise ValueError(f"enable at least one of {', '.join(ALL_LAYERS)}, e.g. data,platform")
        # Stack order follows the dependency order regardless of how the user listed them.
        return tuple(layer for layer in ALL_LAYERS if layer in layers)

    @field_validator("public_datasets")
    @classmethod
    def _dataset_ids_unique(cls, datasets: tuple[PublicDataset, ...]) -> tuple[PublicDataset, ...]:
        ids = [dataset.id for dataset in datasets]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(
                f"dataset ids must be unique; repeated: {', '.join(duplicates)}, e.g. rename one to {duplicates[0]}_2"
            )
        return datasets

    @model_validator(mode="after")
    def _data_layer_required(self) -> Settings:
        if "data" not in self.layers:
            raise ValueError(
                f"layers={','.join(self.layers)}: every layer needs the data layer; add data to layers, "
                f"e.g. data,{','.join(self.layers)}"
            )
        return self

    @model_validator(mode="after")
    def _budget_options_need_the_budget(self) -> Settings:
        for name, value, default in (
            ("budget_stop_percent", self.budget_stop_percent, None),
            ("budget_scope", self.budget_scope, "account"),
        ):
            if value != default and not self.budget_email:
                shown = f"{value:g}" if isinstance(value, float) else value
                raise ValueError(
                    f"{name}={shown}: acts on the monthly budget, which exists only with budget_email; "
                    "set budget_email too (e.g. -c budget_email=me@example.com)"
                )
        return self

    @property
    def alerts_recipient(self) -> str | None:
        """The address the alerts topic mails: alerts_email, else budget_email; None means no topic."""
        return self.alerts_email or self.budget_email

    @property
    def stack_prefix(self) -> str:
        """`mlstack` -> `Mlstack`; `team-a` -> `Team-A`: the start of every stack name."""
        return naming.stack_prefix(self.prefix)

    def stack_name(self, layer: Layer) -> str:
        """This prefix's stack of one layer: `Mlstack-ApiServices`."""
        return naming.stack_name(self.prefix, layer)

    def has(self, layer: Layer) -> bool:
        return layer in self.layers


def prefixed(settings: Settings, name: str, max_length: int = 63) -> str:
    """A physical name unique to this prefix, e.g. `mlstack-notebook`, cut to the service's limit."""
    name = re.sub(r"[^a-z0-9-]", "-", f"{settings.prefix}-{name}".lower())
    return name[:max_length].rstrip("-")
