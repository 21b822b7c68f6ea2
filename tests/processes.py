"""Starting the program's own processes on loopback, for tests and benches alike: a free port,
an environment of its own, the `plans` command, and stopping them as SIGTERM asks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

# settings of the calling process that must not leak into a process with a home of its own
FOREIGN_SETTINGS = ("PREFECT_API_URL", "PLANS_DB_URL", "PLANS_DASK_ADDRESS")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_env(home: Path, **extra: str) -> dict:
    """A process of its own: its data folder, its Prefect home, one OpenMP thread per
    Tesseract, no store, server or cluster of the caller."""
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
    env.update(PLANS_HOME=str(home), PREFECT_HOME=str(home / "prefect"), OMP_THREAD_LIMIT="1",
               **extra)
    return env


def plans_command(*args: str) -> list[str]:
    """`plans ARGS` with this interpreter (the project need not be on PATH)."""
    return [sys.executable, "-m", "pipeline.cli", *args]


def stop(processes: list[subprocess.Popen], timeout: float = 30) -> None:
    """SIGTERM to each, then wait; a process that does not end in `timeout` s is killed."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
