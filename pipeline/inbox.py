"""The inbox folder: find files that are no longer being written, move them, settle them.

A file is ready once it has not changed for the settle window (PLANS_SETTLE_SECONDS, 10 s by
default: a writer that pauses a few seconds between lines is not caught mid-write). Watchers
claim ready files through pipeline/claims.py. Moves work across filesystems (an inbox on another
disk or a share): a rename where it can, else a copy under a temporary name, flushed and renamed
into place, and only then the source removed, so a file is never half-moved or lost.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from pipeline.faults import setting

PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download", ".error.json")
NAME_MAX = 255  # bytes in one file name on the usual filesystems
REPORT_SUFFIX = ".error.json"


@dataclass
class Folders:
    """The data folder's layout."""

    home: Path

    @property
    def inbox(self) -> Path:
        return self.home / "inbox"

    @property
    def work(self) -> Path:
        """Where versions before leases kept claimed files (recovered at start, then unused)."""
        return self.home / "work"

    @property
    def processed(self) -> Path:
        return self.home / "processed"

    @property
    def failed(self) -> Path:
        return self.home / "failed"

    def create(self) -> Folders:
        for folder in (self.inbox, self.processed, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def settle_seconds() -> float:
    """How long a file must stay unchanged before it is taken (PLANS_SETTLE_SECONDS)."""
    return setting("PLANS_SETTLE_SECONDS", 10.0)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ignored(name: str) -> bool:
    """Hidden files, Office lock files and downloads in progress are never taken."""
    return name.startswith((".", "~$")) or name.lower().endswith(PARTIAL_SUFFIXES)


def scan_inbox(inbox: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files waiting in the inbox (sub-folders included), oldest first, and what was skipped.

    Links are never followed (a link to /etc/passwd or to a folder is skipped and named, with
    the reason); hidden folders, the claims' .plans-work among them, are not looked into.
    """
    files: list[tuple[float, str, Path]] = []
    skipped: list[tuple[Path, str]] = []
    for root, folders, names in os.walk(inbox, followlinks=False):
        here = Path(root)
        for name in list(folders):
            if name.startswith("."):
                folders.remove(name)
            elif (here / name).is_symlink():
                skipped.append((here / name, "symbolic link to a folder"))
        for name in names:
            path = here / name
            if _ignored(name):
                continue
            try:
                stat = path.lstat()
            except FileNotFoundError:
                continue  # taken by another watcher meanwhile
            if path.is_symlink():
                skipped.append((path, "symbolic link"))
            elif not path.is_file():
                skipped.append((path, "not a regular file"))
            else:
                files.append((stat.st_mtime, str(path), path))
    return [path for _, _, path in sorted(files)], skipped


def list_inbox(inbox: Path) -> list[Path]:
    """Files waiting in the inbox, oldest first."""
    return scan_inbox(inbox)[0]


def _last_change(stat: os.stat_result) -> float:
    return max(stat.st_mtime, stat.st_ctime)  # ctime: also a rename or a copy that kept mtime


def settled_files(inbox: Path, quiet_seconds: float | None = None) -> list[Path]:
    """Files whose size and times have not changed for the settle window.

    A file still being written keeps changing, so it waits for a later round; when the
    youngest file could settle within the window, this waits for it.
    """
    quiet = settle_seconds() if quiet_seconds is None else quiet_seconds
    first = {}
    for path in list_inbox(inbox):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        first[path] = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, _last_change(stat))
    youngest = max((s[3] for s in first.values()), default=0.0)
    wait = youngest + quiet - time.time()
    if 0 < wait <= quiet:
        time.sleep(wait)
    ready = []
    for path, before in first.items():
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # taken by another watcher meanwhile
        now = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, _last_change(stat))
        if now == before and now[3] <= time.time() - quiet:
            ready.append(path)
    return ready


def move_file(source: Path, target: Path) -> None:
    """Move a file, also to another filesystem (copy, flush, rename, then remove the source).

    Raises FileNotFoundError when the source is gone, including when another process moved it
    first while this one copied (the copy is then removed: the file has one owner).
    """
    try:
        os.rename(source, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    partial = target.with_name(f".{uuid.uuid4().hex}.partial")
    try:
        with open(source, "rb") as reader, open(partial, "xb") as writer:
            shutil.copyfileobj(reader, writer, 1 << 20)
            writer.flush()
            os.fsync(writer.fileno())
        shutil.copystat(source, partial)
        os.rename(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    try:
        os.unlink(source)
    except FileNotFoundError:
        target.unlink(missing_ok=True)  # another mover won the file: ours is a spare copy
        raise


def fit_name(name: str, extra: str = "") -> str:
    """`name`, shortened (with a hash of the whole) so that name + extra fits in a file name."""
    if len((name + extra).encode()) <= NAME_MAX:
        return name
    suffix = Path(name).suffix if len(Path(name).suffix) <= 16 else ""
    tag = "~" + hashlib.sha256(name.encode()).hexdigest()[:8]
    room = NAME_MAX - len((tag + suffix + extra).encode())
    stem = name[: len(name) - len(suffix)].encode()[:room].decode(errors="ignore")
    return stem + tag + suffix


def free_name(folder: Path, name: str) -> Path:
    """A path in `folder` for `name` that nothing uses yet ("X (1).pdf" ...), never too long."""
    candidate = folder / fit_name(name)
    stem, suffix, n = Path(name).stem, Path(name).suffix, 1
    while candidate.exists():
        candidate = folder / fit_name(f"{stem} ({n}){suffix}")
        n += 1
    return candidate


def settle(claimed: Path, folders: Folders, *, error_report: dict | None = None) -> Path | None:
    """Move a claimed file to processed/ or, with its report beside it, to failed/.

    None when the file is no longer there (deleted while it was processed); a failed file's
    report is written all the same.
    """
    folder = folders.failed if error_report else folders.processed
    destination = free_name(folder, claimed.name)
    try:
        move_file(claimed, destination)
    except FileNotFoundError:
        if error_report:
            write_error_report(destination, error_report)
        return None
    if error_report:
        write_error_report(destination, error_report)
    return destination


def set_aside_copy(path: Path, folders: Folders, report: dict) -> Path:
    """Copy a failed file that lives outside the inbox into failed/, with its report beside it."""
    destination = free_name(folders.failed, path.name)
    try:
        shutil.copy2(path, destination)
    except FileNotFoundError:
        pass  # the report alone says what happened
    write_error_report(destination, report)
    return destination


def write_error_report(path: Path, report: dict) -> Path:
    """X.pdf.error.json beside the failed file: what went wrong and what to do next."""
    report_path = path.with_name(fit_name(path.name, REPORT_SUFFIX) + REPORT_SUFFIX)
    body = {"file": path.name, **report}
    report_path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return report_path


def find_original(sha256: str, source_path: str | None, file_name: str,
                  processed: Path) -> Path | None:
    """The file a stored document was made from: where it was processed, or in processed/."""
    stem, suffix = Path(file_name).stem, Path(file_name).suffix
    candidates = [Path(source_path)] if source_path else []
    candidates += [processed / file_name, *sorted(processed.glob(f"{stem} (*){suffix}"))]
    for path in candidates:
        try:
            if path.is_file() and file_sha256(path) == sha256:
                return path
        except OSError:
            continue
    return None
