"""Stop this SageMaker notebook instance once Jupyter has been idle for the configured number of minutes.

Runs from cron (installed by on_start.sh) with the instance's own Python: standard library only, so it
works without internet access or extra packages. Idle means no kernel is busy and the newest kernel or
terminal activity (or, with none, the time the instance started) is older than the threshold.
Python 3.9 compatible: that is what /usr/bin/python3 is on the notebook platforms.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

JUPYTER_URL = "https://localhost:8443"
METADATA_FILE = "/opt/ml/metadata/resource-metadata.json"
# cron's PATH is minimal; the AWS CLI lives in one of these on the notebook platforms.
AWS_CLI_DIRS = "/usr/local/bin:/usr/bin:/opt/conda/bin:/home/ec2-user/anaconda3/bin"


def parse_timestamp(text: str) -> datetime.datetime:
    """Jupyter's ISO 8601 UTC timestamps (`2024-05-01T12:00:00.123456Z`) as aware datetimes."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def last_activity(
    sessions: Iterable[dict[str, Any]], terminals: Iterable[dict[str, Any]], started_at: datetime.datetime
) -> datetime.datetime | None:
    """The most recent activity, or None while a kernel is busy (a running cell is never idle)."""
    latest = started_at
    for session in sessions:
        kernel = session.get("kernel") or {}
        if kernel.get("execution_state") in ("busy", "starting"):
            return None
        if kernel.get("last_activity"):
            latest = max(latest, parse_timestamp(kernel["last_activity"]))
    for terminal in terminals:
        if terminal.get("last_activity"):
            latest = max(latest, parse_timestamp(terminal["last_activity"]))
    return latest


def is_idle(
    sessions: Iterable[dict[str, Any]],
    terminals: Iterable[dict[str, Any]],
    started_at: datetime.datetime,
    now: datetime.datetime,
    idle_minutes: int,
) -> bool:
    """True when nothing is running and nothing happened for at least `idle_minutes`."""
    latest = last_activity(sessions, terminals, started_at)
    return latest is not None and now - latest >= datetime.timedelta(minutes=idle_minutes)


def fetch_json(url: str) -> list[dict[str, Any]]:
    # Jupyter on a notebook instance serves HTTPS on localhost with a self-signed certificate.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(url, context=context, timeout=30) as response:
        return json.load(response)


def notebook_name(metadata_file: str) -> str:
    with open(metadata_file, encoding="utf-8") as file:
        return json.load(file)["ResourceName"]


def stop_notebook(name: str, region: str) -> None:
    try:
        import boto3  # present in the instance's conda Python; absent from the bare system Python
    except ImportError:
        aws = shutil.which("aws", path=AWS_CLI_DIRS)
        if aws is None:
            raise RuntimeError("neither boto3 nor the AWS CLI is available to stop the instance") from None
        subprocess.run(
            [aws, "sagemaker", "stop-notebook-instance", "--notebook-instance-name", name, "--region", region],
            check=True,
        )
        return
    boto3.client("sagemaker", region_name=region).stop_notebook_instance(NotebookInstanceName=name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle-minutes", type=int, required=True)
    parser.add_argument("--started-at", type=float, required=True, help="epoch seconds the instance started")
    parser.add_argument("--region", required=True)
    parser.add_argument("--jupyter-url", default=JUPYTER_URL)
    parser.add_argument("--metadata-file", default=METADATA_FILE)
    parser.add_argument("--dry-run", action="store_true", help="report only; never stop the instance")
    args = parser.parse_args(argv)

    utc = datetime.timezone.utc  # noqa: UP017 - datetime.UTC is 3.11+, the instance runs 3.9
    started_at = datetime.datetime.fromtimestamp(args.started_at, tz=utc)
    now = datetime.datetime.now(tz=utc)
    try:
        sessions = fetch_json(f"{args.jupyter_url}/api/sessions")
    except (urllib.error.URLError, OSError, ValueError) as error:
        # Jupyter not up yet (or restarting): not evidence of idleness, check again next run.
        print(f"{now.isoformat()} Jupyter sessions API unavailable ({error}); not stopping")
        return 0
    try:
        terminals = fetch_json(f"{args.jupyter_url}/api/terminals")
    except (urllib.error.URLError, OSError, ValueError):
        terminals = []  # terminals disabled on this server

    if not is_idle(sessions, terminals, started_at, now, args.idle_minutes):
        print(f"{now.isoformat()} active ({len(sessions)} sessions, {len(terminals)} terminals)")
        return 0
    name = notebook_name(args.metadata_file)
    print(f"{now.isoformat()} idle for {args.idle_minutes}+ minutes; stopping {name}")
    if not args.dry_run:
        stop_notebook(name, args.region)
    return 0


if __name__ == "__main__":
    sys.exit(main())
