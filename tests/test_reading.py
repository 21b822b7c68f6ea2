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


def test_ocr_goes_on_while_the_restoration_model_loads_and_the_pages_are_restored_after(
        tmp_path, monkeypatch):
    from pipeline import restore

    pdf = write_image_pdf([Image.new("L", (300, 300), 200) for _ in range(4)], tmp_path / "a.pdf",
                          dpi=150)
    real_model = restore.load_model()
    gate, ocr_done = threading.Event(), []

    def slow_model():  # a command's first seconds: the model is still loading
        gate.wait(timeout=60)
        return real_model

    def read(image: bytes, **_kwargs) -> scan.ScanRead:
        ocr_done.append(time.monotonic())
        return scan.ScanRead("Giam ty le ho ngheo xuong duoi 3% trong nam 2025.", 90.0)

    monkeypatch.setattr(restore, "load_model", slow_model)
    monkeypatch.setattr(reading, "_model_ready", threading.Event(), raising=False)
    monkeypatch.setattr(scan, "read_scan", read)
    with ThreadPoolExecutor(1) as reader:
        pages = reader.submit(reading.read_pages_now, pdf)
        try:
            deadline = time.monotonic() + 20
            while len(ocr_done) < 4 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(ocr_done) == 4  # every page OCR'd; no OCR thread waited for the model
            assert not pages.done()
        finally:
            gate.set()
        result = pages.result(timeout=60)
    assert [p.number for p in result] == [1, 2, 3, 4]
    assert all(p.text == "Giảm tỷ lệ hộ nghèo xuống dưới 3% trong năm 2025." for p in result)
    assert reading._model_ready.is_set()  # the next pages are restored in the OCR threads


def test_reading_ahead_starts_loading_the_restoration_model_before_any_page_is_read(
        tmp_path, monkeypatch):
    loads: list[str] = []
    monkeypatch.setattr(reading, "load_restore_model",
                        lambda: loads.append(threading.current_thread().name))
    monkeypatch.setattr(reading.Prefetch, "_run", lambda self: None)  # no file read at all
    reading.Prefetch([]).start()
    deadline = time.monotonic() + 10
    while not loads and time.monotonic() < deadline:
        time.sleep(0.02)
    assert loads == ["restore-model"]  # a thread of its own, not an OCR thread
