"""A temporary Prefect API server for one command, started without importing Prefect's server.

Prefect starts one by itself when PREFECT_API_URL is unset, but importing its server code in
our process costs about 1.6 s of CPU that OCR could use; this starts the same uvicorn command
as a child process, points PREFECT_API_URL at it before Prefect is imported, and stops it at
exit. With PREFECT_API_URL already set (a real Prefect server), it does nothing.

Creating Prefect's SQLite database (its migrations) costs a new server about 5 s of CPU; the
first one made on a machine is kept as a template in the user's cache folder and copied into
every new data folder, so only the first data folder of a machine pays it (`make setup` pays
it at install time). A database set up so (stamped with the Prefect version beside it) is
not migrated or registered into again: later servers start on it without writing.

The server dies with the process that started it, however that process ends (SIGKILL
included: the kernel signals it, PR_SET_PDEATHSIG), and a long-running watcher restarts it on
the same port when it went away (`ensure_running`).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
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

from pipeline import errors, faults

# Services of the ephemeral server that a one-command server has no use for: automations,
# event storage for the UI, and live event/log streams to UI clients.
QUIET_SERVICES = {
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED": "false",
    "PREFECT_SERVER_LOGS_STREAM_OUT_ENABLED": "false",
}
# A server on a database this Prefect version has set up already (copied from the template, or
# stamped by a server that set it up) starts without writing to it: no migration check, no
# registration of block types. That saves ~0.8 s of CPU per command, and a second command's
# server starting on the same Prefect home while the first one's runs write cannot be locked
# out of its start-up writes (a write that upgrades a read gets "database is locked" at once).
READY_DATABASE = {
    "PREFECT_API_DATABASE_MIGRATE_ON_START": "false",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
}
_DATABASE_URL_SETTINGS = ("PREFECT_API_DATABASE_CONNECTION_URL",
                          "PREFECT_SERVER_DATABASE_CONNECTION_URL")


def _prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")


def prefect_database() -> Path | None:
    """Prefect's own SQLite file for this PREFECT_HOME; None when a database URL is configured."""
    if any(os.environ.get(name) for name in _DATABASE_URL_SETTINGS):
        return None
    return _prefect_home() / "prefect.db"


