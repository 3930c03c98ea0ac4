"""The command that points a Platform endpoint at a trained model: built here only, CDK-free.

`mlstack train` prints (and with `--deploy` runs) it, the Platform stack writes it into the sample notebooks'
settings file for `04_train_and_deploy` (and the forecast notebook) to print, and the README shows it: one spelling
everywhere.
"""

from __future__ import annotations

from stacks.config.training import RecipeName
from stacks.naming import stack_name

# The setting each recipe's command passes: the sentiment endpoint's model, or the forecast endpoint's (which
# creates that endpoint). The model's s3:// URL completes it.
MODEL_DATA_URL_SETTINGS: dict[RecipeName, str] = {
    "sentiment": "platform.model_data_url",
    "forecast": "platform.forecast_model_data_url",
}


def serve_model_command(prefix: str, model_data_url: str = "", recipe: RecipeName = "sentiment") -> list[str]:
    """`mlstack cdk deploy <Prefix>-Platform --prefix <prefix> -c <setting>=<url>`, as argv.

    `<setting>` is the recipe's: `platform.model_data_url` (sentiment) or `platform.forecast_model_data_url`
    (forecast). Names the Platform stack (the CDK CLI refuses a deploy that names no stack in a multi-stack app)
    and the prefix (another deployment's stacks are not this one's). Without `model_data_url` the last argument
    ends in `=`, for a caller that appends the URL once it knows it (the notebooks' settings file).
    """
    if recipe not in MODEL_DATA_URL_SETTINGS:
        raise ValueError(f"recipe={recipe!r}: one of {', '.join(MODEL_DATA_URL_SETTINGS)}")
    return [
        "mlstack",
        "cdk",
        "deploy",
        stack_name(prefix, "platform"),
        "--prefix",
        prefix,
        "-c",
        f"{MODEL_DATA_URL_SETTINGS[recipe]}={model_data_url}",
    ]
