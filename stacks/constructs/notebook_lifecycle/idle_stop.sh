# mlstack on-start, continued (appended to on_start.sh when platform.notebook_idle_stop_minutes is above 0):
# install the idle check that stops this notebook instance after @IDLE_MINUTES@ idle minutes.

CHECK_DIR=/usr/local/lib/mlstack
CHECK=$CHECK_DIR/idle_check.py
LOG=/var/log/mlstack-idle-check.log
mkdir -p "$CHECK_DIR"
cat > "$CHECK" <<'IDLE_CHECK_PY'
@IDLE_CHECK_PY@
IDLE_CHECK_PY

# The conda Python has boto3; the system Python is enough because the check falls back to the AWS CLI.
PYTHON=/usr/bin/python3
for candidate in /home/ec2-user/anaconda3/bin/python /opt/conda/bin/python; do
    if [ -x "$candidate" ]; then PYTHON=$candidate; break; fi
done
COMMAND="$PYTHON $CHECK --idle-minutes @IDLE_MINUTES@ --started-at $(date +%s) --region @REGION@"
"$PYTHON" -m py_compile "$CHECK"

if command -v crontab >/dev/null 2>&1; then
    # Replace any earlier entry: on-start runs on every start and the start time changes.
    (crontab -l 2>/dev/null | grep -v "$CHECK" || true; echo "*/5 * * * * $COMMAND >> $LOG 2>&1") | crontab -
    echo "mlstack: idle check scheduled in cron every 5 minutes"
else
    # Amazon Linux 2023 images may ship without cronie: a systemd timer does the same job.
    cat > /etc/systemd/system/mlstack-idle-check.service <<UNIT
[Unit]
Description=mlstack: stop this notebook instance when Jupyter is idle
[Service]
Type=oneshot
ExecStart=/bin/sh -c '$COMMAND >> $LOG 2>&1'
UNIT
    cat > /etc/systemd/system/mlstack-idle-check.timer <<UNIT
[Unit]
Description=mlstack: run the idle check every 5 minutes
[Timer]
OnBootSec=5min
OnUnitActiveSec=5min
[Install]
WantedBy=timers.target
UNIT
    systemctl daemon-reload
    systemctl enable --now mlstack-idle-check.timer
    echo "mlstack: idle check scheduled with a systemd timer every 5 minutes"
fi
