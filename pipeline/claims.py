"""Claims on inbox files, held by leases with a heartbeat.

A watcher claims a settled file by moving it into a claim folder of its own beside the inbox,
`<inbox>/.plans-work/<claim id>/`, on the inbox's filesystem: the rename is atomic there (also
on a share that other machines mount), so exactly one watcher wins a file, and two files of the
same name and content land in two folders. `lease.json` in the folder names the owner (machine,
process) and a beat counter that the owner's heartbeat thread raises every few seconds.

Any watcher of the inbox, on any machine, takes a claim back (moves the file back into that
inbox) when its owner is a dead process of the same machine, or when its beat has not moved for
PLANS_LEASE_SECONDS as seen by the observer's own clock (clocks of two machines are never
compared). The heartbeat is a thread of its own, so a live owner's lease never lapses while its
OCR runs, however long.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.faults import setting
from pipeline.inbox import file_sha256, free_name, move_file

log = logging.getLogger(__name__)

WORK_FOLDER = ".plans-work"
LEASE_FILE = "lease.json"


def lease_seconds() -> float:
    """How long a lease's beat may stand still before another watcher takes the claim back."""
    return max(1.0, setting("PLANS_LEASE_SECONDS", 60.0))


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str:
    """When a process started (clock ticks since boot, Linux); tells a reused pid apart."""
    stat = _read(f"/proc/{pid}/stat")
    return stat.rpartition(")")[2].split()[19] if stat else ""


