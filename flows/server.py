"""A temporary Prefect API server for one command, started without importing Prefect's server.

Prefect starts one by itself when PREFECT_API_URL is unset, but importing its server code in
our process costs about 1.6 s of CPU that OCR could use; this starts the same uvicorn command
as a child process, points PREFECT_API_URL at it before Prefect is imported, and stops it at
exit. With PREFECT_API_URL already set (a real Prefect server), it does nothing.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from pipeline import errors


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TemporaryServer:
    """Prefect's API server as a child process; `ready` is set once it answers."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.process: subprocess.Popen | None = None
        self.error: str | None = None
        self.url = ""

    def start(self) -> TemporaryServer:
        spec = importlib.util.find_spec("prefect")
        app_dir = Path(spec.submodule_search_locations[0]).parent
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        env = dict(os.environ, PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1",
                   PREFECT__SERVER_FINAL="1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
             "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        os.environ["PREFECT_API_URL"] = self.url
        atexit.register(self.stop)
        threading.Thread(target=self._wait_healthy, name="prefect-server", daemon=True).start()
        return self

    def _wait_healthy(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            tail = self.process.stderr.read().decode(errors="replace")[-500:] \
                if self.process.poll() is not None else "timed out"
            self.error = tail
        self.ready.set()

    def wait(self) -> None:
        """Block until the server answers; a server that cannot start is a clear error."""
        self.ready.wait()
        if self.error:
            raise errors.PlanError(self.error, vi="Không khởi động được máy chủ Prefect tạm thời.",
                                   en="Prefect's temporary API server did not start.")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_temporary_server() -> TemporaryServer | None:
    """Start a server unless one is configured or Prefect already runs its own in this process."""
    if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules:
        return None
    return TemporaryServer().start()
