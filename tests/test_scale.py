"""Many processes, as on many machines, started for real on loopback: a Dask scheduler and two
workers that read the pages of `plans ingest`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.processes import free_port, plans_command, process_env, stop

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"

pytestmark = pytest.mark.slow


@pytest.fixture
def dask_cluster(tmp_path):
    """A Dask scheduler and two single-threaded workers, each a process with its own folder."""
    pytest.importorskip("prefect_dask")
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    started = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", address.rsplit(":", 1)[1], "--no-dashboard"], cwd=tmp_path,
        env=process_env(tmp_path / "scheduler"), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)]

    def add_worker(name: str) -> subprocess.Popen:
        folder = tmp_path / name
        folder.mkdir()
        started.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
             "--no-dashboard", "--name", name], cwd=folder, env=process_env(folder),
            stdout=subprocess.DEVNULL, stderr=(folder / "worker.log").open("wb")))
        return started[-1]

    try:
        workers = [add_worker("w1"), add_worker("w2")]
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
        yield {"address": address, "workers": workers, "add_worker": add_worker}
    finally:
        stop(started[::-1])


def test_ingest_on_a_dask_cluster_reads_pages_on_the_workers(dask_cluster, tmp_path):
    from distributed import Client

    drop = tmp_path / "drop"
    drop.mkdir()
    for name in ("kh-xa-scan-12.pdf", "kh-xa-08.txt", "kh-tinh-07.txt"):
        shutil.copy(SAMPLES / name, drop / name)
    Image.new("L", (800, 600), 255).save(drop / "blank.png")  # no text: fails on a worker
    client_home = tmp_path / "client"
    env = process_env(client_home, PLANS_DASK_ADDRESS=dask_cluster["address"],
                      PLANS_DB_URL=f"sqlite:///{tmp_path / 'plans.db'}")
    # a relative path: workers run in other folders, the client hands them absolute paths
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", "drop"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # the blank image, and only it, failed
    assert "pickle" not in output and "Internal error" not in output, output
    assert "blank.png" in output and "No text was found" in output, output
    assert "processed: 3" in output, output

    listed = subprocess.run([sys.executable, "-m", "pipeline.cli", "documents", "--format",
                             "json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    documents = json.loads(listed.stdout)
    assert sorted(d["document"] for d in documents) == \
        ["kh-tinh-07.txt", "kh-xa-08.txt", "kh-xa-scan-12.pdf"]
    scan = next(d for d in documents if d["document"] == "kh-xa-scan-12.pdf")
    assert scan["page_count"] == 2 and scan["target_count"] > 0

    def in_worker() -> dict:
        """What a worker process holds after the batch (a nested function: it travels by value)."""
        from flows import reading
        from pipeline import restore

        info = restore.load_model.cache_info()
        return {"model_loads": info.misses, "model_uses": info.hits + info.misses,
                "ocr_pool": reading._ocr_pool is not None}

    with Client(dask_cluster["address"], timeout=60) as client:
        workers = client.run(in_worker)
    # both workers read pages, each loaded the restoration model once for all its tasks, and
    # neither made an OCR pool: a page task OCRs in the worker's own thread
    assert len(workers) == 2
    for state in workers.values():
        assert state == {**state, "model_loads": 1, "ocr_pool": False}, workers
    assert sum(s["model_uses"] for s in workers.values()) >= 5, workers
    # the client keeps every file's pages once all are read (the blank image's too)
    assert len(list((client_home / "cache" / "pages").glob("*.json"))) == 4




def test_a_dask_worker_killed_mid_batch_loses_nothing(dask_cluster, tmp_path):
    """SIGKILL on a Dask worker (its nanny and Tesseract too) while it reads a page: the
    scheduler hands its pages to the workers left, and every file is stored once."""
    drop = tmp_path / "drop"
    drop.mkdir()
    scan = (SAMPLES / "kh-xa-scan-12.pdf").read_bytes()
    for n in range(3):  # three 2-page scans of other bytes (a comment after the end marker)
        (drop / f"scan-{n}.pdf").write_bytes(scan + f"% copy {n}\n".encode())
    env = process_env(tmp_path / "client", PLANS_DASK_ADDRESS=dask_cluster["address"],
                      PLANS_DB_URL=f"sqlite:///{tmp_path / 'plans.db'}")
    ingest = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ingest", str(drop)],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        logs = [tmp_path / "w1" / "worker.log"]
        _kill_tree_while_reading(dask_cluster["workers"][0], 240, logs)
        dask_cluster["add_worker"]("w3")
        output = ingest.communicate(timeout=600)[0]
    finally:
        if ingest.poll() is None:
            ingest.kill()
    assert ingest.returncode == 0 and "processed: 3" in output, output
    listed = subprocess.run([sys.executable, "-m", "pipeline.cli", "documents", "--format",
                             "json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    documents = json.loads(listed.stdout)
    assert sorted(d["document"] for d in documents) == [f"scan-{n}.pdf" for n in range(3)]
    assert all(d["page_count"] == 2 for d in documents)

# --- a Prefect server on PostgreSQL, two workers, one inbox -------------------------------------


def _database(server_url: str, name: str) -> str:
    """A new database on the test's PostgreSQL server: its SQLAlchemy URL (psycopg driver)."""
    import psycopg

    admin = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{server_url}/{name}"