@dataclass(frozen=True)
class Owner:
    """Who holds a claim: a process on a machine (boot and pid namespace tell machines apart)."""

    host: str
    boot: str
    pidns: str
    pid: int
    started: str
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def current(cls) -> Owner:
        try:
            pidns = os.readlink("/proc/self/ns/pid")
        except OSError:
            pidns = ""
        return cls(socket.gethostname(), _read("/proc/sys/kernel/random/boot_id"), pidns,
                   os.getpid(), _start_ticks(os.getpid()))

    def same_machine(self, other: Owner) -> bool:
        return (self.host, self.boot, self.pidns) == (other.host, other.boot, other.pidns)

    def process_alive(self) -> bool:
        """Whether this owner's process still runs (on this machine; pid reuse detected)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's live process
        return not self.started or _start_ticks(self.pid) == self.started


@dataclass
class Claim:
    """One claimed file: its claim folder, name, and the inbox it came from."""

    folder: Path
    name: str
    origin: str  # path relative to the inbox, to give it back where it was
    sha256: str = ""
    beat: int = 0

    @property
    def path(self) -> Path:
        return self.folder / self.name


class Claims:
    """The claims of one watcher on one inbox, with their heartbeat and the recovery of others'."""

    def __init__(self, inbox: Path, lease: float | None = None) -> None:
        self.inbox = Path(inbox)
        self.work = self.inbox / WORK_FOLDER
        self.lease = lease if lease is not None else lease_seconds()
        self.owner = Owner.current()
        self.held: dict[Path, Claim] = {}
        self._seen: dict[Path, tuple[object, float]] = {}  # others' beats and when they moved
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- claiming and letting go -------------------------------------------------------------

    def claim(self, path: Path) -> Claim | None:
        """Move a file into a new claim folder; None when another watcher took it first."""
        folder = self.work / uuid.uuid4().hex[:16]
        claim = Claim(folder, path.name, str(path.relative_to(self.inbox)))
        try:
            folder.mkdir(parents=True)
            self._write_lease(claim)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        with self._lock:
            self.held[folder] = claim
        try:
            move_file(path, claim.path)
            claim.sha256 = file_sha256(claim.path)
        except FileNotFoundError:
            self.release(claim)
            return None
        except OSError:
            self.release(claim)
            raise
        self._write_lease(claim)
        return claim

    def release(self, claim: Claim) -> None:
        """Forget a claim whose file has gone on (processed/, failed/, back to the inbox)."""
        with self._lock:
            self.held.pop(claim.folder, None)
        shutil.rmtree(claim.folder, ignore_errors=True)

    def give_back(self, claim: Claim) -> Path | None:
        """Put a claimed file back into the inbox (where it was when it can) and let go of it."""
        target = self._return_path(claim.origin, claim.name)
        try:
            move_file(claim.path, target)
        except FileNotFoundError:
            target = None
        except OSError as exc:  # a read-only or full inbox: the claim stays; recovered later
            log.warning("could not put %s back into the inbox: %s", claim.name, exc)
            with self._lock:
                self.held.pop(claim.folder, None)
            return None
        self.release(claim)
        return target

    def give_back_all(self) -> list[Path]:
        """Every claim still held goes back to the inbox (the watcher is stopping)."""
        with self._lock:
            held = list(self.held.values())
        return [p for claim in held if (p := self.give_back(claim)) is not None]

    def _return_path(self, origin: str, name: str) -> Path:
        """Where a file goes back: the inbox sub-folder it came from when that is still there."""
        folder = (self.inbox / origin).parent if origin else self.inbox
        inside = folder.resolve().is_relative_to(self.inbox.resolve())
        if not inside or not folder.is_dir() or WORK_FOLDER in Path(origin).parts:
            folder = self.inbox  # a lease is a file anyone could write: never leave the inbox
        return free_name(folder, name)

    # --- leases and heartbeat ----------------------------------------------------------------

    def _write_lease(self, claim: Claim) -> None:
        body = {"owner": asdict(self.owner), "file": claim.name, "origin": claim.origin,
                "sha256": claim.sha256, "beat": claim.beat,
                "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        partial = claim.folder / f".{LEASE_FILE}.{os.getpid()}.tmp"
        partial.write_text(json.dumps(body), encoding="utf-8")
        os.replace(partial, claim.folder / LEASE_FILE)

    def beat(self) -> None:
        """Raise the beat of every lease held (the heartbeat thread calls this)."""
        with self._lock:
            held = list(self.held.values())
        for claim in held:
            claim.beat += 1
            try:
                if claim.folder.is_dir():
                    self._write_lease(claim)
            except OSError as exc:  # read-only or full for now: try again at the next beat
                log.debug("lease of %s not renewed: %s", claim.name, exc)

    def start(self) -> Claims:
        """Start the heartbeat: every lease is renewed several times within its lease time."""
        interval = min(10.0, max(0.2, self.lease / 6))

        def run() -> None:
            while not self._stop.wait(interval):
                self.beat()

        self._thread = threading.Thread(target=run, name="lease-heartbeat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the heartbeat; the claims folder goes too when nothing is left in it."""
        self._stop.set()
        try:
            self.work.rmdir()
        except OSError:
            pass  # other watchers' claims, or none made

    # --- taking back what others abandoned ---------------------------------------------------

    def recover(self) -> list[Path]:
        """Put back into the inbox the claims whose owner is gone; returns the files returned."""
        returned: list[Path] = []
        try:
            folders = sorted(p for p in self.work.iterdir() if p.is_dir())
        except OSError:
            return returned
        self._seen = {f: seen for f, seen in self._seen.items() if f in folders}
        for folder in folders:
            with self._lock:
                if folder in self.held:
                    continue
            lease = _read_lease(folder)
            if self._abandoned(folder, lease):
                returned += self._take_back(folder, lease)
        return returned

    def _abandoned(self, folder: Path, lease: dict | None) -> bool:
        owner = _owner(lease)
        if owner is not None and owner.token == self.owner.token:
            return True  # ours, not being processed: left over from a failed move
        if owner is not None and owner.same_machine(self.owner):
            return not owner.process_alive()
        beat = lease.get("beat") if lease else None
        now = time.monotonic()
        seen = self._seen.get(folder)
        if seen is None or seen[0] != beat:
            self._seen[folder] = (beat, now)
            return False
        return now - seen[1] >= self.lease

    def _take_back(self, folder: Path, lease: dict | None) -> list[Path]:
        origin = (lease or {}).get("origin") or ""
        returned = []
        for item in sorted(folder.iterdir()):
            if item.name == LEASE_FILE or item.name.startswith(".") or not item.is_file():
                continue
            target = self._return_path(origin if Path(origin).name == item.name else "",
                                       item.name)
            try:
                move_file(item, target)  # atomic: of two watchers taking it back, one wins
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("could not take back %s: %s", item.name, exc)
                return returned
            returned.append(target)
        shutil.rmtree(folder, ignore_errors=True)
        self._seen.pop(folder, None)
        return returned


def _read_lease(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / LEASE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _owner(lease: dict | None) -> Owner | None:
    try:
        return Owner(**lease["owner"]) if lease else None
    except (TypeError, KeyError):
        return None


def recover_legacy(work: Path, inbox: Path) -> list[Path]:
    """Files an older version left in data/work/<sha256>/ go back into the inbox in use."""
    returned = []
    for path in sorted(work.glob("*/*")) if work.is_dir() else []:
        if path.is_file():
            try:
                target = free_name(inbox, path.name)
                move_file(path, target)
                returned.append(target)
                path.parent.rmdir()
            except OSError as exc:
                log.warning("could not return %s to the inbox: %s", path.name, exc)
    return returned
