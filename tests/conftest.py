"""Test setup: a private data folder (and Prefect home) per run, PostgreSQL started on demand."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# Before anything imports Prefect: its state lives in this run's own data folder.
_RUN_HOME = Path(tempfile.mkdtemp(prefix="plans-test-"))
# registered before Prefect is imported, so it runs after Prefect's own exit handlers
atexit.register(shutil.rmtree, _RUN_HOME, ignore_errors=True)
os.environ["PLANS_HOME"] = str(_RUN_HOME)
os.environ["PREFECT_HOME"] = str(_RUN_HOME / "prefect")
os.environ.pop("PLANS_DB_URL", None)
os.environ.setdefault("PLANS_WORKERS", "2")
# Files the tests write are complete at once: a short settle window keeps rounds fast (the tests
# of slow writers set the window they mean).
os.environ["PLANS_SETTLE_SECONDS"] = "0.5"


@pytest.fixture
def data_home(tmp_path, monkeypatch) -> Path:
    """A fresh data folder and SQLite database for one test."""
    home = tmp_path / "data"
    home.mkdir()
    monkeypatch.setenv("PLANS_HOME", str(home))
    monkeypatch.setenv("PLANS_DB_URL", f"sqlite:///{home / 'plans.db'}")
    return home


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server from Debian's packages, started for this test run."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="plans-pg-"))
    data, port = base / "data", free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        shutil.chown(base, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust",
                    "-U", "postgres", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l",
                    str(base / "log"), "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1",
                    "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


_databases = iter(range(1, 10_000))


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A new empty database on the test server for one test."""
    import psycopg

    name = f"plans_test_{next(_databases)}"
    dsn = postgres_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"


@pytest.fixture
def mount_tmpfs():
    """Mount a small tmpfs (another filesystem, a disk that fills up); skips where not permitted."""
    mounted: list[Path] = []

    def mount(path: Path, size: str = "16m") -> Path:
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (root needed): {done.stderr.strip()}")
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], capture_output=True)
