"""The store and the caches under trial: processes started together on a new database (SQLite and
PostgreSQL), a failed migration, a damaged or full database, the same bytes under two names at
once, stale pages and `--force`, forged cache entries and result files, stable ids across
re-processing, documents made by an older pipeline, and the incremental cross-document audit."""

from __future__ import annotations

import fcntl
import importlib.metadata
import json
import os
import pickle
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from pipeline import database, errors, page_cache, provenance, queries, records, store
from pipeline.cli import app
from tests.processes import process_env

ROOT = Path(__file__).resolve().parents[1]
PLAN = ("ỦY BAN NHÂN DÂN\nXÃ {name}\nSố: {n}/KH-UBND\n\nKẾ HOẠCH\nThực hiện mục tiêu giảm nghèo "
        "năm 2024\n\nI. MỤC TIÊU\n- Phấn đấu giảm tỷ lệ hộ nghèo toàn xã xuống dưới {n},2% "
        "trong năm 2024.\n- 100% người thuộc hộ nghèo được hỗ trợ tham gia bảo hiểm y tế.\n\n"
        "II. TỔ CHỨC THỰC HIỆN\n1. Công chức Lao động - Thương binh và Xã hội:\n- Chủ trì tham mưu "
        "triển khai Kế hoạch; báo cáo kết quả trước ngày 15/12/2024.\n")


def _plan(path: Path, n: int = 1, name: str = "TÂN HÒA") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PLAN.format(n=n, name=name), encoding="utf-8")
    return path