def database_template() -> Path:
    """Where the migrated, empty Prefect database of this Prefect version is kept."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "vn-plans" / f"prefect-{importlib.metadata.version('prefect')}.db"


def _copy_template(database: Path) -> None:
    """Copy the template into place atomically: two processes starting together on a new data
    folder never open a half-copied database (the second one's copy is simply dropped)."""
    template = database_template()
    if template.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        partial = database.with_name(f".{database.name}.{os.getpid()}.tmp")
        shutil.copyfile(template, partial)
        try:
            os.link(partial, database)  # fails if another process put its copy there first
        except FileExistsError:
            pass
        finally:
            partial.unlink(missing_ok=True)


def _stamp(database: Path) -> Path:
    return database.with_name(database.name + ".prefect-version")


def is_set_up(database: Path) -> bool:
    """Whether a server of this Prefect version migrated the database (or it is a copy of the
    template of this version): its servers then start without writing to it."""
    try:
        return database.is_file() and \
            _stamp(database).read_text().strip() == importlib.metadata.version("prefect")
    except OSError:
        return False


def _mark_set_up(database: Path) -> None:
    stamp = _stamp(database)
    partial = stamp.with_name(f".{stamp.name}.{os.getpid()}.tmp")
    partial.write_text(importlib.metadata.version("prefect"))
    os.replace(partial, stamp)


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


# Runs uvicorn in the child after asking the kernel to send it SIGTERM when its parent dies
# (Linux prctl PR_SET_PDEATHSIG); a parent already gone by then means exit at once.
_LAUNCHER = """
import ctypes, os, runpy, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
except (OSError, AttributeError):
    pass
if os.getppid() != int(os.environ.get("PLANS_SERVER_PARENT", os.getppid())):
    sys.exit(0)
sys.argv[0] = "uvicorn"
runpy.run_module("uvicorn", run_name="__main__", alter_sys=True)
"""


def _lock(path: Path):
    """An exclusive file lock (the open file; closing it releases the lock); waits for it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a")  # noqa: SIM115 - closed by the caller
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


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
        self.port = 0
        self.url = ""
        self.new_database: Path | None = None  # a database this server creates from nothing
        self.database: Path | None = None  # Prefect's SQLite file
        self.set_up = False  # its database is set up already: the server starts without writing
        self._creating = None  # the lock held while it starts

    def start(self, port: int | None = None) -> TemporaryServer:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        database = self.database = prefect_database()
        if database is not None:
            # one server at a time starts on a SQLite database: a server setting up a database
            # writes (its migrations, block types), and two at once fail with "database is
            # locked"; once it is set up (READY_DATABASE) a start writes nothing
            self._creating = _lock(database.with_name(database.name + ".start.lock"))
            if not database.exists():
                with contextlib.suppress(OSError):  # a deleted database's stamp says nothing
                    _stamp(database).unlink(missing_ok=True)
                try:
                    _copy_template(database)
                except OSError:
                    pass  # no template: the server migrates a new database itself
                if not database.exists():
                    self.new_database = database
                else:  # a copy of this version's template
                    with contextlib.suppress(OSError):
                        _mark_set_up(database)
            self.set_up = is_set_up(database)
        self._spawn()
        os.environ["PREFECT_API_URL"] = self.url
        atexit.register(self.stop)
        threading.Thread(target=self._wait_healthy, name="prefect-server", daemon=True).start()
        return self

    def _spawn(self) -> None:
        spec = importlib.util.find_spec("prefect")
        app_dir = Path(spec.submodule_search_locations[0]).parent
        env = {**QUIET_SERVICES, **(READY_DATABASE if self.set_up else {}), **os.environ,
               "PREFECT_UI_ENABLED": "0",
               "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
               "PLANS_SERVER_PARENT": str(os.getpid())}
        # its messages go to a file: a pipe nobody reads would stall a long-running server
        self.log_path = _prefect_home() / "server.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, "--app-dir", str(app_dir), "--factory",
                 "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port",
                 str(self.port), "--log-level", "error", "--lifespan", "on"],
                env=env, stdout=subprocess.DEVNULL, stderr=log,
            )

    def log_tail(self, size: int = 500) -> str:
        try:
            return self.log_path.read_bytes()[-size:].decode(errors="replace")
        except (OSError, AttributeError):
            return ""

    def healthy(self, timeout: float = 5.0) -> bool:
        """Whether the server process runs and answers its health check."""
        if self.process is None or self.process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=timeout) as response:
                return response.status == 200
        except OSError:
            return False

    def ensure_running(self) -> bool:
        """Restart the server on the same port if it went away; True when it was restarted.

        Raises OrchestratorGone when it cannot be started again (a supervisor should then
        restart the whole watcher).
        """
        if self.healthy() or (self.process is not None and self.process.poll() is None
                              and self.healthy(timeout=15.0)):
            return False
        self.stop()
        self.ready.clear()
        self.error = None
        self._spawn()
        self._wait_healthy(timeout=90.0)
        if self.error:
            raise errors.OrchestratorGone(self.error[-300:])
        return True

    def _wait_healthy(self, timeout: float = 180.0, tries: int = 3) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            self.error = self.log_tail() if self.process.poll() is not None else "timed out"
            self.error = self.error or f"exit code {self.process.poll()}"
            if tries > 1 and "database is locked" in self.error:
                # another process's server wrote to Prefect's SQLite file while this one's
                # start-up wrote (its migrations, block types): start again a moment later
                self.error = None
                time.sleep(1.0)
                self._spawn()
                self._wait_healthy(max(deadline - time.monotonic(), 10.0), tries - 1)
                return
        if self.new_database is not None and not self.error:
            try:
                _save_template(self.new_database)  # before any run is recorded in it
            except (OSError, sqlite3.Error):
                pass  # a cache folder we cannot write only costs the next data folder time
        if self.database is not None and not self.set_up and not self.error:
            with contextlib.suppress(OSError):  # this server migrated it: the next ones need not
                _mark_set_up(self.database)
        if self._creating is not None:
            self._creating.close()  # this server is up: servers waiting to start go on
            self._creating = None
        self.ready.set()

    def wait(self) -> None:
        """Block until the server answers; a server that cannot start is a clear error."""
        self.ready.wait()
        if self.error and faults.is_lock_error(RuntimeError(self.error)):
            # Prefect's own SQLite file, not the records database: said as such
            where = prefect_database() or "PREFECT_API_DATABASE_CONNECTION_URL"
            raise errors.PrefectDatabaseBusy(f"{where}: {self.error[-300:].strip()}")
        if self.error:  # a full or read-only disk under Prefect's database is said as such
            fault = faults.environment_fault(RuntimeError(self.error), _prefect_home())
            if fault is not None:
                raise fault
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
