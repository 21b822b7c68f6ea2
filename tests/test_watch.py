"""The inbox watcher as a long-running service: files deleted or changed while they are processed,
a database held by another writer, an inbox on another filesystem, a read-only data folder,
SIGTERM and SIGKILL during OCR, its Prefect server going away, two watchers started together."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipeline import progress, queries, store
from tests.processes import process_env

ROOT = Path(__file__).resolve().parents[1]
PLAN = ("ỦY BAN NHÂN DÂN\nXÃ {name}\nSố: {n}/KH-UBND\n\nKẾ HOẠCH\nThực hiện mục tiêu giảm nghèo "
        "năm 2024\n\nI. MỤC TIÊU\n- Phấn đấu giảm tỷ lệ hộ nghèo toàn xã xuống dưới {n},2% "
        "trong năm 2024.\n")


def _plan(path: Path, n: int = 1, name: str = "TÂN HÒA") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PLAN.format(n=n, name=name), encoding="utf-8")
    return path


def _scan(path: Path, pages: int, start: int = 0) -> Path:
    from tests.scans import render_pages, write_image_pdf

    text = (ROOT / "data" / "samples" / "kh-xa-08.txt").read_text(encoding="utf-8")[start:]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_image_pdf(render_pages([text[i * 800:(i + 1) * 800] for i in range(pages)], dpi=200),
                    path)
    return path


def _serve(inbox_dir: Path | None = None, rounds: int = 1) -> tuple[list, list[str]]:
    from flows.watch import serve

    results, notes = [], []
    serve(str(inbox_dir) if inbox_dir else None, interval=0, rounds=rounds,
          on_round=lambda outcomes, exc: results.append((outcomes, exc)), on_note=notes.append,
          settle_seconds=0.2)
    return results, notes


def _stored_names() -> list[str]:
    with store.session_scope(store.get_engine()) as session:
        return sorted(d["document"] for d in queries.query_documents(session))


def _leftover_claims(folder: Path) -> list[Path]:
    return list((folder / ".plans-work").rglob("*")) if (folder / ".plans-work").exists() else []


# --- in the test process ---------------------------------------------------------------------


def test_inbox_on_another_filesystem(data_home, tmp_path, mount_tmpfs):
    share = mount_tmpfs(tmp_path / "share")
    assert share.stat().st_dev != data_home.stat().st_dev
    _plan(share / "xã A" / "kế hoạch.txt")
    [(outcomes, exc)], _ = _serve(share)
    assert exc is None and [o.status for o in outcomes] == ["processed"]
    assert (data_home / "processed" / "kế hoạch.txt").is_file()
    assert list(share.rglob("*.txt")) == [] and not (share / ".plans-work").exists()


def test_file_deleted_after_pick_up_fails_alone_with_a_report(data_home, monkeypatch):
    import flows.watch

    inbox = data_home / "inbox"
    gone, kept = _plan(inbox / "bị xóa.txt", 1), _plan(inbox / "còn lại.txt", 2)
    real = flows.watch.process_documents

    def delete_first(paths: list[str]):
        Path(next(p for p in paths if p.endswith("bị xóa.txt"))).unlink()
        return real(paths)

    monkeypatch.setattr(flows.watch, "process_documents", delete_first)
    [(outcomes, exc)], _ = _serve()
    assert exc is None
    assert {Path(o.path).name: o.status for o in outcomes} == {
        "bị xóa.txt": "failed", "còn lại.txt": "processed"}
    report = json.loads((data_home / "failed" / "bị xóa.txt.error.json").read_text("utf-8"))
    assert report["error"] == "file_vanished" and "deleted" in report["message_en"]
    assert _stored_names() == [kept.name] and not gone.exists()
    assert _leftover_claims(inbox) == []


def test_file_deleted_during_ocr_ends_alone_and_the_round_finishes(data_home):
    inbox = data_home / "inbox"
    scan = _scan(inbox / "bản quét.pdf", 3)
    _plan(inbox / "kế hoạch.txt")
    deleted: list[str] = []

    def delete_during_ocr(event: str, name: str, done: int, total: int) -> None:
        if event == "page" and name == scan.name and not deleted:
            for claimed in (inbox / ".plans-work").glob(f"*/{scan.name}"):
                claimed.unlink()
                deleted.append(str(claimed))

    progress.subscribe(delete_during_ocr)
    try:
        [(outcomes, exc)], notes = _serve()
    finally:
        progress.unsubscribe(delete_during_ocr)
    assert deleted and exc is None
    status = {Path(o.path).name: o.status for o in outcomes}
    assert status["kế hoạch.txt"] == "processed"
    if status[scan.name] == "processed":  # read through the handle it had open: stored whole
        assert any("deleted before it could be moved" in n for n in notes)
    else:
        assert (data_home / "failed" / f"{scan.name}.error.json").is_file()
    assert (data_home / "processed" / "kế hoạch.txt").is_file()
    assert _leftover_claims(inbox) == []


def test_file_changed_while_read_is_read_again_whole(data_home, monkeypatch):
    """A writer that goes on after the claim: the partial document is dropped, the file waits."""
    import flows.watch

    inbox = data_home / "inbox"
    plan = _plan(inbox / "chép dở.txt")
    extra = "- 100% người thuộc hộ nghèo được hỗ trợ tham gia bảo hiểm y tế năm 2024.\n"
    real = flows.watch.process_documents

    def writer_goes_on(paths: list[str]):
        outcomes = real(paths)
        with open(paths[0], "a", encoding="utf-8") as handle:
            handle.write(extra)
        return outcomes

    monkeypatch.setattr(flows.watch, "process_documents", writer_goes_on)
    [(outcomes, _)], _ = _serve()
    assert [(o.status, o.error["error"]) for o in outcomes] == [("postponed", "file_changed")]
    assert plan.read_text(encoding="utf-8").endswith(extra)  # back in the inbox, whole
    assert _stored_names() == []  # the document made from the partial file is gone
    monkeypatch.setattr(flows.watch, "process_documents", real)
    [(outcomes, _)], _ = _serve()
    assert [o.status for o in outcomes] == ["processed"]
    with store.session_scope(store.get_engine()) as session:
        doc = queries.find_document(session, plan.name)
        assert queries.query_pages(session, doc.id)[0]["text"].rstrip().endswith(extra.strip())


def test_one_file_under_two_names_at_once_is_stored_once(data_home):
    inbox = data_home / "inbox"
    first = _plan(inbox / "kế hoạch.txt")
    (inbox / "bản sao kế hoạch.txt").write_bytes(first.read_bytes())
    [(outcomes, exc)], _ = _serve()
    assert exc is None
    assert sorted(o.status for o in outcomes) == ["duplicate", "processed"]
    assert len(_stored_names()) == 1
    assert sorted(p.name for p in (data_home / "processed").iterdir()) == [
        "bản sao kế hoạch.txt", "kế hoạch.txt"]


def test_a_failing_file_with_a_250_character_name_and_the_others(data_home, tmp_path):
    """Its report (a shortened name) and the others' summary: one file never ends the command."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    long_name = "kế hoạch " + "x" * 237 + ".pdf"
    assert len(long_name) == 250
    broken = tmp_path / long_name
    broken.write_bytes(b"%PDF-1.7 truncated")
    good = _plan(tmp_path / "tốt.txt")
    result = CliRunner().invoke(app, ["ingest", str(broken), str(good)])
    assert result.exit_code == 1, result.output
    assert "processed: 1" in result.output and "failed: 1" in result.output
    [report] = (data_home / "failed").glob("*.error.json")
    assert len(report.name.encode()) <= 255
    assert json.loads(report.read_text(encoding="utf-8"))["file"] == long_name
    assert (data_home / "failed" / long_name).is_file() and _stored_names() == ["tốt.txt"]


