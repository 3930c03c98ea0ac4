"""API services layer: a Lex V2 bot whose Lambda fulfillment sees, speaks and translates."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import aws_cdk as cdk
from constructs import Construct

from stacks import outputs
from stacks.config import Settings, prefixed
from stacks.constructs.bot_fulfillment import BotFulfillment
from stacks.constructs.lex_bot import LexBot
from stacks.constructs.results_table import ResultsTable
from stacks.constructs.sample_images import SampleImages
from stacks.data_stack import DataStack
from stacks.naming import forecast_endpoint_name

FULFILLMENT_CODE_DIR = Path(__file__).resolve().parent.parent / "lambdas" / "lex_fulfillment"


class SentimentEndpointSource(Protocol):
    """What ApiServices needs from the Platform stack: the endpoint's name and ARN, or None for either."""

    endpoint_name: str | None
    endpoint_arn: str | None


class ApiServicesStack(cdk.Stack):
    """Lex V2 bot (live alias), fulfillment Lambda, results table and the bot's sample images.

    `platform` (the Platform stack, or None) supplies the sentiment endpoint when it has one.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        settings: Settings,
        data: DataStack,
        platform: SentimentEndpointSource | None,
        fulfillment_code_dir: Path = FULFILLMENT_CODE_DIR,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id_, description="mlstack ApiServices layer: Lex V2 bot, Lambda, DynamoDB", **kwargs)
        api = settings.api_services
        endpoint_name = getattr(platform, "endpoint_name", None)
        endpoint_arn = getattr(platform, "endpoint_arn", None)

        results = ResultsTable(
            self, "Results", retain=settings.retain_data, existing_table_name=api.existing_results_table_name
        )
        samples = SampleImages(self, "SampleImages", bucket=data.data_bucket, log_retention_days=api.log_retention_days)
        fulfillment = BotFulfillment(
            self,
            "Fulfillment",
            code_dir=fulfillment_code_dir,
            settings=api,
            data_bucket=data.data_bucket,
            results_table=results.table,
            sample_images_prefix=samples.prefix,
            sample_image_names=samples.names,
            endpoint_name=endpoint_name,
            endpoint_arn=endpoint_arn,
            forecast_endpoint_name=forecast_endpoint_name(settings.prefix),
        )
        bot = LexBot(
            self,
            "Bot",
            name=prefixed(settings, "bot", max_length=100),
            fulfillment=fulfillment.function,
            locales=api.locales,
            idle_session_ttl_seconds=api.idle_session_ttl_seconds,
            voice_id=api.polly_voice,
            sample_image_names=samples.names,
            log_retention_days=api.log_retention_days,
        )

        cdk.CfnOutput(self, outputs.BOT_ID, value=bot.bot.attr_id)
        cdk.CfnOutput(self, outputs.BOT_ALIAS_ID, value=bot.alias.attr_bot_alias_id)
        cdk.CfnOutput(self, outputs.BOT_LOCALE_ID, value=bot.locale_ids[0])
        cdk.CfnOutput(self, outputs.FULFILLMENT_FUNCTION, value=fulfillment.function.function_name)
        # With retain_data=true this is the name to pass as api_services.existing_results_table_name after a destroy.
        cdk.CfnOutput(self, outputs.RESULTS_TABLE, value=results.table.table_name)
