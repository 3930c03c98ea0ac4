"""The command that points the Platform endpoint at a trained model: built here only, CDK-free.

`mlstack train` prints (and with `--deploy` runs) it, the Platform stack writes it into the sample notebooks'
settings file for `04_train_and_deploy` to print, and the README shows it: one spelling everywhere.
"""

from __future__ import annotations

from stacks.naming import stack_name

# The setting the command passes; the model's s3:// URL completes it.
MODEL_DATA_URL_SETTING = "platform.model_data_url"
# The forecast recipe's model goes behind its own endpoint (`<prefix>-forecast`), set by its own setting.
FORECAST_MODEL_DATA_URL_SETTING = "platform.forecast_model_data_url"


def serve_model_command(prefix: str, model_data_url: str = "", recipe: str = "sentiment") -> list[str]:
    """`mlstack cdk deploy <Prefix>-Platform --prefix <prefix> -c platform.model_data_url=<url>`, as argv.

    Names the Platform stack (the CDK CLI refuses a deploy that names no stack in a multi-stack app) and the
    prefix (another deployment's stacks are not this one's). Without `model_data_url` the last argument ends
    in `=`, for a caller that appends the URL once it knows it (the notebooks' settings file). `recipe`
    "forecast" sets `platform.forecast_model_data_url` (the forecast endpoint's model) instead.
    """
    setting = FORECAST_MODEL_DATA_URL_SETTING if recipe == "forecast" else MODEL_DATA_URL_SETTING
    return [
        "mlstack",
        "cdk",
        "deploy",
        stack_name(prefix, "platform"),
        "--prefix",
        prefix,
        "-c",
        f"{setting}={model_data_url}",
    ]