def test_links_are_skipped_with_a_word_and_folders_are_read(data_home):
    inbox = data_home / "inbox"
    inbox.mkdir()
    (inbox / "mật khẩu").symlink_to("/etc/passwd")
    (inbox / "thư mục").symlink_to("/etc", target_is_directory=True)
    _plan(inbox / "đợt 1" / "a.txt", 1)
    _plan(inbox / "đợt 1" / "b.txt", 2, "AN PHÚ")
    results, notes = _serve(rounds=2)
    assert [o.status for o in results[0][0]] == ["processed", "processed"]
    assert sorted(n for n in notes if "skipped" in n) == [
        "bỏ qua / skipped mật khẩu: symbolic link",
        "bỏ qua / skipped thư mục: symbolic link to a folder"]  # once, not every round
    assert (inbox / "mật khẩu").is_symlink() and _stored_names() == ["a.txt", "b.txt"]


def _hold_write_lock(database: Path, seconds: float, started: threading.Event) -> None:
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("insert into alembic_version values ('lock')")
    started.set()
    time.sleep(seconds)
    connection.execute("ROLLBACK")
    connection.close()


def test_database_held_by_another_writer_is_waited_for(data_home, monkeypatch):
    monkeypatch.setenv("PLANS_DB_LOCK_WAIT", "20")
    monkeypatch.setenv("PLANS_DB_BUSY_TIMEOUT", "0.3")  # several tries, each waiting 0.3 s
    store.get_engine()
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock,
                              args=(data_home / "plans.db", 2.0, started))
    holder.start()
    started.wait()
    began = time.monotonic()
    _plan(data_home / "inbox" / "chờ khóa.txt")
    [(outcomes, exc)], _ = _serve()
    holder.join()
    assert exc is None and [o.status for o in outcomes] == ["processed"]
    assert time.monotonic() - began >= 1.5 and _stored_names() == ["chờ khóa.txt"]


