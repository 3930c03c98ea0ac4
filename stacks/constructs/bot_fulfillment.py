"""The Lex fulfillment Lambda and exactly the permissions its intents need."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from stacks.config import ApiServicesSettings
from stacks.constructs.data_lake import GENERATED_MEDIA_PREFIX
from stacks.constructs.nag import (
    INLINE_POLICY,
    acknowledge_aws_solutions,
    acknowledge_nist,
    acknowledge_wildcards,
    nag_resource,
)
from stacks.constructs.python_function import PythonFunction
from stacks.naming import FORECAST_ELEMENT, latest_history_prefix

SERVICE_NAME = "lex-fulfillment"
FUNCTION_TIMEOUT_SECONDS = 25
METRICS_NAMESPACE = "mlstack"
# Where users upload their own images for DescribeImage/ReadText.
USER_IMAGES_PREFIX = "images/"
# Speech MP3s; under generated/, which the data bucket expires after data.generated_media_expiry_days.
SPEECH_PREFIX = f"{GENERATED_MEDIA_PREFIX}speech/"
# The Spark job's history documents of the forecast intent (history/<station>.json of the latest TMAX run,
# copied there by `mlstack spark` once the run completes).
FORECAST_HISTORY_PREFIX = latest_history_prefix(FORECAST_ELEMENT)


class BotFulfillment(Construct):
    """Fulfillment function for every intent, with a least-privilege role.

    S3 only on the prefixes it reads and writes, PutItem on the results table, InvokeEndpoint on the one
    SageMaker endpoint when there is one. Exposes `function` and `role`.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        code_dir: Path,
        settings: ApiServicesSettings,
        data_bucket: s3.IBucket,
        results_table: dynamodb.ITable,
        sample_images_prefix: str,
        sample_image_names: Sequence[str],
        endpoint_name: str | None,
        endpoint_arn: str | None,
        forecast_endpoint_name: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        if bool(endpoint_name) != bool(endpoint_arn):
            raise ValueError(f"{id_}: the sentiment endpoint needs both its name and its ARN")
        lambda_ = PythonFunction(
            self,
            "Handler",
            code_dir=code_dir,
            description="Lex V2 fulfillment: Rekognition, Polly, Translate and the SageMaker endpoint",
            service_name=SERVICE_NAME,
            metrics_namespace=METRICS_NAMESPACE,
            log_retention_days=settings.log_retention_days,
            # Lex waits at most 30 s for a code hook. The function's AWS calls are bounded to 22 s a turn in the
            # worst case (lambdas/lex_fulfillment/clients.py), so it always answers before this timeout.
            timeout_seconds=FUNCTION_TIMEOUT_SECONDS,
            environment={
                "DATA_BUCKET": data_bucket.bucket_name,
                "RESULTS_TABLE": results_table.table_name,
                "SAMPLE_IMAGES_PREFIX": sample_images_prefix,
                "SAMPLE_IMAGES": ",".join(sample_image_names),
                "USER_IMAGES_PREFIX": USER_IMAGES_PREFIX,
                "SPEECH_PREFIX": SPEECH_PREFIX,
                "POLLY_VOICE": settings.polly_voice,
                "SENTIMENT_ENDPOINT": endpoint_name or "",
                "FORECAST_ENDPOINT": forecast_endpoint_name or "",
                "FORECAST_HISTORY_PREFIX": FORECAST_HISTORY_PREFIX,
                "FORECAST_STATIONS": ",".join(
                    f"{city}={station}" for city, station in settings.forecast_cities.items()
                ),
                "FORECAST_MAX_DATA_AGE_DAYS": str(settings.forecast_max_data_age_days),
                "RESULT_TTL_DAYS": str(settings.result_ttl_days),
                "PRESIGNED_URL_SECONDS": str(settings.presigned_url_seconds),
            },
        )
        self.function = lambda_.function
        self.role = lambda_.role
        acknowledge_nist(
            self.function,
            "LambdaDLQ",
            "Lex invokes the function synchronously and gets every failure as a reply; dead-letter queues only "
            "catch failed asynchronous invocations.",
        )

        def objects(prefix: str) -> str:
            return data_bucket.arn_for_objects(f"{prefix}*")

        data_access = iam.Policy(
            self,
            "DataAccess",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="ReadImages",
                    actions=["s3:GetObject"],
                    resources=[objects(sample_images_prefix), objects(USER_IMAGES_PREFIX)],
                ),
                iam.PolicyStatement(
                    sid="ReadForecastHistory", actions=["s3:GetObject"], resources=[objects(FORECAST_HISTORY_PREFIX)]
                ),
                # GetObject as well: the presigned URL in the reply is signed with this role's credentials.
                iam.PolicyStatement(
                    sid="WriteAndShareSpeech",
                    actions=["s3:PutObject", "s3:GetObject"],
                    resources=[objects(SPEECH_PREFIX)],
                ),
                iam.PolicyStatement(
                    sid="RecordResults", actions=["dynamodb:PutItem"], resources=[results_table.table_arn]
                ),
                *(
                    [
                        iam.PolicyStatement(
                            sid="InvokeSentimentEndpoint",
                            actions=["sagemaker:InvokeEndpoint"],
                            resources=[endpoint_arn],
                        )
                    ]
                    if endpoint_arn
                    else []
                ),
                *(
                    [
                        iam.PolicyStatement(
                            sid="InvokeForecastEndpoint",
                            actions=["sagemaker:InvokeEndpoint"],
                            # SageMaker endpoint ARNs carry the name in lower case.
                            resources=[
                                cdk.Stack.of(self).format_arn(
                                    service="sagemaker",
                                    resource="endpoint",
                                    resource_name=forecast_endpoint_name.lower(),
                                )
                            ],
                        )
                    ]
                    if forecast_endpoint_name
                    else []
                ),
            ],
        )
        acknowledge_nist(data_access, "IAMNoInlinePolicy", INLINE_POLICY)
        bucket_arn = nag_resource(cdk.Stack.of(self), data_bucket.bucket_arn, data_bucket.stack)
        acknowledge_wildcards(
            data_access,
            {
                f"Resource::{bucket_arn}/{prefix}*": f"Object keys under {prefix} are chosen at run time (user "
                "uploads, generated speech, samples); the grant is limited to that one prefix of the data bucket."
                for prefix in (sample_images_prefix, USER_IMAGES_PREFIX, SPEECH_PREFIX, FORECAST_HISTORY_PREFIX)
            },
        )

        # Rekognition DetectLabels/DetectText and Translate TranslateText have no resource types; Polly's
        # SynthesizeSpeech only has lexicons, which this function does not use. So `*` is the only choice.
        # Translate with SourceLanguageCode="auto" calls Comprehend DetectDominantLanguage as the caller,
        # which has no resource types either.
        ai_services = iam.Policy(
            self,
            "AiServices",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    sid="SeeSpeakTranslate",
                    actions=[
                        "comprehend:DetectDominantLanguage",
                        "rekognition:DetectLabels",
                        "rekognition:DetectText",
                        "polly:SynthesizeSpeech",
                        "translate:TranslateText",
                    ],
                    resources=["*"],
                )
            ],
        )
        acknowledge_nist(ai_services, "IAMNoInlinePolicy", INLINE_POLICY)
        acknowledge_aws_solutions(
            ai_services,
            "IAM5[Resource::*]",
            "rekognition:DetectLabels/DetectText, translate:TranslateText and "
            "comprehend:DetectDominantLanguage have no resource-level permissions; "
            "polly:SynthesizeSpeech scopes only lexicons, which are not used.",
        )
