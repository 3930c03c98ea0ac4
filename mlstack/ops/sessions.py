"""boto3 sessions that share one botocore data loader for the whole process.

Every boto3 session gets its own loader by default, and every client of a new session parses its service's
JSON model again (EC2's is several megabytes). `mlstack local`, the chat server and the benches open many
sessions in one process; with one loader each model is parsed once. Credentials, region and profile stay
per session: only the read-only service data is shared.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import botocore.loaders
import botocore.session

_LOADER = botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))


def new_session(**options: Any) -> boto3.session.Session:
    """A boto3 session (the same options as `boto3.session.Session`) on the process's shared loader."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    session = boto3.session.Session(botocore_session=core, **options)
    # boto3 appends its own data folder to the loader's search path on every session: keep one of each.
    _LOADER.search_paths[:] = list(dict.fromkeys(_LOADER.search_paths))
    return session
