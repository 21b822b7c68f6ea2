"""The OCR pool across files: files hand their pages over one after another, and the next file's
pages are read while the last pages of the one before are still being read."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

import flows.reading as reading
from pipeline import scan
from tests.scans import write_image_pdf


def test_the_next_file_is_read_ahead_in_order_while_the_last_pages_of_one_are_read(
        tmp_path, monkeypatch):
    assert reading.WORKERS == 2  # tests/conftest.py
    files = []
    for name, shade in (("a.pdf", 200), ("b.pdf", 120)):
        # more pages than the pool holds (2 * WORKERS): a file's last pages wait for room
        pages = [Image.new("L", (300, 300), shade) for _ in range(6)]
        files.append(write_image_pdf(pages, tmp_path / name, dpi=150))
    handed: list[tuple[str, float]] = []  # (file, when) of each page given to the OCR pool
    read: dict[str, float] = {}  # file -> when its last page was read
    lock = threading.Lock()

    def which(image: bytes) -> str:
        with Image.open(io.BytesIO(image)) as page:
            return "a" if page.convert("L").getpixel((150, 150)) > 160 else "b"

    def slow_read(image: bytes, **_kwargs) -> scan.ScanRead:
        time.sleep(0.15)
        with lock:
            read[which(image)] = time.monotonic()
        return scan.ScanRead(f"Trang của {which(image)}", 90.0)

    pool = ThreadPoolExecutor(2)

    class Recording:
        def submit(self, function, number, image, *args):
            with lock:
                handed.append((which(image), time.monotonic()))
            return pool.submit(function, number, image, *args)

    monkeypatch.setattr(scan, "read_scan", slow_read)
    monkeypatch.setattr(reading, "ocr_pool", Recording)
    with ThreadPoolExecutor(2) as files_at_once:  # two files read at the same time, as tasks
        first = files_at_once.submit(reading.read_pages_now, files[0])
        second = files_at_once.submit(reading.read_pages_now, files[1])
        results = [first.result(timeout=60), second.result(timeout=60)]
    pool.shutdown()

    assert [len(pages) for pages in results] == [6, 6]
    assert [p.raw_text for p in results[0]] == ["Trang của a"] * 6
    order = [name for name, _ in handed]
    first_file, second_file = order[0], order[-1]
    assert order == [first_file] * 6 + [second_file] * 6  # in turn, not page by page in lockstep
    second_starts = min(when for name, when in handed if name == second_file)
    assert second_starts < read[first_file]  # read ahead: not after the first file is read