def _start(args: list[str], folder: Path, env: dict) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(plans_command(*args), cwd=folder, env=env,
                            stdout=subprocess.DEVNULL, stderr=(folder / "err.log").open("wb"))


def _wait_for(condition, timeout: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {p}\n{p.read_text(errors='replace')[-1500:]}"
                              for p in logs if p.exists())
            raise AssertionError(f"{what} after {timeout:g} s\n{tails}")
        time.sleep(0.5)


def _kill_tree_while_reading(worker: subprocess.Popen, timeout: float, logs: list[Path]) -> None:
    """SIGKILL a worker and its flow run's processes once Tesseract runs under it (mid-file),
    as when its machine goes away."""
    import psutil

    def reading() -> bool:
        return any(c.name() == "tesseract" for c in _children(psutil.Process(worker.pid)))

    _wait_for(reading, timeout, "the worker never started reading", logs)
    for process in [psutil.Process(worker.pid), *_children(psutil.Process(worker.pid))]:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    worker.wait()


def _children(process) -> list:
    import psutil

    try:
        return process.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _flow_runs(api: str) -> list[dict]:
    import urllib.request

    request = urllib.request.Request(f"{api}/flow_runs/filter", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.postgres
def test_workers_drain_one_inbox_through_a_prefect_server_on_postgresql(
        postgres_server, tmp_path):
    """A server on PostgreSQL, `plans serve --deploy` and workers; the first worker is killed
    (SIGKILL, its flow run's processes too) in the middle of a scan: the server marks that run
    Crashed once its heartbeats stop, the scan goes back to the inbox and another worker stores
    it. Every file stored once; every process left stops on SIGTERM."""
    tag = f"{os.getpid()}_{time.monotonic_ns() % 10**6}"
    store_url = _database(postgres_server, f"plans_scale_{tag}")
    prefect_db = _database(postgres_server, f"prefect_scale_{tag}").replace("+psycopg", "+asyncpg")
    api = f"http://127.0.0.1:{free_port()}/api"
    shared = {"PLANS_DB_URL": store_url, "PREFECT_API_URL": api}
    inbox = tmp_path / "shared" / "inbox"  # the folder every machine mounts at one path
    inbox.mkdir(parents=True)
    names = ["server", "doomed", "worker1", "worker2", "watcher"]
    logs = [tmp_path / n / "err.log" for n in names]
    started: list[subprocess.Popen] = []
    try:
        server_env = process_env(tmp_path / "server", PLANS_DB_URL=store_url,
                                 PREFECT_API_DATABASE_CONNECTION_URL=prefect_db,
                                 PLANS_CRASH_AFTER_SECONDS="40")
        started.append(_start(["server", "--port", api.rsplit(":", 1)[1].split("/")[0]],
                              tmp_path / "server", server_env))
        _wait_for(lambda: "ready" in logs[0].read_text(errors="replace") if logs[0].exists()
                  else False, 180, "no server", logs)
        doomed = _start(["worker", "--name", "doomed"], tmp_path / "doomed",
                        process_env(tmp_path / "doomed", **shared))
        shutil.copy(SAMPLES / "kh-xa-scan-12.pdf", inbox / "kh-xa-scan-12.pdf")
        watcher_home = tmp_path / "watcher"
        started.append(_start(["serve", "--deploy", "--inbox", str(inbox), "--settle", "0.5"],
                              watcher_home, process_env(watcher_home, **shared)))
        _kill_tree_while_reading(doomed, 180, logs)
        for n in (1, 2):
            started.append(_start(["worker", "--name", f"worker{n}"], tmp_path / f"worker{n}",
                                  process_env(tmp_path / f"worker{n}", **shared)))
        for name in ("kh-xa-08.txt", "kh-tinh-07.txt", "kh-huyen-09.txt"):
            shutil.copy(SAMPLES / name, inbox / name)
        shutil.copy(SAMPLES / "kh-xa-08.txt", inbox / "kh-xa-08 (bản sao).txt")  # same bytes
        processed = watcher_home / "processed"
        _wait_for(lambda: processed.is_dir() and len(list(processed.iterdir())) == 5, 300,
                  "the inbox was not drained", logs)
        runs = _flow_runs(api)
    finally:
        stop(started[::-1])  # watcher, workers, then the server: each stops on SIGTERM
    assert [p.returncode for p in started] == [0] * len(started), [p.returncode for p in started]

    # the killed run was found crashed, and a later run of the scan completed (a loaded machine
    # may delay a heartbeat past the window: a spurious crash costs a second reading, no more)
    scan_runs = {r["state_type"] for r in runs if r["name"] == "kh-xa-scan-12.pdf"}
    assert {"CRASHED", "COMPLETED"} <= scan_runs, runs
    env = process_env(tmp_path / "reader", PLANS_DB_URL=store_url)
    listed = subprocess.run([sys.executable, "-m", "pipeline.cli", "documents", "--format",
                             "json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    documents = json.loads(listed.stdout)
    # every file stored once (the copy is recognised as stored), each by a worker
    assert sorted(d["document"] for d in documents) == \
        ["kh-huyen-09.txt", "kh-tinh-07.txt", "kh-xa-08.txt", "kh-xa-scan-12.pdf"], documents
    assert len({d["sha256"] for d in documents}) == 4
    read_by = {n: list((tmp_path / f"worker{n}" / "cache" / "pages").glob("*.json"))
               for n in (1, 2)}
    assert all(read_by.values()), read_by  # both workers took files
    assert not list(inbox.iterdir())  # no claim left behind either
    assert not list((watcher_home / "failed").iterdir())


def test_a_warm_worker_forks_each_run_and_a_run_killed_alone_is_crashed_and_retried(tmp_path):
    """`plans worker` runs each flow run in a process of its own forked from its warm
    forkserver (no fresh interpreter per file). That process killed alone mid-scan (SIGKILL):
    the worker marks its run Crashed from the exit code, the watcher puts the scan back, and
    the same worker, still up, stores it once; then every process stops on SIGTERM."""
    import psutil

    api = f"http://127.0.0.1:{free_port()}/api"
    store_url = f"sqlite:///{tmp_path / 'plans.db'}"
    shared = {"PLANS_DB_URL": store_url, "PREFECT_API_URL": api}
    inbox = tmp_path / "shared" / "inbox"
    inbox.mkdir(parents=True)
    logs = [tmp_path / n / "err.log" for n in ("server", "worker", "watcher")]
    started: list[subprocess.Popen] = []
    try:
        started.append(_start(["server", "--port", api.rsplit(":", 1)[1].split("/")[0]],
                              tmp_path / "server",
                              process_env(tmp_path / "server", PLANS_DB_URL=store_url)))
        _wait_for(lambda: "ready" in logs[0].read_text(errors="replace") if logs[0].exists()
                  else False, 180, "no server", logs)
        worker = _start(["worker", "--name", "warm"], tmp_path / "worker",
                        process_env(tmp_path / "worker", **shared))
        started.append(worker)
        watcher_home = tmp_path / "watcher"
        started.append(_start(["serve", "--deploy", "--inbox", str(inbox), "--settle", "0.5"],
                              watcher_home, process_env(watcher_home, **shared)))
        shutil.copy(SAMPLES / "kh-xa-scan-12.pdf", inbox / "kh-xa-scan-12.pdf")

        def tesseracts() -> list:
            return [c for c in _children(psutil.Process(worker.pid)) if c.name() == "tesseract"]

        _wait_for(tesseracts, 180, "the worker never started reading", logs)
        run = tesseracts()[0].parent()  # the flow run's process
        forkserver = run.parent()
        assert forkserver.parent().pid == worker.pid  # worker -> forkserver -> run -> tesseract
        assert "multiprocessing.forkserver" in " ".join(run.cmdline()), run.cmdline()
        for process in [run, *_children(run)]:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        processed = watcher_home / "processed"
        _wait_for(lambda: processed.is_dir() and any(processed.iterdir()), 300,
                  "the scan was not stored after its run was killed", logs)
        assert worker.poll() is None  # the worker outlived its run
        runs = _flow_runs(api)
    finally:
        stop(started[::-1])
    assert [p.returncode for p in started] == [0] * len(started), [p.returncode for p in started]
    scan_runs = [r for r in runs if r["name"] == "kh-xa-scan-12.pdf"]
    crashed = [r for r in scan_runs if r["state_type"] == "CRASHED"]
    assert len(crashed) == 1 and "-9" in crashed[0]["state"]["message"], scan_runs
    assert [r["state_type"] for r in scan_runs].count("COMPLETED") == 1, scan_runs
    listed = subprocess.run([sys.executable, "-m", "pipeline.cli", "documents", "--format",
                             "json"], cwd=tmp_path, env=process_env(tmp_path / "reader",
                                                                    PLANS_DB_URL=store_url),
                            capture_output=True, text=True, timeout=120)
    documents = json.loads(listed.stdout)
    assert [(d["document"], d["page_count"]) for d in documents] == [("kh-xa-scan-12.pdf", 2)]
    assert not list(inbox.iterdir())
