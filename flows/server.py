"""A temporary Prefect API server for one command, started without importing Prefect's server.

Prefect starts one by itself when PREFECT_API_URL is unset, but importing its server code in
our process costs about 1.6 s of CPU that OCR could use; this starts the same uvicorn command
as a child process, points PREFECT_API_URL at it before Prefect is imported, and stops it at
exit. With PREFECT_API_URL already set (a real Prefect server), it does nothing.

Creating Prefect's SQLite database (its migrations) costs a new server about 5 s of CPU; the
first one made on a machine is kept as a template in the user's cache folder and copied into
every new data folder, so only the first data folder of a machine pays it (`make setup` pays
it at install time).
"""

from __future__ import annotations

import atexit
import importlib.metadata
import importlib.util
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from pipeline import errors

# Services of the ephemeral server that a one-command server has no use for: automations,
# event storage for the UI, and live event/log streams to UI clients.
QUIET_SERVICES = {
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED": "false",
    "PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED": "false",
}
_DATABASE_URL_SETTINGS = ("PREFECT_API_DATABASE_CONNECTION_URL",
                          "PREFECT_SERVER_DATABASE_CONNECTION_URL")


def prefect_database() -> Path | None:
    """Prefect's own SQLite file for this PREFECT_HOME; None when a database URL is configured."""
    if any(os.environ.get(name) for name in _DATABASE_URL_SETTINGS):
        return None
    home = os.environ.get("PREFECT_HOME") or str(Path.home() / ".prefect")
    return Path(home) / "prefect.db"


def database_template() -> Path:
    """Where the migrated, empty Prefect database of this Prefect version is kept."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "vn-plans" / f"prefect-{importlib.metadata.version('prefect')}.db"


def _copy_template(database: Path) -> None:
    template = database_template()
    if template.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, database)


def _save_template(database: Path) -> None:
    """A consistent copy of a just-migrated database (SQLite's backup, safe while it is open)."""
    template = database_template()
    if template.exists():
        return
    template.parent.mkdir(parents=True, exist_ok=True)
    partial = template.with_suffix(f".{os.getpid()}.tmp")
    source, target = sqlite3.connect(database), sqlite3.connect(partial)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    os.replace(partial, template)  # atomic: another process never sees half a template


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
        self.new_database: Path | None = None  # a database this server creates from nothing

    def start(self) -> TemporaryServer:
        spec = importlib.util.find_spec("prefect")
        app_dir = Path(spec.submodule_search_locations[0]).parent
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}/api"
        database = prefect_database()
        if database is not None and not database.exists():
            try:
                _copy_template(database)
            except OSError:
                pass  # no template: the server migrates a new database itself
            if not database.exists():
                self.new_database = database
        env = {**QUIET_SERVICES, **os.environ, "PREFECT_UI_ENABLED": "0",
               "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
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
        if self.new_database is not None and not self.error:
            try:
                _save_template(self.new_database)  # before any run is recorded in it
            except (OSError, sqlite3.Error):
                pass  # a cache folder we cannot write only costs the next data folder time
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


def prepare_template() -> Path:
    """Create this machine's Prefect database template unless it exists (run by `make setup`)."""
    template = database_template()
    if not template.exists():
        with tempfile.TemporaryDirectory(prefix="plans-prefect-") as home:
            os.environ["PREFECT_HOME"] = home
            server = TemporaryServer().start()
            try:
                server.wait()
            finally:
                server.stop()
    return template


if __name__ == "__main__":
    print(f"Prefect database template: {prepare_template()}")
