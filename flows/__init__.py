"""Prefect flows over pipeline/: process documents, watch the inbox.

Prefect keeps its own state under the data folder ($PLANS_HOME/prefect) unless PREFECT_HOME is
set, so separate data folders (tests, benchmarks) never share one Prefect database.
"""

import os

from pipeline.store import data_home

os.environ.setdefault("PREFECT_HOME", str(data_home() / "prefect"))
try:  # Prefect makes its home without its parents (a new data folder): make them first
    os.makedirs(os.environ["PREFECT_HOME"], exist_ok=True)
except OSError:
    pass  # a read-only place: Prefect says so itself
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
