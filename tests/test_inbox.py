"""The inbox: settled files only, atomic claims held by leases, moves across filesystems,
reports beside failed files (short enough names), skipped links named."""

from __future__ import annotations

import errno
import json
import os
import threading
import time
from pathlib import Path

import pytest

from pipeline import claims, inbox


def _claims(folder: Path, lease: float = 60.0) -> claims.Claims:
    return claims.Claims(folder, lease=lease)


def test_growing_file_waits_for_a_later_round(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    done = folders.inbox / "xong.txt"
    done.write_text("Kế hoạch", encoding="utf-8")
    time.sleep(0.6)  # settled before the round
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


@pytest.mark.parametrize("pause, window", [(1.0, 3.0), (3.0, None)])
def test_slow_writer_is_not_taken_mid_write(tmp_path, monkeypatch, pause, window):
    """A line, then a pause, three times: never ready before the last line (None: the default)."""
    monkeypatch.delenv("PLANS_SETTLE_SECONDS")
    assert inbox.settle_seconds() >= 3 * 3.0  # the default outlasts a writer pausing 3 s
    folder = tmp_path / "inbox"
    folder.mkdir()
    path = folder / "chép chậm.txt"
    lines = [f"Dòng {n}: giảm tỷ lệ hộ nghèo xuống dưới {n},5%.\n" for n in range(4)]

    def write_slowly() -> None:
        with open(path, "w", encoding="utf-8") as handle:
            for n, line in enumerate(lines):
                if n:
                    time.sleep(pause)
                handle.write(line)
                handle.flush()

    writer = threading.Thread(target=write_slowly)
    writer.start()
    time.sleep(0.1)
    taken_with = []  # the content of the file each time it was found ready
    while writer.is_alive() or not taken_with:
        if inbox.settled_files(folder, window) == [path]:
            taken_with.append(path.read_text(encoding="utf-8"))
    writer.join()
    assert taken_with == ["".join(lines)]


def test_partial_hidden_and_linked_entries_are_skipped_and_links_named(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    for name in (".an.pdf", "tải.pdf.part", "~$bản.docx", "x.pdf.error.json"):
        (folders.inbox / name).write_bytes(b"x")
    (folders.inbox / "mật khẩu").symlink_to("/etc/passwd")
    (folders.inbox / "thư mục").symlink_to("/etc", target_is_directory=True)
    (folders.inbox / ".plans-work" / "abc").mkdir(parents=True)
    (folders.inbox / ".plans-work" / "abc" / "đang xử lý.pdf").write_bytes(b"x")
    files, skipped = inbox.scan_inbox(folders.inbox)
    assert files == []
    assert sorted((p.name, why) for p, why in skipped) == [
        ("mật khẩu", "symbolic link"), ("thư mục", "symbolic link to a folder")]


def test_a_folder_dropped_in_is_read_inside(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    (folders.inbox / "đợt 1" / "xã A").mkdir(parents=True)
    plan = folders.inbox / "đợt 1" / "xã A" / "kế hoạch.txt"
    plan.write_text("Kế hoạch", encoding="utf-8")
    assert inbox.list_inbox(folders.inbox) == [plan]


def test_two_watchers_never_claim_the_same_file(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    files = []
    for n in range(20):
        path = folders.inbox / f"kế hoạch {n}.txt"
        path.write_text(f"Kế hoạch số {n}", encoding="utf-8")
        files.append(path)
    claimed: list = []
    lock = threading.Lock()

    def watcher() -> None:
        mine = _claims(folders.inbox)
        for path in files:
            claim = mine.claim(path)
            if claim is not None:
                with lock:
                    claimed.append(claim)

    threads = [threading.Thread(target=watcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(c.name for c in claimed) == sorted(p.name for p in files)
    assert inbox.list_inbox(folders.inbox) == []
    assert all(c.path.read_text(encoding="utf-8").startswith("Kế hoạch số") for c in claimed)


def test_same_name_and_content_claimed_at_once_stay_two_files(tmp_path):
    """inbox/a/X and inbox/b/X with the same bytes: two claim folders, nothing overwritten."""
    folders = inbox.Folders(tmp_path).create()
    twins = []
    for sub in ("a", "b"):
        (folders.inbox / sub).mkdir()
        twins.append(folders.inbox / sub / "kế hoạch.pdf")
        twins[-1].write_bytes(b"%PDF-1.7 same bytes")
    barrier, claimed = threading.Barrier(2), []

    def take(path: Path) -> None:
        mine = _claims(folders.inbox)
        barrier.wait()
        claimed.append(mine.claim(path))

    threads = [threading.Thread(target=take, args=(p,)) for p in twins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({c.folder for c in claimed}) == 2
    assert all(c.path.read_bytes() == b"%PDF-1.7 same bytes" for c in claimed)
    assert claimed[0].sha256 == claimed[1].sha256


def test_failed_file_gets_its_report_and_names_never_collide(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    reports = []
    mine = _claims(folders.inbox)
    for _ in range(2):
        source = folders.inbox / "hỏng.pdf"
        source.write_bytes(b"%PDF-1.7 broken")
        claim = mine.claim(source)
        moved = inbox.settle(claim.path, folders, error_report={"error": "corrupt_file"})
        mine.release(claim)
        reports.append(moved.with_name(moved.name + ".error.json"))
    assert [r.name for r in reports] == ["hỏng.pdf.error.json", "hỏng (1).pdf.error.json"]
    report = json.loads(reports[0].read_text(encoding="utf-8"))
    assert report["error"] == "corrupt_file" and report["file"] == "hỏng.pdf"
    assert list(mine.work.iterdir()) == []


def test_a_250_character_name_gets_a_shortened_report(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    name = "k" * 246 + ".pdf"  # 250 characters: the file fits, "<name>.error.json" would not
    source = folders.inbox / name
    source.write_bytes(b"%PDF-1.7 broken")
    moved = inbox.settle(source, folders, error_report={"error": "corrupt_file"})
    assert moved.name == name
    [report] = folders.failed.glob("*.error.json")
    assert len(report.name.encode()) <= inbox.NAME_MAX and report.name.startswith("kkkk")
    assert json.loads(report.read_text(encoding="utf-8"))["file"] == name
    again = folders.inbox / name
    again.write_bytes(b"%PDF-1.7 broken again")
    second = inbox.settle(again, folders, error_report={"error": "corrupt_file"})
    assert second != moved and len(second.name.encode()) <= inbox.NAME_MAX
    assert len(list(folders.failed.glob("*.error.json"))) == 2


def test_move_across_filesystems_copies_then_deletes(tmp_path, monkeypatch):
    real_rename = os.rename
    crossings = []

    def rename(source, target):
        if Path(target).name.endswith(".partial") or Path(source).name.endswith(".partial"):
            return real_rename(source, target)  # within the target filesystem
        crossings.append(source)
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "rename", rename)
    source, target = tmp_path / "a.pdf", tmp_path / "b" / "a.pdf"
    target.parent.mkdir()
    source.write_bytes(b"%PDF-1.7 " + bytes(3_000_000))
    inbox.move_file(source, target)
    assert crossings and not source.exists() and target.read_bytes()[:8] == b"%PDF-1.7"
    assert [p.name for p in target.parent.iterdir()] == ["a.pdf"]  # no partial copy left

    lost = tmp_path / "lost.pdf"
    lost.write_bytes(b"x")
    real_unlink = os.unlink

    def unlink(path, *args, **kwargs):  # another watcher moved the source first
        if Path(path) == lost:
            real_unlink(path)
            raise FileNotFoundError(path)
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(FileNotFoundError):
        inbox.move_file(lost, tmp_path / "b" / "lost.pdf")
    assert not (tmp_path / "b" / "lost.pdf").exists()  # the loser keeps no copy


def test_claim_of_a_dead_process_goes_back_into_the_inbox_in_use(tmp_path):
    """A watcher killed mid-OCR: the next one (another --inbox than the default) recovers it."""
    custom = tmp_path / "hộp thư riêng"
    (custom / "xã B").mkdir(parents=True)
    source = custom / "xã B" / "bị bỏ dở.txt"
    source.write_text("Kế hoạch", encoding="utf-8")
    dead = _claims(custom)
    claim = dead.claim(source)
    lease = json.loads((claim.folder / claims.LEASE_FILE).read_text())
    lease["owner"]["pid"] = 2**22 + 7  # no such process on this machine
    (claim.folder / claims.LEASE_FILE).write_text(json.dumps(lease))
    with dead._lock:
        dead.held.clear()  # the killed watcher holds nothing any more
    restarted = _claims(custom)
    assert restarted.recover() == [source]  # back where it was, in the inbox in use
    assert source.read_text(encoding="utf-8") == "Kế hoạch"
    assert list(restarted.work.iterdir()) == []


def test_lease_of_another_machine_lapses_only_when_its_beat_stops(tmp_path):
    source = tmp_path / "kế hoạch.txt"
    source.write_text("Kế hoạch", encoding="utf-8")
    far = _claims(tmp_path, lease=1.0)
    claim = far.claim(source)
    lease = json.loads((claim.folder / claims.LEASE_FILE).read_text())
    lease["owner"]["host"] = "máy-khác"  # another machine: its processes cannot be looked up
    (claim.folder / claims.LEASE_FILE).write_text(json.dumps(lease))
    observer = _claims(tmp_path, lease=1.0)
    for beat in range(1, 6):  # the owner beats: never taken back
        assert observer.recover() == []
        lease["beat"] = beat
        (claim.folder / claims.LEASE_FILE).write_text(json.dumps(lease))
        time.sleep(0.4)
    assert observer.recover() == []  # the beat stops: seen standing still from now on
    time.sleep(1.2)
    assert observer.recover() == [source]


def test_a_live_long_ocr_is_never_taken_back(tmp_path):
    source = tmp_path / "dài.pdf"
    source.write_bytes(b"%PDF-1.7")
    owner = _claims(tmp_path, lease=1.0).start()
    claim = owner.claim(source)
    try:
        for other_host in (False, True):
            if other_host:  # seen from another machine: only the heartbeat vouches for it
                owner.owner = claims.Owner("máy-khác", "", "", 1, "")
                owner.beat()
            observer = _claims(tmp_path, lease=1.0)
            deadline = time.monotonic() + 3.0  # three lease times
            while time.monotonic() < deadline:
                assert observer.recover() == []
                time.sleep(0.2)
        assert claim.path.exists()
    finally:
        owner.stop()


def test_a_forged_lease_cannot_send_a_file_out_of_the_inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    source = folder / "x.txt"
    source.write_text("Kế hoạch", encoding="utf-8")
    mine = _claims(folder)
    claim = mine.claim(source)
    lease = json.loads((claim.folder / claims.LEASE_FILE).read_text())
    lease["origin"] = "../../ra ngoài/x.txt"
    (tmp_path / "ra ngoài").mkdir()
    (claim.folder / claims.LEASE_FILE).write_text(json.dumps(lease))
    with mine._lock:
        mine.held.clear()
    assert mine.recover() == [folder / "x.txt"]
    assert list((tmp_path / "ra ngoài").iterdir()) == []


def test_legacy_claims_of_data_work_go_to_the_inbox_in_use(tmp_path):
    folders = inbox.Folders(tmp_path).create()
    old = folders.work / ("a" * 64)
    old.mkdir(parents=True)
    (old / "cũ.pdf").write_bytes(b"%PDF")
    custom = tmp_path / "khác"
    custom.mkdir()
    assert claims.recover_legacy(folders.work, custom) == [custom / "cũ.pdf"]
