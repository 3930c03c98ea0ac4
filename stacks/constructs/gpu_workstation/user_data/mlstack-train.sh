#!/bin/bash
# mlstack-train: fine-tune the sentiment model on every GPU of this instance with the same script SageMaker runs,
# against the Yelp review polarity archive read from the Registry of Open Data, and save the model (the archive
# the inference container loads) to s3://<data bucket>/models/workstation/<UTC timestamp>/.
#   mlstack-train                      # the training.* settings' defaults
#   mlstack-train --epochs 2 --max_rows 0 --model_name_or_path bert-base-uncased
# Extra --name value arguments go to train.py and override the defaults. @@NAME@@ markers are filled at synth.
set -euo pipefail

export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-@@REGION@@}"
bucket=@@DATA_BUCKET@@
code_url="s3://$bucket/@@CODE_PREFIX@@sentiment/"
# Another labelled corpus in the same layout (an archive, or a folder of CSV files) with MLSTACK_TRAIN_DATA.
data_url="${MLSTACK_TRAIN_DATA:-@@DATA_URL@@}"
data_region=@@DATA_REGION@@
stamp=$(date -u +%Y%m%dT%H%M%SZ)
model_url="s3://$bucket/@@MODELS_PREFIX@@workstation/$stamp/"
work="${MLSTACK_TRAIN_DIR:-$HOME/mlstack-train}"
run="$work/runs/$stamp"
mkdir -p "$work/data" "$run/model" "$run/output" "$run/checkpoints"

# The script as the last deploy copied it to the data bucket.
aws s3 sync --only-show-errors --delete "$code_url" "$work/sentiment/"
# Download the data once; train.py reads the archive as published.
data="$work/data/$(echo "$data_url" | md5sum | cut -c1-12)"
if [ ! -e "$data/.complete" ]; then
  mkdir -p "$data"
  case "$data_url" in
    */) aws s3 sync --only-show-errors --region "$data_region" "$data_url" "$data/" ;;
    *) aws s3 cp --only-show-errors --region "$data_region" "$data_url" "$data/" ;;
  esac
  touch "$data/.complete"
fi

# The PyTorch DLAMI's environment plus the Hugging Face libraries, in a venv of the user's own.
venv="$work/venv"
base_python=/opt/pytorch/bin/python
[ -x "$base_python" ] || base_python=python3
if [ ! -x "$venv/bin/python" ]; then
  "$base_python" -m venv --system-site-packages "$venv"
fi
if [ -f "$work/sentiment/requirements.txt" ]; then
  "$venv/bin/pip" install --quiet -r "$work/sentiment/requirements.txt"
elif ! "$venv/bin/python" -c "import transformers" 2>/dev/null; then
  "$venv/bin/pip" install --quiet transformers
fi

# SageMaker's script-mode contract: only the environment differs from a training job.
export SM_MODEL_DIR="$run/model" SM_CHANNEL_TRAIN="$data" SM_OUTPUT_DATA_DIR="$run/output"
cd "$work/sentiment"
# torchrun (torch.distributed.run) from the venv's python: one process per GPU.
"$venv/bin/python" -m torch.distributed.run --standalone --nproc_per_node=gpu train.py \
  --model_name_or_path @@BASE_MODEL@@ --epochs @@EPOCHS@@ --max_rows @@MAX_ROWS@@ \
  --checkpoint-dir "$run/checkpoints" "$@"

tar -czf "$run/model.tar.gz" -C "$run/model" .
aws s3 cp --only-show-errors "$run/model.tar.gz" "$model_url"
aws s3 cp --only-show-errors --recursive "$run/output" "$model_url"  # metrics.json
echo "model: ${model_url}model.tar.gz"
echo "serve it: @@SERVE_COMMAND@@${model_url}model.tar.gz"
