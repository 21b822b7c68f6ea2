"""The inbox folder: find files that are no longer being written, claim them, settle them.

Claiming is an atomic rename into data/work/<sha256>/, so two watchers never take one file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".error.json")


@dataclass
class Folders:
    """The data folder's layout."""

    home: Path

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def work(self) -> Path:
        return self.home / "work"

    @property
    def processed(self) -> Path:
        return self.home / "processed"

    @property
    def failed(self) -> Path:
        return self.home / "failed"

    def create(self) -> Folders:
        for folder in (self.inbox, self.work, self.processed, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_candidate(path: Path) -> bool:
    name = path.name
    return (path.is_file() and not path.is_symlink() and not name.startswith((".", "~$"))
            and not name.lower().endswith(PARTIAL_SUFFIXES))


def list_inbox(inbox: Path) -> list[Path]:
    """Files waiting in the inbox (sub-folders included), oldest first."""
    files = [p for p in inbox.rglob("*") if _is_candidate(p)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, str(p)))


def settled_files(inbox: Path, quiet_seconds: float = 2.0) -> list[Path]:
    """Files whose size and modification time have not changed for `quiet_seconds`.

    A file still being copied in keeps growing or being touched, so it waits for a later round.
    """
    first = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in list_inbox(inbox)}
    oldest = time.time() - quiet_seconds
    young = [p for p in first if p.stat().st_mtime > oldest]
    if young:
        time.sleep(min(quiet_seconds, max(0.0, max(p.stat().st_mtime for p in young) - oldest)))
    ready = []
    for path, before in first.items():
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # taken by another watcher meanwhile
        if (stat.st_size, stat.st_mtime_ns) == before and stat.st_mtime <= time.time() - quiet_seconds:
            ready.append(path)
    return ready


def claim(path: Path, folders: Folders) -> Path | None:
    """Move a file into its own work folder; None when another watcher got there first."""
    try:
        sha = file_sha256(path)
    except FileNotFoundError:
        return None
    target_dir = folders.work / sha
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


def _free_name(folder: Path, name: str) -> Path:
    candidate = folder / name
    stem, suffix, n = Path(name).stem, Path(name).suffix, 1
    while candidate.exists():
        candidate = folder / f"{stem} ({n}){suffix}"
        n += 1
    return candidate


def settle(claimed: Path, folders: Folders, *, error_report: dict | None = None) -> Path:
    """Move a claimed file to processed/ or, with its report beside it, to failed/."""
    folder = folders.failed if error_report else folders.processed
    destination = _free_name(folder, claimed.name)
    shutil.move(str(claimed), destination)
    if error_report:
        write_error_report(destination, error_report)
    try:
        claimed.parent.rmdir()
    except OSError:
        pass
    return destination


def set_aside_copy(path: Path, folders: Folders, report: dict) -> Path:
    """Copy a failed file that lives outside the inbox into failed/, with its report beside it."""
    destination = _free_name(folders.failed, path.name)
    shutil.copy2(path, destination)
    write_error_report(destination, report)
    return destination


def write_error_report(path: Path, report: dict) -> Path:
    """X.pdf.error.json beside the failed file: what went wrong and what to do next."""
    report_path = path.with_name(path.name + ".error.json")
    report_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report_path


def recover_abandoned(folders: Folders, older_than: float = 3600.0) -> list[Path]:
    """Put files left in work/ by a killed watcher back into the inbox."""
    returned = []
    cutoff = time.time() - older_than
    for path in folders.work.glob("*/*"):
        # the work folder's mtime is the claim time (the rename into it touched it)
        if path.is_file() and path.parent.stat().st_mtime < cutoff:
            destination = _free_name(folders.inbox, path.name)
            os.rename(path, destination)
            returned.append(destination)
    return returned