def _python(code: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


_MIGRATE = "import sys; from pipeline import store; print(store.migrate(store.get_engine(sys.argv[1])))"


# --- processes started together on a new database ---------------------------------------------


def test_processes_migrating_a_new_sqlite_database_take_turns(tmp_path):
    for attempt in range(4):
        url = f"sqlite:///{tmp_path / f'try{attempt}' / 'plans.db'}"
        starts = [subprocess.Popen([sys.executable, "-c", _MIGRATE, url], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                  for _ in range(2)]
        for process in starts:
            output = process.communicate(timeout=120)[0]
            assert process.returncode == 0 and output.strip() == store.SCHEMA_REVISION, output


def test_the_migration_waits_for_the_lock_beside_the_sqlite_file(tmp_path):
    database = tmp_path / "plans.db"
    lock = open(tmp_path / "plans.db.migrate.lock", "a")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX)  # another process migrating
    waiting = subprocess.Popen([sys.executable, "-c", _MIGRATE, f"sqlite:///{database}"],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    time.sleep(3)
    assert waiting.poll() is None  # it waits instead of racing
    lock.close()
    assert waiting.communicate(timeout=120)[0].strip() == store.SCHEMA_REVISION


@pytest.mark.postgres
def test_processes_migrating_a_new_postgres_database_take_turns(postgres_server):
    import psycopg

    admin = postgres_server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    for attempt in range(3):
        name = f"plans_race_{attempt}_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        url = f"{postgres_server}/{name}"
        starts = [subprocess.Popen([sys.executable, "-c", _MIGRATE, url], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                  for _ in range(2)]
        for process in starts:
            output = process.communicate(timeout=120)[0]
            assert process.returncode == 0 and output.strip() == store.SCHEMA_REVISION, output


def test_a_failed_migration_says_so_not_that_the_database_is_unreachable(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    engine = store.get_engine(url)
    with engine.begin() as connection:  # a database from a newer program, or a broken one
        connection.execute(text("update alembic_version set version_num = '9999'"))
    database._ENGINES.pop((url, False))
    with pytest.raises(errors.MigrationFailed) as caught:
        store.get_engine(url)
    assert caught.value.exit_code == 6 and "schema" in caught.value.message
    monkeypatch.setenv("PLANS_DB_URL", url)
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 6 and "Cannot reach" not in result.output


def test_a_damaged_database_is_named(tmp_path, monkeypatch):
    home = tmp_path / "data"
    home.mkdir()
    (home / "plans.db").write_bytes(os.urandom(8192))
    monkeypatch.setenv("PLANS_HOME", str(home))
    monkeypatch.delenv("PLANS_DB_URL", raising=False)
    plan = _plan(tmp_path / "kế hoạch.txt")
    for args in (["documents"], ["ingest", str(plan)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 4, result.output
        assert "damaged" in result.output and "Internal" not in result.output


def _fill(folder: Path) -> None:
    """Write zeros into the folder until its disk is full."""
    with open(folder / "filler", "wb") as handle:
        try:
            while True:
                handle.write(bytes(1 << 16))
                handle.flush()
        except OSError:
            pass


@pytest.mark.slow
def test_a_full_disk_stops_ingest_with_a_clear_message(tmp_path, mount_tmpfs):
    """Nearly full at the start: refused at once. Full in the middle of OCR: stops, says why."""
    from tests.scans import render_pages, write_image_pdf

    plan = _plan(tmp_path / "in" / "kế hoạch.txt")
    text_ = (ROOT / "data" / "samples" / "kh-xa-08.txt").read_text(encoding="utf-8")
    scan = tmp_path / "in" / "bản quét.pdf"
    write_image_pdf(render_pages([text_[i * 700:(i + 1) * 700] for i in range(4)], dpi=200), scan)
    command = [sys.executable, "-m", "pipeline.cli", "ingest", str(scan), str(plan)]
    home = mount_tmpfs(tmp_path / "small", "8m")
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=process_env(home / "data"), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == errors.StorageFull.exit_code and "disk is full" in done.stderr
    assert time.monotonic() - started < 60

    home = mount_tmpfs(tmp_path / "fills", "48m")
    ingest = subprocess.Popen(command, cwd=ROOT, env=process_env(home / "data", PLANS_MIN_FREE_MB="0"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list((home / "data" / "cache").glob("pages/*.lock")):  # OCR has started
        assert ingest.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    _fill(home)
    started = time.monotonic()
    _, stderr = ingest.communicate(timeout=300)
    assert ingest.returncode == errors.StorageFull.exit_code, stderr[-2000:]
    assert "disk is full" in stderr and "Internal error" not in stderr
    assert time.monotonic() - started < 240  # stops: no hang in Prefect's exit handlers


# --- the same bytes under two names, at once ---------------------------------------------------


@pytest.mark.slow
def test_same_bytes_under_two_names_in_two_ingests_at_once(tmp_path):
    """Stored once, OCR'd once (the second process waits for the first one's pages), one id."""
    from tests.scans import render_pages, write_image_pdf

    text = (ROOT / "data" / "samples" / "kh-xa-08.txt").read_text(encoding="utf-8")
    first = tmp_path / "bản gốc.pdf"
    write_image_pdf(render_pages([text[i * 700:(i + 1) * 700] for i in range(3)], dpi=200), first)
    second = tmp_path / "bản sao.pdf"
    second.write_bytes(first.read_bytes())
    wrappers, calls = tmp_path / "bin", tmp_path / "tesseract-calls.log"
    wrappers.mkdir()
    real = subprocess.run(["which", "tesseract"], capture_output=True, text=True).stdout.strip()
    (wrappers / "tesseract").write_text(f'#!/bin/sh\necho "$*" >> "{calls}"\nexec {real} "$@"\n')
    (wrappers / "tesseract").chmod(0o755)
    env = process_env(tmp_path / "data", PATH=f"{wrappers}:{os.environ['PATH']}")
    ingests = [subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ingest", str(path)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for path in (first, second)]
    outputs = [p.communicate(timeout=600)[0] for p in ingests]
    log = tmp_path / "data" / "prefect" / "server.log"
    assert [p.returncode for p in ingests] == [0, 0], "\n---\n".join(
        [*outputs, log.read_text(errors="replace")[-3000:] if log.exists() else ""])
    reads = [line for line in calls.read_text().splitlines() if "--psm 3" in line]
    assert len(reads) == 3, reads  # one Tesseract pass per page, not two
    with store.session_scope(store.get_engine(f"sqlite:///{tmp_path / 'data' / 'plans.db'}")) \
            as session:
        [doc] = queries.query_documents(session)
    assert doc["id"] == 1 and doc["document"] in (first.name, second.name)


# --- stale pages, --force, stable ids, outdated documents --------------------------------------


def _ids(session) -> dict:
    return {"documents": [d["id"] for d in queries.query_documents(session)],
            "targets": [t["id"] for t in queries.query_targets(session)],
            "responsibilities": [r["id"] for r in queries.query_responsibilities(session)],
            "deadlines": [d["id"] for d in queries.query_deadlines(session)]}


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The files actually read (OCR'd or decoded) rather than taken from the page cache."""
    import flows.reading

    done: list[str] = []
    real = flows.reading.read_pages_now

    def counting(path: Path):
        done.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(flows.reading, "read_pages_now", counting)
    return done


def test_force_reads_again_and_keeps_every_id(data_home, tmp_path, reads):
    plans = [_plan(tmp_path / "a.txt", 1), _plan(tmp_path / "b.txt", 2, "AN PHÚ")]
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", *map(str, plans)]).exit_code == 0
    with store.session_scope(store.get_engine()) as session:
        before = _ids(session)
    assert sorted(reads) == ["a.txt", "b.txt"] and all(before.values())
    assert runner.invoke(app, ["ingest", *map(str, plans)]).exit_code == 0  # already stored
    assert len(reads) == 2
    result = runner.invoke(app, ["ingest", "--force", *map(str, plans)])
    assert result.exit_code == 0, result.output
    assert sorted(reads[2:]) == ["a.txt", "b.txt"]  # read again, not from the page cache
    with store.session_scope(store.get_engine()) as session:
        assert _ids(session) == before


def test_pages_of_another_pipeline_are_never_served(data_home, tmp_path, reads, monkeypatch):
    plan = _plan(tmp_path / "a.txt")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(plan)]).exit_code == 0
    from pipeline import inbox

    key = provenance.page_cache_key(inbox.file_sha256(plan))
    monkeypatch.setattr(provenance, "PIPELINE_VERSION", "9.9.9")  # a new pipeline
    assert provenance.page_cache_key(inbox.file_sha256(plan)) != key
    with store.session_scope(store.get_engine()) as session:
        before = _ids(session)
    assert runner.invoke(app, ["ingest", str(plan)]).exit_code == 0  # stored by an older one
    assert reads == ["a.txt", "a.txt"]  # read again: its cached pages were keyed on 0.2.0
    with store.session_scope(store.get_engine()) as session:
        assert _ids(session) == before
        assert queries.find_document(session, "a.txt").producer == provenance.producer()


def test_outdated_documents_are_listed_and_processed_again(data_home, tmp_path):
    plans = [_plan(tmp_path / "a.txt", 1), _plan(tmp_path / "b.txt", 2, "AN PHÚ")]
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", *map(str, plans)]).exit_code == 0
    engine = store.get_engine()
    with store.session_scope(engine) as session:
        before = _ids(session)
        session.execute(text("update document set producer = null, pipeline_version = '0.1.0' "
                             "where file_name = 'a.txt'"))  # stored by an older pipeline
    listed = json.loads(runner.invoke(app, ["documents", "--format", "json"]).stdout)
    assert [(d["document"], d["outdated"]) for d in listed] == [("a.txt", True), ("b.txt", False)]
    result = runner.invoke(app, ["reprocess", "--outdated", "--dry-run"])
    assert result.exit_code == 0 and "a.txt" in result.output and "b.txt" not in result.output
    result = runner.invoke(app, ["reprocess", "--outdated"])
    assert result.exit_code == 0, result.output
    listed = json.loads(runner.invoke(app, ["documents", "--format", "json"]).stdout)
    assert [d["outdated"] for d in listed] == [False, False]
    with store.session_scope(engine) as session:
        assert _ids(session) == before
    plans[1].unlink()  # its original is gone: said, not guessed
    with store.session_scope(engine) as session:
        session.execute(text("update document set producer = null where file_name = 'b.txt'"))
    result = runner.invoke(app, ["reprocess", "--outdated"])
    assert result.exit_code == 1 and "original file not found" in result.output


def test_changed_records_get_new_ids_and_equal_ones_keep_theirs(data_home):
    quote_a, quote_b = "dưới 1,5%", "dưới 2,5%"
    text_ = f"Tỷ lệ hộ nghèo {quote_a} năm 2024. Hộ cận nghèo {quote_b} năm 2024."
    page = records.Page(1, text_, text_, "plain")

    def target(quote: str, value: float) -> records.TargetRecord:
        start = text_.index(quote)
        grounding = records.Grounding(1, start, start + len(quote), quote)
        return records.TargetRecord("poverty_rate", None, "hộ nghèo", "<", value, None, None,
                                    "%", "2024", None, grounding)

    engine = store.get_engine()

    def save(*targets):
        return store.store_document(engine, sha256="e" * 64, file_name="x.txt", pages=[page],
                                    extraction=records.Extraction(records.DocumentFacts(),
                                                                  list(targets)), findings=[])

    assert save(target(quote_a, 1.5), target(quote_b, 2.5))[1] == "created"
    with store.session_scope(engine) as session:
        first = {t["quote"]: t["id"] for t in queries.query_targets(session)}
    assert save(target(quote_a, 1.5), target(quote_b, 3.0))[1] == "updated"
    with store.session_scope(engine) as session:
        second = {t["quote"]: (t["id"], t["value"]) for t in queries.query_targets(session)}
    assert second[quote_a] == (first[quote_a], 1.5)  # the same record keeps its id
    assert second[quote_b][0] != first[quote_b] and second[quote_b][1] == 3.0
    assert store.store_document(engine, sha256="e" * 64, file_name="y.txt", pages=[page],
                                extraction=None, findings=[], force=False)[1] == "unchanged"


# --- the page cache: checked JSON, bounded; no Prefect result files ----------------------------


def _pages() -> list[records.Page]:
    return [records.Page(1, "Kế hoạch giảm nghèo", "Ke hoach giam ngheo", "ocr", 91.5,
                         "accent_stripped", [(0, 8, 0, 8)], 0.9)]


def test_page_cache_entries_are_plain_checked_json(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANS_CACHE_DIR", str(tmp_path / "cache"))
    read: list[int] = []

    def reader():
        read.append(1)
        return _pages()

    key = "k" * 64
    assert page_cache.read_through(key, "s" * 64, reader) == _pages()
    assert page_cache.read_through(key, "s" * 64, reader) == _pages() and len(read) == 1
    entry = tmp_path / "cache" / f"{key}.json"
    valid = json.loads(entry.read_text())
    forged = [pickle.dumps(_pages()), b"{not json",
              json.dumps({**valid, "pages": [{**valid["pages"][0], "number": "1"}]}).encode(),
              json.dumps({**valid, "pages": [{**valid["pages"][0], "__reduce__": "os.system"}]})
              .encode(),
              json.dumps({**valid, "key": "another"}).encode()]
    for content in forged:
        entry.write_bytes(content)
        assert page_cache.load(key) is None and not entry.exists()  # ignored and removed
    assert page_cache.read_through(key, "s" * 64, reader) == _pages() and len(read) == 2
    assert page_cache.read_through(key, "s" * 64, reader, refresh=True) and len(read) == 3


def test_page_cache_keeps_the_tables_of_a_scanned_page(tmp_path, monkeypatch):
    """A cached scan gives back its tables and cell boxes (numpy numbers included), so a target
    read from a cached page is still grounded in its cell; a forged cell is refused."""
    import numpy as np

    monkeypatch.setenv("PLANS_CACHE_DIR", str(tmp_path / "cache"))
    cell = records.TableCell(2, 1, 1, 2, 10, 15, (np.int64(40), 80, 120, np.int32(100)))
    table = records.PageTable((30, 70, 400, 300), [cell], "rebuilt", (1654, 2339), 5, 60)
    page = records.Page(1, "Bảng\n...", "Bảng\n...", "ocr", 90.0, tables=[table])
    page_cache.save("t" * 64, "s" * 64, [page])
    back = page_cache.load("t" * 64)
    assert back == [page] and back[0].tables[0].cells[0].box == (40, 80, 120, 100)
    entry = tmp_path / "cache" / f"{'t' * 64}.json"
    data = json.loads(entry.read_text())
    data["pages"][0]["tables"][0]["cells"][0]["row"] = "2; import os"
    entry.write_text(json.dumps(data))
    assert page_cache.load("t" * 64) is None


def test_page_cache_is_bounded_and_keeps_what_was_used_last(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANS_CACHE_DIR", str(tmp_path / "cache"))
    for n in range(10):
        page_cache.save(f"{n:064d}", "s" * 64, _pages() * 20)
        os.utime(tmp_path / "cache" / f"{n:064d}.json", (1000 + n, 1000 + n))
    page_cache.load(f"{0:064d}")  # used now: the last to go
    size = (tmp_path / "cache" / f"{1:064d}.json").stat().st_size
    page_cache.prune(limit=4 * size)
    kept = sorted(int(p.stem) for p in (tmp_path / "cache").glob("*.json"))
    assert kept == [0, 7, 8, 9]


class _Planted:
    """A pickle that, when loaded, leaves a file behind (stands for any code)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_result_files_are_never_written_nor_read(data_home, tmp_path):
    from prefect._internal.result_records import ResultRecord, ResultRecordMetadata
    from prefect.serializers import PickleSerializer
    from prefect.settings import get_current_settings

    from flows.process import process_documents
    from pipeline import inbox

    storage = Path(get_current_settings().results.local_storage_path)
    storage.mkdir(parents=True, exist_ok=True)
    plan = _plan(tmp_path / "kế hoạch.txt")
    sha = inbox.file_sha256(plan)

    def planted(marker: Path, name: str) -> bytes:
        record = ResultRecord(metadata=ResultRecordMetadata(storage_key=str(storage / name),
                                                            serializer=PickleSerializer()),
                              result=_Planted(marker))
        return record.serialize()

    proof = tmp_path / "proof"  # such a file does run code when Prefect reads it
    ResultRecord.deserialize(planted(proof, "x"))
    assert proof.exists()
    marker = tmp_path / "ran"
    names = [f"pages-{sha}-{v}" for v in ("0.1.0", store.PIPELINE_VERSION)]
    for name in names:
        (storage / name).write_bytes(planted(marker, name))
    before = sorted(p.name for p in storage.iterdir())
    for force in (False, True, False):
        [outcome] = process_documents([str(plan)], force=force)
        assert outcome.status in ("processed", "duplicate")
    assert not marker.exists()
    assert sorted(p.name for p in storage.iterdir()) == before  # nothing persisted by our flows


# --- the cross-document audit: incremental, and the same as a full pass ------------------------


def _save_place(engine, sha: str, facts: records.DocumentFacts, value: float) -> int:
    quote = f"dưới {value:g}%".replace(".", ",")
    text_ = f"Tỷ lệ hộ nghèo {quote} năm 2024."
    page = records.Page(1, text_, text_, "plain")
    start = text_.index(quote)
    target = records.TargetRecord("poverty_rate", None, "hộ nghèo", "<", value, None, None, "%",
                                  "2024", None, records.Grounding(1, start, start + len(quote),
                                                                  quote))
    return store.save_document(engine, sha256=sha * 64, file_name=f"{sha}.txt", pages=[page],
                               extraction=records.Extraction(facts, targets=[target]),
                               findings=[])


def _cross(session) -> list[tuple]:
    rows = queries.query_findings(session, kind="weaker_than_parent")
    return sorted((r["detail"]["commune_document_id"], r["detail"]["district_document_id"],
                   r["detail"]["commune_value"]) for r in rows)


def test_incremental_audit_matches_a_full_one(data_home):
    from pipeline import audit

    engine = store.get_engine()

    def district(value: float) -> int:
        return _save_place(engine, "a", records.DocumentFacts(admin_level="huyện",
                                                              locality="Sông Xanh"), value)

    def commune(sha: str, name: str, value: float) -> int:
        return _save_place(engine, sha, records.DocumentFacts(admin_level="xã", locality=name,
                                                              district="Sông Xanh"), value)

    steps = [lambda: [district(0.5)], lambda: [commune("b", "Bình An", 1.2)],
             lambda: [commune("c", "Hòa Mỹ", 0.4)],
             lambda: [commune("d", "Phú Lộc", 2.0), commune("e", "Tân Lập", 3.0)],
             lambda: [district(2.5)]]  # the district relaxes its target: fewer are weaker
    for step in steps:
        changed = step()
        store.write(engine, lambda session, changed=changed: audit.refresh_across(session, changed))
        with store.session_scope(engine) as session:
            full = sorted((f.detail["commune_document_id"], f.detail["district_document_id"],
                           f.detail["commune_value"]) for f in audit.audit_across(session))
            assert _cross(session) == full
    assert [row[2] for row in full] == [3.0]  # only Tân Lập's 3% is weaker than 2.5%


def test_two_prefect_servers_starting_on_a_new_folder_take_turns(tmp_path, monkeypatch):
    """Without a template, one server migrates Prefect's new database; the other waits for it."""
    import threading

    from flows.server import TemporaryServer

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-template"))
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("PREFECT_API_URL", "")  # start() sets it; removed after the test
    servers = [TemporaryServer(), TemporaryServer()]
    threads = [threading.Thread(target=server.start) for server in servers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        for server in servers:
            server.wait()  # both answer: no half-made database, no migration race
        assert sum(server.new_database is not None for server in servers) == 1
    finally:
        for server in servers:
            server.stop()


def test_switching_a_new_sqlite_file_to_wal_is_tried_again_while_another_process_holds_it():
    """Two processes opening a new database at once: SQLite may answer "database is locked"
    at once, without its busy timeout; the switch waits its turn instead of failing."""
    import sqlite3

    from pipeline import database

    class Cursor:
        tries = 0

        def execute(self, sql: str) -> None:
            self.tries += 1
            if self.tries < 3:
                raise sqlite3.OperationalError("database is locked")

    cursor = Cursor()
    database.switch_to_wal(cursor)
    assert cursor.tries == 3

    class Broken(Cursor):
        def execute(self, sql: str) -> None:
            raise sqlite3.OperationalError("disk I/O error")

    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        database.switch_to_wal(Broken())


def test_a_prefect_database_still_locked_at_start_is_named_as_prefects_not_the_records(
        tmp_path, monkeypatch):
    """A temporary Prefect server that kept meeting "database is locked" while it started (another
    command's server on the same Prefect home): the message names Prefect's database and what
    to do, not the records database and PLANS_DB_LOCK_WAIT; the exit code stays 7."""
    from flows.server import TemporaryServer

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    server = TemporaryServer()
    server.error = "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked"
    server.ready.set()
    with pytest.raises(errors.PrefectDatabaseBusy) as caught:
        server.wait()
    error = caught.value
    assert error.exit_code == errors.DatabaseBusy.exit_code == 7 and not error.blames_file
    assert "Prefect" in error.en and "PREFECT_HOME" in error.vi and "PLANS_DB_LOCK_WAIT" not in error.en
    assert str(tmp_path / "prefect" / "prefect.db") in error.detail


def test_the_records_database_still_locked_names_itself_and_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("PLANS_DB_LOCK_WAIT", "0.5")
    monkeypatch.setenv("PLANS_DB_BUSY_TIMEOUT", "0.1")
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    engine = store.get_engine(url)
    holder = sqlite3.connect(tmp_path / "plans.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        with pytest.raises(errors.DatabaseBusy) as caught:
            database.write(engine, lambda session: session.execute(
                text("delete from alembic_version where 0")))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert type(caught.value) is errors.DatabaseBusy and caught.value.exit_code == 7
    assert "records database" in caught.value.en and "PLANS_DB_LOCK_WAIT" in caught.value.en
    assert str(tmp_path / "plans.db") in caught.value.detail


def test_a_server_on_a_set_up_prefect_database_starts_without_writing_to_it(tmp_path, monkeypatch):
    """Another command's server writing to the same Prefect home (its runs) while this one starts:
    a database set up by this Prefect version (a copy of the template, or migrated by a server
    before) is not migrated or registered into again, so the start needs no write (it once met
    "database is locked" there, exit 7)."""
    from flows import server as servers

    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("PREFECT_API_URL", "")  # start() sets it; removed after the test
    first = servers.TemporaryServer().start()  # the template's copy (or, without one, migrated)
    first.wait()
    first.stop()
    database = tmp_path / "prefect" / "prefect.db"
    assert servers.is_set_up(database)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another server's run writing, for long
    server = servers.TemporaryServer()
    try:
        server.start()
        assert server.ready.wait(45) and server.error is None, server.log_tail()
        assert server.set_up and server.healthy()
    finally:
        holder.close()
        server.stop()


def test_the_stamp_of_a_deleted_prefect_database_does_not_skip_setting_up_the_new_one(
        tmp_path, monkeypatch):
    from flows import server as servers

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "no-template"))
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("PREFECT_API_URL", "")  # start() sets it; removed after the test
    stamp = tmp_path / "prefect" / "prefect.db.prefect-version"
    stamp.parent.mkdir()
    stamp.write_text(importlib.metadata.version("prefect"))  # its database was deleted
    server = servers.TemporaryServer().start()
    try:
        assert not server.set_up and not stamp.exists()  # the new database gets migrated
    finally:
        server.stop()
