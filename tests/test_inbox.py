"""The inbox: settled files only, atomic claims, reports beside failed files."""

from __future__ import annotations

import json
import os
import threading
import time

from pipeline import inbox


def test_growing_file_waits_for_a_later_round(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    done = folders.inbox / "xong.txt"
    done.write_text("Kế hoạch", encoding="utf-8")
    old = time.time() - 10
    os.utime(done, (old, old))
    growing = folders.inbox / "đang chép.txt"
    growing.write_text("Kế", encoding="utf-8")
    stop = threading.Event()

    def keep_writing() -> None:
        with open(growing, "a", encoding="utf-8") as handle:
            while not stop.is_set():
                handle.write(" hoạch")
                handle.flush()
                time.sleep(0.05)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        ready = inbox.settled_files(folders.inbox, quiet_seconds=0.5)
    finally:
        stop.set()
        writer.join()
    assert ready == [done]


def test_partial_and_hidden_files_are_ignored(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    for name in (".an.pdf", "tải.pdf.part", "~$bản.docx", "x.pdf.error.json"):
        (folders.inbox / name).write_bytes(b"x")
    assert inbox.list_inbox(folders.inbox) == []


def test_two_watchers_never_claim_the_same_file(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    files = []
    for n in range(20):
        path = folders.inbox / f"kế hoạch {n}.txt"
        path.write_text(f"Kế hoạch số {n}", encoding="utf-8")
        files.append(path)
    claims: list = []
    lock = threading.Lock()

    def watcher() -> None:
        for path in files:
            claimed = inbox.claim(path, folders)
            if claimed is not None:
                with lock:
                    claims.append(claimed)

    threads = [threading.Thread(target=watcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.name for p in claims) == sorted(p.name for p in files)
    assert list(folders.inbox.iterdir()) == []


def test_failed_file_gets_its_report_and_names_never_collide(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    reports = []
    for _ in range(2):
        source = folders.inbox / "hỏng.pdf"
        source.write_bytes(b"%PDF-1.7 broken")
        claimed = inbox.claim(source, folders)
        moved = inbox.settle(claimed, folders, error_report={"error": "corrupt_file"})
        reports.append(moved.with_name(moved.name + ".error.json"))
    assert [r.name for r in reports] == ["hỏng.pdf.error.json", "hỏng (1).pdf.error.json"]
    assert json.loads(reports[0].read_text(encoding="utf-8"))["error"] == "corrupt_file"
    assert list(folders.work.iterdir()) == []


def test_abandoned_claims_return_to_the_inbox(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    source = folders.inbox / "bị bỏ dở.txt"
    source.write_text("Kế hoạch", encoding="utf-8")
    claimed = inbox.claim(source, folders)
    assert inbox.recover_abandoned(folders, older_than=3600) == []
    old = time.time() - 7200
    os.utime(claimed.parent, (old, old))
    assert [p.name for p in inbox.recover_abandoned(folders, older_than=3600)] == ["bị bỏ dở.txt"]
