#!/bin/bash
# mlstack on-start, on every start: refresh the samples' settings file from the data bucket (and, with idle stop
# on, idle_stop.sh follows here).
# Lifecycle scripts run as root, must finish within 5 minutes and may have no internet access: nothing
# here downloads or installs anything. Output goes to CloudWatch Logs (/aws/sagemaker/NotebookInstances).
set -euo pipefail

# A redeploy may change the endpoint, the roles or the training settings the samples read: the stack rewrites
# the file in the bucket on every deploy, and this start brings it here. A failing on-start script fails the
# start, so a failed copy is logged and the previous file stays.
SAMPLES=/home/ec2-user/SageMaker/mlstack-samples
if [ -d "$SAMPLES" ]; then
    if aws s3 cp --only-show-errors --region @REGION@ "s3://@BUCKET@/@NOTEBOOKS_PREFIX@@SETTINGS_FILE@" \
        "$SAMPLES/@SETTINGS_FILE@.new"; then
        mv "$SAMPLES/@SETTINGS_FILE@.new" "$SAMPLES/@SETTINGS_FILE@"
        chown ec2-user:ec2-user "$SAMPLES/@SETTINGS_FILE@"
        echo "mlstack: refreshed $SAMPLES/@SETTINGS_FILE@"
    else
        rm -f "$SAMPLES/@SETTINGS_FILE@.new"
        echo "mlstack: could not copy s3://@BUCKET@/@NOTEBOOKS_PREFIX@@SETTINGS_FILE@; the samples read the previous one"
    fi
fi
