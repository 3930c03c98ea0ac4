# First boot of the mlstack GPU workstation: the CloudWatch agent (the idle-stop signal) first, so the instance
# can stop itself even if a later step fails, then a Python environment with JupyterLab as a systemd service.
# MLSTACK_* variables and the files under /opt/mlstack come from the header the construct writes above.
set -euo pipefail
exec > >(tee -a /var/log/mlstack-setup.log) 2>&1

os_user_home=$(getent passwd "$MLSTACK_OS_USER" | cut -d: -f6)
case "$(uname -m)" in x86_64) pkg_arch=amd64 ;; *) pkg_arch=arm64 ;; esac
# The regional bucket is reachable through the S3 gateway endpoint when the subnet has no internet.
agent_base="https://amazoncloudwatch-agent-${MLSTACK_REGION}.s3.${MLSTACK_REGION}.amazonaws.com"
agent_ctl=/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl

if [ ! -x "$agent_ctl" ]; then
  if command -v dpkg >/dev/null 2>&1; then
    curl -fsSL --retry 5 -o /tmp/amazon-cloudwatch-agent.deb "$agent_base/ubuntu/$pkg_arch/latest/amazon-cloudwatch-agent.deb"
    dpkg -i /tmp/amazon-cloudwatch-agent.deb
  else
    curl -fsSL --retry 5 -o /tmp/amazon-cloudwatch-agent.rpm "$agent_base/amazon_linux/$pkg_arch/latest/amazon-cloudwatch-agent.rpm"
    rpm -U --replacepkgs /tmp/amazon-cloudwatch-agent.rpm
  fi
fi
"$agent_ctl" -a fetch-config -m ec2 -s -c file:/opt/mlstack/cloudwatch-agent.json

# A venv of the OS python; Ubuntu ships the venv module as a separate package.
ensure_venv() {
  if ! python3 -m venv "$1" 2>/dev/null; then
    if command -v apt-get >/dev/null 2>&1; then
      apt-get -o DPkg::Lock::Timeout=600 update -q
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q python3-venv
    else
      dnf install -y -q python3-pip
    fi
    rm -rf "$1"
    python3 -m venv "$1"
  fi
  "$1/bin/pip" install --quiet --upgrade pip
  chown -R "$MLSTACK_OS_USER": "$1"  # so notebooks can `pip install` into it
}

# The PyTorch DLAMI ships JupyterLab in its PyTorch venv; the base DLAMI gets a venv of its own.
if [ "$MLSTACK_FRAMEWORK" = "pytorch" ] && [ -x /opt/pytorch/bin/jupyter ]; then
  jupyter_env=/opt/pytorch
else
  jupyter_env=/opt/mlstack/jupyter
  ensure_venv "$jupyter_env"
  "$jupyter_env/bin/pip" install --quiet jupyterlab ipykernel boto3
fi

echo "export MLSTACK_DATA_BUCKET=$MLSTACK_DATA_BUCKET" > /etc/profile.d/mlstack.sh
sed -e "s|@@JUPYTER_ENV@@|$jupyter_env|g" -e "s|@@USER@@|$MLSTACK_OS_USER|g" -e "s|@@HOME@@|$os_user_home|g" \
  -e "s|@@PORT@@|$MLSTACK_JUPYTER_PORT|g" -e "s|@@DATA_BUCKET@@|$MLSTACK_DATA_BUCKET|g" \
  /opt/mlstack/jupyterlab.service > /etc/systemd/system/jupyterlab.service
systemctl daemon-reload
systemctl enable --now jupyterlab.service
