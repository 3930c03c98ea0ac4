"""The log retention periods CloudWatch Logs accepts: one list for settings and log groups alike."""

from __future__ import annotations

# Retention periods CloudWatch Logs accepts, in days, ascending: what log-retention settings may be set to, and
# (mapped to aws_logs.RetentionDays in stacks/constructs/log_groups.py) what log groups are created with.
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