def test_database_held_too_long_postpones_the_file_and_blames_the_lock(data_home, monkeypatch):
    monkeypatch.setenv("PLANS_DB_LOCK_WAIT", "1")
    monkeypatch.setenv("PLANS_DB_BUSY_TIMEOUT", "0.2")
    store.get_engine()
    started = threading.Event()
    holder = threading.Thread(target=_hold_write_lock,
                              args=(data_home / "plans.db", 6.0, started))
    holder.start()
    started.wait()
    plan = _plan(data_home / "inbox" / "khóa lâu.txt")
    [(outcomes, exc)], _ = _serve()
    assert exc is None
    [outcome] = outcomes
    assert (outcome.status, outcome.error["error"]) == ("postponed", "database_busy")
    assert "locked by another program" in outcome.error["message_en"]
    assert "internal" not in json.dumps(outcome.error).lower()
    assert plan.is_file() and list((data_home / "failed").iterdir()) == []  # not set aside
    holder.join()
    [(outcomes, _)], _ = _serve()  # the lock is gone: the next round stores it
    assert [o.status for o in outcomes] == ["processed"]


# --- in processes of their own: signals, the Prefect server, concurrent starts ---------------


def _env(home: Path, **extra: str) -> dict:
    return process_env(home, **{"PLANS_SETTLE_SECONDS": "0.3", "PLANS_WORKERS": "2", **extra})


_started: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_process_left_behind():
    """A test that fails half-way still stops the watchers it started (and their children)."""
    yield
    while _started:
        process = _started.pop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # its own process group
            process.wait(timeout=30)


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 - the child keeps writing into it
    process = subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args], cwd=ROOT, env=env,
                               stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    _started.append(process)
    return process


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_sigterm_and_sigkill_during_ocr_then_restart(tmp_path):
    """SIGTERM: the file goes back into the inbox in use, the server stops with the watcher.
    SIGKILL: the server dies too (the kernel tells it); a restart takes the claim back."""
    home, box = tmp_path / "data", tmp_path / "hộp thư"
    box.mkdir()
    env = _env(home)
    for start, sig in enumerate((signal.SIGTERM, signal.SIGKILL)):
        name = f"quét 4 trang {sig.name}.pdf"
        scan = _scan(tmp_path / name, 4, start)  # another scan: not in the page cache
        log = tmp_path / f"serve-{sig.name}.log"
        watcher = _start(["serve", "--inbox", str(box), "--interval", "0.5"], env, log)
        _wait_for(lambda log=log: "watching" in log.read_text(), 120, "the watcher to start")
        server = _children(watcher.pid)
        (box / name).write_bytes(scan.read_bytes())
        _wait_for(lambda name=name: list(box.glob(f".plans-work/*/{name}")), 60, "the claim")
        _wait_for(lambda: list((home / "cache").glob("pages/*.lock")), 60, "OCR to start")
        time.sleep(1.0)
        watcher.send_signal(sig)
        assert watcher.wait(timeout=60) == (0 if sig == signal.SIGTERM else -9)
        _wait_for(lambda server=server: not any(_alive(p) for p in server), 20,
                  f"the Prefect server to stop after {sig.name}")
        if sig == signal.SIGTERM:
            assert (box / scan.name).is_file() and _leftover_claims(box) == []
            assert "returned to the inbox" in log.read_text()
        else:
            assert list(box.glob(f".plans-work/*/{scan.name}"))  # stranded until a restart
    log = tmp_path / "restart.log"
    restart = _start(["serve", "--inbox", str(box), "--once", "--interval", "0"], env, log)
    assert restart.wait(timeout=300) == 0, log.read_text()
    assert "taken back" in log.read_text()
    assert sorted(p.name for p in (home / "processed").iterdir()) == [
        "quét 4 trang SIGKILL.pdf", "quét 4 trang SIGTERM.pdf"]  # returned, and taken back
    assert list(box.iterdir()) == []
    with store.session_scope(store.get_engine(f"sqlite:///{home / 'plans.db'}")) as session:
        assert [d["page_count"] for d in queries.query_documents(session)] == [4, 4]


