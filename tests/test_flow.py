"""End to end through the Prefect flows and the CLI: files in, stored documents or reports out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pymupdf
import pytest
from typer.testing import CliRunner

from pipeline import queries, store
from pipeline.cli import app

PLAN = textwrap.dedent("""\
    ỦY BAN NHÂN DÂN
    XÃ TÂN HÒA
    Số: 15/KH-UBND
    Tân Hòa, ngày 10 tháng 3 năm 2024

    KẾ HOẠCH
    Thực hiện mục tiêu giảm nghèo năm 2024

    I. MỤC TIÊU
    - Phấn đấu giảm tỷ lệ hộ nghèo toàn xã xuống dưới 1,2% trong năm 2024.
    - 100% người thuộc hộ nghèo được hỗ trợ tham gia bảo hiểm y tế.

    II. TỔ CHỨC THỰC HIỆN
    1. Công chức Lao động - Thương binh và Xã hội:
    - Chủ trì tham mưu triển khai Kế hoạch; báo cáo kết quả trước ngày 15/12/2024.
    """)


def _run_flow(paths: list[Path]):
    from flows.process import process_documents

    return process_documents([str(p) for p in paths])


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_text_plan_is_stored_once(data_home, tmp_path):
    plan = _write(tmp_path / "kế hoạch xã Tân Hòa.txt", PLAN)
    first, = _run_flow([plan])
    assert first.status == "processed", first.error
    second, = _run_flow([plan])
    assert second.status == "duplicate"
    with store.session_scope(store.get_engine()) as session:
        docs = queries.query_documents(session)
        assert len(docs) == 1 and docs[0]["document"] == plan.name
        pages = queries.query_pages(session, docs[0]["id"])
        assert pages[0]["text"].startswith("ỦY BAN NHÂN DÂN")
        assert docs[0]["target_count"] >= 1


def _scan_pdf(path: Path, text: str) -> Path:
    from tests.scans import render_pages, write_image_pdf

    write_image_pdf(render_pages([text], dpi=200), path)
    return path


def test_scanned_pdf_is_ocrd_and_grounded(data_home, tmp_path):
    from flows.process import process_document

    scan = _scan_pdf(tmp_path / "bản quét.pdf", PLAN)
    outcome = process_document(str(scan))
    assert outcome.status == "processed", outcome.error
    with store.session_scope(store.get_engine()) as session:
        doc = queries.find_document(session, scan.name)
        page = queries.query_pages(session, doc.id)[0]
        assert page["source"] == "ocr" and page["confidence"] > 50
        assert "giảm nghèo" in page["text"]
        for target in queries.query_targets(session, document=scan.name):
            assert page["text"][target["char_start"]:target["char_end"]] == target["quote"]


def _bad_inputs(folder: Path) -> dict[str, str]:
    """Each bad input and the error code its report must carry."""
    (folder / "rỗng.txt").write_bytes(b"")
    good = pymupdf.open()
    good.new_page().insert_text((72, 72), "Ke hoach")
    data = good.tobytes()
    (folder / "cụt.pdf").write_bytes(data[: len(data) // 2])
    good.save(folder / "mật khẩu.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256,
              user_pw="u", owner_pw="o")
    (folder / "chương trình.exe").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(200))
    return {"rỗng.txt": "empty_file", "cụt.pdf": "corrupt_file",
            "mật khẩu.pdf": "encrypted_pdf", "chương trình.exe": "unsupported_type"}


def test_watcher_sets_bad_files_aside_and_keeps_going(data_home):
    from flows.watch import serve

    folders_inbox = data_home / "inbox"
    folders_inbox.mkdir()
    expected = _bad_inputs(folders_inbox)
    _write(folders_inbox / "kế hoạch tốt.txt", PLAN)
    old = time.time() - 60
    for path in folders_inbox.iterdir():
        os.utime(path, (old, old))
    rounds: list = []
    serve(interval=0, rounds=1, on_round=lambda outcomes, exc: rounds.append((outcomes, exc)))
    outcomes, exc = rounds[0]
    assert exc is None
    assert sorted(p.name for p in (data_home / "processed").iterdir()) == ["kế hoạch tốt.txt"]
    for name, code in expected.items():
        report = json.loads((data_home / "failed" / f"{name}.error.json").read_text("utf-8"))
        assert report["error"] == code, name
        assert report["message_vi"] and report["message_en"]
    assert list((data_home / "inbox").iterdir()) == []
    with store.session_scope(store.get_engine()) as session:
        assert [d["document"] for d in queries.query_documents(session)] == ["kế hoạch tốt.txt"]


def test_cli_ingest_exit_codes_and_reads(data_home, tmp_path):
    runner = CliRunner()
    plan = _write(tmp_path / "kế hoạch.txt", PLAN)
    result = runner.invoke(app, ["ingest", str(plan)])
    assert result.exit_code == 0, result.output
    empty = tmp_path / "rỗng.txt"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(plan), str(empty)])
    assert result.exit_code == 1
    assert "rỗng.txt" in result.output and "empty" in result.output.lower()
    assert (data_home / "failed" / "rỗng.txt.error.json").exists()

    result = runner.invoke(app, ["documents", "--format", "json"])
    docs = json.loads(result.stdout)
    assert [d["document"] for d in docs] == ["kế hoạch.txt"]
    result = runner.invoke(app, ["text", "kế hoạch.txt"])
    assert result.stdout.startswith("ỦY BAN NHÂN DÂN")
    result = runner.invoke(app, ["text", "không có"])
    assert result.exit_code == 2 and "plans documents" in result.output
    result = runner.invoke(app, ["targets", "--format", "json"])
    for row in json.loads(result.stdout):
        assert row["document"] == "kế hoạch.txt"
        assert {"indicator", "comparator", "value", "page", "char_start", "quote"} <= row.keys()


def test_kill_during_write_leaves_nothing(data_home):
    """A process killed after its rows were flushed but before commit stores nothing."""
    script = textwrap.dedent("""
        import os, signal
        from pipeline import records, store

        class Killer(records.Finding):
            @property
            def kind(self):
                os.kill(os.getpid(), signal.SIGKILL)
            @kind.setter
            def kind(self, value):
                pass

        engine = store.get_engine()
        page = records.Page(1, "Kế hoạch", "Kế hoạch", "plain")
        store.save_document(engine, sha256="c" * 64, file_name="x.txt", pages=[page],
                            extraction=None, findings=[Killer("k", "info", "m")])
    """)
    store.get_engine()  # schema exists before the child starts
    proc = subprocess.run([sys.executable, "-c", script], env=os.environ.copy(),
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == -9
    with store.session_scope(store.get_engine()) as session:
        assert queries.query_documents(session) == []


@pytest.mark.postgres
def test_flow_on_postgres(postgres_url, data_home, tmp_path, monkeypatch):
    monkeypatch.setenv("PLANS_DB_URL", postgres_url)
    plan = _write(tmp_path / "kế hoạch pg.txt", PLAN.replace("15/KH", "16/KH"))
    outcome, = _run_flow([plan])
    assert outcome.status == "processed", outcome.error
    with store.session_scope(store.get_engine(postgres_url)) as session:
        assert queries.find_document(session, plan.name).number == "16/KH-UBND"


def test_new_prefect_home_starts_from_the_machine_template(tmp_path, monkeypatch):
    from flows.server import TemporaryServer, database_template

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # start() sets it; restored after
    first, second = tmp_path / "first", tmp_path / "second"

    monkeypatch.setenv("PREFECT_HOME", str(first))
    server = TemporaryServer().start()
    assert server.new_database == first / "prefect.db"  # nothing to copy yet: migrated anew
    server.wait()
    server.stop()
    template = database_template()
    assert template.is_file() and template.stat().st_size > 100_000

    monkeypatch.setenv("PREFECT_HOME", str(second))
    server = TemporaryServer().start()
    assert server.new_database is None and (second / "prefect.db").is_file()
    server.wait()  # the copied database is one Prefect serves
    server.stop()


def test_prefetch_reads_ahead_and_hands_each_document_out_once(data_home, tmp_path):
    from flows.reading import Prefetch
    from pipeline import inbox

    plan = _write(tmp_path / "kế hoạch.txt", PLAN)
    broken = tmp_path / "hỏng.pdf"
    broken.write_bytes(b"%PDF-1.7 truncated")
    prefetch = Prefetch([str(broken), str(plan)]).start()
    sha = inbox.file_sha256(plan)
    deadline = time.monotonic() + 60
    while (future := prefetch.take(sha)) is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the read-ahead thread has not reached the file yet
    prefetch.stop()
    assert future is not None, "the readable plan was never read ahead"
    [page] = future.result()
    assert "KẾ HOẠCH" in page.text and page.number == 1
    assert prefetch.take(sha) is None  # handed out once: the flow reads it only once
    assert prefetch.take(inbox.file_sha256(broken)) is None  # bad files are left to the flow


def test_a_finished_ingest_leaves_after_the_exit_handlers_without_the_teardown(
        data_home, tmp_path, monkeypatch):
    import atexit

    import pipeline.cli as cli
    from pipeline.cli import processing

    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    events: list[tuple] = []

    class Left(Exception):
        pass

    def leave(seconds: float, code: int) -> None:
        if seconds == 0:  # the deadline thread's call (EXIT_GRACE_SECONDS) is left alone
            events.append(("left", code))
            raise Left

    monkeypatch.setitem(cli.options, "finished", False)
    monkeypatch.setattr(cli, "_leave_after", leave)
    monkeypatch.setattr(atexit, "_run_exitfuncs", lambda: events.append(("exit handlers",)))
    monkeypatch.setattr(processing, "_process", lambda files, force: [])  # nothing to store
    monkeypatch.setattr(sys, "argv", ["plans", "ingest", str(plan)])
    with pytest.raises(Left):
        cli.run()
    assert events == [("exit handlers",), ("left", 0)]

    # a command that did not finish its work (no such file) ends as Python ends
    events.clear()
    cli.options["finished"] = False
    monkeypatch.setattr(sys, "argv", ["plans", "ingest", str(tmp_path / "none.pdf")])
    with pytest.raises(SystemExit) as stopped:
        cli.run()
    assert stopped.value.code == 1 and events == []
