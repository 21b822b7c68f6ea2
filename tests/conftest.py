"""Test setup: a private data folder (and Prefect home) per run, PostgreSQL started on demand."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# Before anything imports Prefect: its state lives in this run's own data folder.
_RUN_HOME = Path(tempfile.mkdtemp(prefix="plans-test-"))
os.environ["PLANS_HOME"] = str(_RUN_HOME)
os.environ["PREFECT_HOME"] = str(_RUN_HOME / "prefect")
os.environ.pop("PLANS_DB_URL", None)
os.environ.setdefault("PLANS_WORKERS", "2")


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    """A fresh data folder and SQLite database for one test."""
    home = tmp_path / "data"
    home.mkdir()
    monkeypatch.setenv("PLANS_HOME", str(home))
    monkeypatch.setenv("PLANS_DB_URL", f"sqlite:///{home / 'plans.db'}")
    return home


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL server from Debian's packages, started for this test run."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="plans-pg-"))
    data, port = base / "data", _free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "postgres", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l",
                    str(base / "log"), "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1",
                    "start"], check=True, capture_output=True)
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    try:
        yield url
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def wait_for(predicate, timeout: float = 30.0, step: float = 0.1) -> bool:
    """Poll until predicate() is true or the timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