@pytest.mark.slow
def test_prefect_server_going_away_is_restarted(tmp_path):
    home = tmp_path / "data"
    log = tmp_path / "serve.log"
    watcher = _start(["serve", "--interval", "0.5"], _env(home), log)
    try:
        _wait_for(lambda: "watching" in log.read_text(), 120, "the watcher to start")
        [server] = _children(watcher.pid)
        os.kill(server, signal.SIGKILL)
        _plan(home / "inbox" / "sau khi mất máy chủ.txt")
        _wait_for(lambda: (home / "processed" / "sau khi mất máy chủ.txt").exists(), 120,
                  "the file to be processed by a restarted server")
        assert "server was restarted" in log.read_text()
        assert watcher.poll() is None
    finally:
        watcher.terminate()
        watcher.wait(timeout=60)


def _bind(source: Path, target: Path, *options: str) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)
    done = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot bind-mount here (root needed): {done.stderr.strip()}")
    if options:  # a fresh bind mount has no writers yet, so it can be made read-only
        subprocess.run(["mount", "-o", ",".join(("remount", "bind", *options)), str(target)],
                       check=True)


@pytest.mark.slow
def test_read_only_data_folder_mid_run(tmp_path):
    """The watcher waits, saying why, and loses nothing; writable again, it goes on.

    The data folder is a bind mount, replaced mid-run by a read-only one (a remount of a
    folder with open databases is refused as busy).
    """
    real, home, box = tmp_path / "real", tmp_path / "data", tmp_path / "hộp thư"
    for folder in (real, home, box):
        folder.mkdir()
    _bind(real, home)
    log = tmp_path / "serve.log"
    watcher = _start(["serve", "--inbox", str(box), "--interval", "0.5"], _env(home), log)
    try:
        _wait_for(lambda: "watching" in log.read_text(), 120, "the watcher to start")
        _plan(box / "trước.txt", 1)
        _wait_for(lambda: (home / "processed" / "trước.txt").exists(), 120, "the first file")
        _bind(real, home, "ro")
        _plan(box / "trong lúc.txt", 2, "AN PHÚ")
        _wait_for(lambda: "read-only" in log.read_text(), 60, "a read-only message")
        time.sleep(3)
        assert watcher.poll() is None and (box / "trong lúc.txt").is_file()
        assert log.read_text().count("read-only") == 1  # said once, not every round
        _bind(real, home)
        _wait_for(lambda: (home / "processed" / "trong lúc.txt").exists(), 120,
                  "the file once the folder is writable again")
        assert watcher.poll() is None
    finally:
        watcher.terminate()
        watcher.wait(timeout=60)
        subprocess.run(["umount", "-l", str(home)], capture_output=True)


@pytest.mark.slow
def test_two_watchers_started_together_on_a_fresh_folder(tmp_path):
    """The schema-creation race: both start cleanly, every file is stored once."""
    home = tmp_path / "data"
    for n in range(4):
        _plan(home / "inbox" / f"kế hoạch {n}.txt", n + 1, f"XÃ {n}")
    env = _env(home)
    logs = [tmp_path / f"w{i}.log" for i in range(2)]
    watchers = [_start(["serve", "--once", "--interval", "0"], env, log) for log in logs]
    for watcher, log in zip(watchers, logs, strict=True):
        assert watcher.wait(timeout=300) == 0, log.read_text()
        assert "Cannot reach" not in log.read_text() and "Internal" not in log.read_text()
    assert sorted(p.name for p in (home / "processed").iterdir()) == [
        f"kế hoạch {n}.txt" for n in range(4)]
    with store.session_scope(store.get_engine(f"sqlite:///{home / 'plans.db'}")) as session:
        assert len(queries.query_documents(session)) == 4
