"""Failures of the machine told apart from failures of a file.

A database held by another writer, a full disk, a read-only folder or a damaged database file is
not the plan's fault: it becomes a typed error (pipeline.errors.EnvironmentFault) that blames the
lock or the disk, so the file is tried again instead of being set aside. Settings that bound the
waiting are read here too.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from pipeline import errors

_LOCKED = ("database is locked", "database table is locked", "database schema is locked")
_FULL = ("database or disk is full", "no space left on device", "disk full")
_READ_ONLY = ("readonly database", "read-only file system", "read-only transaction")
_CORRUPT = ("file is not a database", "database disk image is malformed")
# PostgreSQL SQLSTATEs: disk full, read-only transaction, lock not available, deadlock
_PG_STATES = {"53100": errors.StorageFull, "25006": errors.DataFolderReadOnly,
              "55P03": errors.DatabaseBusy, "40P01": errors.DatabaseBusy}


def setting(name: str, default: float) -> float:
    """A number from the environment (seconds, megabytes); the default when unset or unreadable."""
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value >= 0 else default


def db_lock_wait() -> float:
    """Seconds a write waits for another writer's lock, in all tries together."""
    return setting("PLANS_DB_LOCK_WAIT", 300.0)


def db_busy_timeout() -> float:
    """Seconds SQLite itself waits for a lock before one try gives up (its busy timeout)."""
    return setting("PLANS_DB_BUSY_TIMEOUT", 30.0)


def min_free_mb() -> float:
    """Free space the data folder's disk must keep; below it processing stops cleanly."""
    return setting("PLANS_MIN_FREE_MB", 100.0)


def _text(exc: BaseException) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().lower()


def _detail(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def is_lock_error(exc: BaseException) -> bool:
    """True for another writer holding the database (worth waiting and trying again)."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in ("55P03", "40P01"):
        return True
    return any(marker in _text(exc) for marker in _LOCKED)


def environment_fault(exc: BaseException, data_folder: Path | None = None) -> errors.PlanError | None:
    """The typed error for a failure of the machine; None when `exc` is about something else."""
    if isinstance(exc, errors.PlanError):
        return None if exc.blames_file else exc
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return errors.StorageFull(_detail(exc))
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return errors.DataFolderReadOnly(_detail(exc))
    state = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if state in _PG_STATES:
        return _PG_STATES[state](_detail(exc))
    text = _text(exc)
    for markers, kind in ((_LOCKED, errors.DatabaseBusy), (_FULL, errors.StorageFull),
                          (_READ_ONLY, errors.DataFolderReadOnly),
                          (_CORRUPT, errors.DatabaseCorrupt)):
        if any(marker in text for marker in markers):
            return kind(_detail(exc))
    if data_folder is not None and _nearly_full(data_folder, "disk i/o error" in text):
        return errors.StorageFull(_detail(exc))  # whatever broke, a full disk is the cause
    if data_folder is not None and read_only(data_folder):
        return errors.DataFolderReadOnly(f"{data_folder}: {_detail(exc)}")
    return None


def read_only(folder: Path) -> bool:
    """Whether `folder` cannot be written: a read-only mount, or no write permission."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)
    except OSError:
        return False


def _nearly_full(folder: Path, io_error: bool) -> bool:
    try:
        free = free_mb(folder)
    except OSError:
        return False
    return free < (min_free_mb() if io_error else 1.0)


def free_mb(folder: Path) -> float:
    """Free megabytes on the disk holding `folder` (or its nearest existing parent)."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free / 2**20


def check_free_space(folder: Path) -> None:
    """Raise StorageFull (or DataFolderReadOnly) before work starts on a disk that cannot take it.

    Below PLANS_MIN_FREE_MB free, work stops cleanly instead of failing half-way (Prefect's own
    database lives in the data folder too and fails in ways that are slow to surface).
    """
    if read_only(folder):
        raise errors.DataFolderReadOnly(str(folder))
    free, needed = free_mb(folder), min_free_mb()
    if free < needed:
        raise errors.StorageFull(f"{folder}: {free:.0f} MB free, {needed:.0f} MB needed "
                                 "(PLANS_MIN_FREE_MB)")
