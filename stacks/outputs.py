"""CfnOutput keys. Scripts and tests read stack outputs by these names, so they are defined once here."""

# Data stack
DATA_BUCKET = "DataBucketName"
ACCESS_LOGS_BUCKET = "AccessLogsBucketName"
GLUE_DATABASE = "GlueDatabaseName"
ATHENA_WORKGROUP = "AthenaWorkGroupName"
PUBLIC_DATASETS = "PublicDatasetLocations"
DATASETS_READ_POLICY = "DatasetsReadPolicyArn"
SPARK_APPLICATION_ID = "SparkApplicationId"
SPARK_JOB_ROLE_ARN = "SparkJobRoleArn"

# Platform stack
NOTEBOOK_NAME = "NotebookInstanceName"
NOTEBOOK_URL = "NotebookUrlHint"
ENDPOINT_NAME = "EndpointName"
FORECAST_ENDPOINT_NAME = "ForecastEndpointName"
TRAINING_ROLE_ARN = "TrainingRoleArn"

# Frameworks stack
WORKSTATION_INSTANCE_ID = "WorkstationInstanceId"
WORKSTATION_SHELL_COMMAND = "WorkstationShellCommand"
WORKSTATION_JUPYTER_COMMAND = "WorkstationJupyterCommand"
WORKSTATION_AMI_PARAMETER = "WorkstationAmiSource"

# ApiServices stack
BOT_ID = "BotId"
BOT_ALIAS_ID = "BotAliasId"
BOT_LOCALE_ID = "BotLocaleId"
FULFILLMENT_FUNCTION = "FulfillmentFunctionName"
RESULTS_TABLE = "ResultsTableName"
