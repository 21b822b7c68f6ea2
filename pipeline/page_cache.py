"""Pages read from a file, kept as plain JSON so that the same bytes are OCR'd once.

An entry is `<cache>/<key>.json` with key = provenance.page_cache_key(sha256): the file's bytes
and everything that reads them, so a rebuilt model or another Tesseract never serves stale text.
Entries are checked field by field when loaded; a file someone writes there can at worst be
ignored, never run code (Prefect's result files name their own deserialiser, a pickle one
included, which is why the flow persists nothing through Prefect).

A lock per key (flock, released by the kernel when its holder dies) makes a second process that
reads the same bytes wait for the first and take its pages. The folder is bounded by
PLANS_PAGE_CACHE_MB: the entries used longest ago go first. PLANS_CACHE_DIR moves it (a folder
every worker can reach, for many machines).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from pipeline import records
from pipeline.faults import setting
from pipeline.provenance import CACHE_FORMAT

log = logging.getLogger(__name__)

_PAGE_FIELDS = {"number", "text", "raw_text", "source", "confidence", "text_mode", "offsets",
                "restore_confidence", "tables"}
_TABLE_FIELDS = {"box", "cells", "status", "image_size", "char_start", "char_end"}
_CELL_FIELDS = {"row", "col", "rowspan", "colspan", "char_start", "char_end", "box"}


def cache_dir() -> Path:
    """$PLANS_CACHE_DIR, or cache/pages in the data folder."""
    from pipeline.store import data_home

    configured = os.environ.get("PLANS_CACHE_DIR")
    return Path(configured) if configured else data_home() / "cache" / "pages"


def limit_bytes() -> int:
    return int(setting("PLANS_PAGE_CACHE_MB", 512.0) * 2**20)


def _entry(key: str) -> Path:
    return cache_dir() / f"{key}.json"


def _number(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _page(item: object) -> records.Page:
    """A Page from one JSON object, or ValueError: only plain fields of the expected types."""
    if not isinstance(item, dict) or set(item) != _PAGE_FIELDS:
        raise ValueError("page fields")
    offsets = item["offsets"]
    if not (isinstance(item["number"], int) and item["number"] >= 1
            and isinstance(item["text"], str) and isinstance(item["raw_text"], str)
            and item["source"] in records.PAGE_SOURCES and item["text_mode"] in records.TEXT_MODES
            and _number(item["confidence"]) and _number(item["restore_confidence"])
            and isinstance(offsets, list)
            and all(isinstance(o, list) and len(o) == 4 and all(isinstance(v, int) for v in o)
                    for o in offsets)):
        raise ValueError("page values")
    if not isinstance(item["tables"], list):
        raise ValueError("page tables")
    return records.Page(number=item["number"], text=item["text"], raw_text=item["raw_text"],
                        source=item["source"], confidence=item["confidence"],
                        text_mode=item["text_mode"], offsets=[tuple(o) for o in offsets],
                        restore_confidence=item["restore_confidence"],
                        tables=[_table(t) for t in item["tables"]])


def _ints(value, size: int, optional: bool = True) -> tuple[int, ...] | None:
    """A tuple of `size` integers from a JSON list (None allowed when optional)."""
    if value is None and optional:
        return None
    if not (isinstance(value, list) and len(value) == size
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise ValueError("integers")
    return tuple(value)


def _plain(value):
    """Numbers (numpy's too) as JSON integers, tuples as lists: what _table reads back."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | bool):
        return value
    return round(float(value))


def _table(item: object) -> records.PageTable:
    """A PageTable from one JSON object, or ValueError."""
    if not isinstance(item, dict) or set(item) != _TABLE_FIELDS or item["status"] not in (
            "rebuilt", "unreadable") or not isinstance(item["cells"], list):
        raise ValueError("table fields")
    cells = []
    for cell in item["cells"]:
        if not isinstance(cell, dict) or set(cell) != _CELL_FIELDS:
            raise ValueError("cell fields")
        numbers = _ints([cell[k] for k in ("row", "col", "rowspan", "colspan", "char_start",
                                           "char_end")], 6, optional=False)
        cells.append(records.TableCell(*numbers, box=_ints(cell["box"], 4)))
    start, end = _ints([item["char_start"], item["char_end"]], 2, optional=False)
    return records.PageTable(box=_ints(item["box"], 4), cells=cells, status=item["status"],
                             image_size=_ints(item["image_size"], 2), char_start=start,
                             char_end=end)


def load(key: str) -> list[records.Page] | None:
    """The cached pages of this key; None when absent or not a valid entry (then removed)."""
    path = _entry(key)
    try:
        data = json.loads(path.read_bytes())
        if data.get("format") != CACHE_FORMAT or data.get("key") != key:
            raise ValueError("another format or key")
        pages = [_page(item) for item in data["pages"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("page cache entry %s ignored: %s", path.name, exc)
        _remove(path)
        return None
    try:
        os.utime(path)  # used now: pruned last
    except OSError:
        pass
    return pages


def save(key: str, sha256: str, pages: list[records.Page]) -> None:
    """Write an entry atomically; a cache that cannot be written (full, read-only) is skipped."""
    path = _entry(key)
    body = {"format": CACHE_FORMAT, "key": key, "sha256": sha256,
            "pages": [{**{name: getattr(p, name) for name in _PAGE_FIELDS - {"tables"}},
                       "tables": [_plain(asdict(t)) for t in p.tables]} for p in pages]}
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        log.warning("page cache not written (%s)", exc)
        _remove(partial)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


@contextmanager
def key_lock(key: str) -> Iterator[None]:
    """Hold the lock of one key (other processes and threads wait); no lock if none can be made."""
    path = cache_dir() / f"{key}.lock"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        yield
        return
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        except OSError:
            yield  # a read-only or full cache folder: read without it
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:  # the holder before us removes the lock file: make sure we hold the one in place
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        _remove(path)
        os.close(fd)


def read_through(key: str, sha256: str, read: Callable[[], list[records.Page]], *,
                 refresh: bool = False) -> list[records.Page]:
    """Cached pages, or `read()` them (once, whoever else asks meanwhile) and keep them.

    `refresh`: read again even when an entry exists (`plans ingest --force`).
    """
    with key_lock(key):
        pages = None if refresh else load(key)
        if pages is None:
            pages = read()
            save(key, sha256, pages)
    prune()
    return pages


def prune(limit: int | None = None) -> int:
    """Remove the entries used longest ago until the folder is within its bound; returns bytes freed."""
    limit = limit_bytes() if limit is None else limit
    entries = []
    for path in cache_dir().glob("*.json"):
        try:
            stat = path.stat()
        except OSError:
            continue  # removed meanwhile by another process
        entries.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    freed = 0
    for _, size, path in sorted(entries):
        if total - freed <= limit:
            break
        _remove(path)
        freed += size
    return freed
