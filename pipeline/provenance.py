"""What produced a document's pages and records: the page cache's key and the `outdated` test.

`reading_fingerprint()` names everything that shapes the pages of a file (pipeline version,
restoration model, Tesseract's version and language data, the OCR and rendering settings); the
page cache is keyed on it, so a rebuilt model or another Tesseract never serves stale text.
`producer()` adds the extraction model: a stored document whose producer differs was made by an
older pipeline (`plans documents` marks it, `plans reprocess --outdated` redoes it).

Code changes are not hashed: bump PIPELINE_VERSION when a change alters pages or records.
Settings are every upper-case constant of pipeline.ocr and pipeline.ingest, found by name, so a
new setting enters the key without anyone remembering to add it.
"""

from __future__ import annotations

import hashlib
import json
import time
from functools import lru_cache
from pathlib import Path

PIPELINE_VERSION = "0.3.0"
CACHE_FORMAT = 2  # the layout of a page cache entry (pipeline/page_cache.py)


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False,
                                     default=str).encode()).hexdigest()


@lru_cache(maxsize=64)
def _file_hash(path: str, size: int, mtime_ns: int) -> str:
    """SHA-256 of a file, remembered while its size and time stay the same."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_hash(paths: list[Path], root: Path | None = None) -> str | None:
    """One short hash over files' names and contents; None when there are none."""
    parts = []
    for path in sorted(paths):
        stat = path.stat()
        name = str(path.relative_to(root)) if root else path.name
        parts.append((name, _file_hash(str(path), stat.st_size, stat.st_mtime_ns)))
    return _digest(parts)[:16] if parts else None


def _model_hash(directory: Path) -> str | None:
    if not directory.is_dir():
        return None
    return files_hash([p for p in directory.rglob("*") if p.is_file()], directory)


def _settings(module) -> dict:
    return {name: value for name, value in sorted(vars(module).items())
            if name.isupper() and isinstance(value, int | float | str | tuple | bool)}


_ENGINE: tuple[float, dict] | None = None
ENGINE_RECHECK_SECONDS = 60.0  # Tesseract upgraded under a running watcher counts within a minute


def _engine_identity() -> dict:
    """Tesseract's identity (two small subprocesses), asked at most once a minute."""
    global _ENGINE
    from pipeline import ocr

    now = time.monotonic()
    if _ENGINE is None or now - _ENGINE[0] > ENGINE_RECHECK_SECONDS:
        _ENGINE = (now, ocr.engine_identity())
    return _ENGINE[1]


def reading_fingerprint() -> dict:
    """Everything that shapes the pages read from a file."""
    from pipeline import ingest, ocr, restore_model

    engine = _engine_identity()
    return {
        "pipeline_version": PIPELINE_VERSION,
        "restore_model": _model_hash(restore_model.MODEL_DIR),
        "tesseract": engine["version"],
        "tessdata": files_hash([Path(p) for p in engine["languages"]]),
        "ocr_settings": _digest([_settings(ocr), _settings(ingest)])[:16],
    }


def producer_detail() -> dict:
    """The reading fingerprint and the extraction model: what made a stored document."""
    from pipeline.extract import nlp

    return {**reading_fingerprint(), "extraction_model": _model_hash(nlp.MODEL_DIR)}


def producer(detail: dict | None = None) -> str:
    """A short id of `producer_detail()`, stored with each document."""
    return _digest(detail if detail is not None else producer_detail())[:16]


def page_cache_key(sha256: str) -> str:
    """The key of a file's pages: its bytes and what reads them."""
    return _digest([CACHE_FORMAT, sha256, reading_fingerprint()])


def changes(stored: dict | None, current: dict | None = None) -> list[str]:
    """Which parts of the producer differ from what made a stored document (all when unknown)."""
    current = current if current is not None else producer_detail()
    if not stored:
        return ["pipeline_version"]
    return [key for key in current if stored.get(key) != current[key]]
