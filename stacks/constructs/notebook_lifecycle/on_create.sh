#!/bin/bash
# mlstack on-create: copy the sample notebooks from the data bucket into the Jupyter home folder.
# Runs once, as root, when the instance is created (within the 5-minute lifecycle limit).
set -uo pipefail

TARGET=/home/ec2-user/SageMaker/mlstack-samples
mkdir -p "$TARGET"
# A failing on-create script fails the notebook's creation and rolls back the whole stack; the samples
# are a convenience, so a failed copy is logged (CloudWatch Logs) rather than fatal.
if aws s3 cp --recursive --only-show-errors --region @REGION@ "s3://@BUCKET@/@NOTEBOOKS_PREFIX@" "$TARGET"; then
    echo "mlstack: sample notebooks copied to $TARGET"
else
    echo "mlstack: could not copy s3://@BUCKET@/@NOTEBOOKS_PREFIX@; copy them by hand with aws s3 cp"
fi
chown -R ec2-user:ec2-user "$TARGET"
