"""Scale-out: the same batch of scanned pages through plain Tesseract, a one-shot `plans ingest`,
one and two `plans worker`s behind `plans server` + `plans serve --deploy`, and `plans ingest`
over a Dask scheduler with two workers. Writes bench/results/scale.md.

Every process runs on this machine on 127.0.0.1 (free ports, tmp folders), as
tests/test_scale.py starts them. The workers are started and idle before the files are
dropped: their start-up is paid once per worker, not per file, and is not counted; what is
counted is the time from the drop until every file is in processed/. On a 2-core machine two
workers cannot be more than twice one, and each flow run of a process worker is a process of
its own (imports and model load per file), which the numbers include.

    .venv/bin/python bench/bench_scale.py [--pages 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.bench_ocr import make_batch  # noqa: E402
from tests.processes import free_port, plans_command, process_env, stop  # noqa: E402

RESULT = REPO / "bench" / "results" / "scale.md"
WORKERS = 2


def _start(command: list[str], folder: Path, env: dict) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                            stderr=(folder / "err.log").open("wb"))


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _timed(command: list[str], env: dict, cwd: Path) -> tuple[float, int]:
    started = time.monotonic()
    code = subprocess.run(command, env=env, cwd=cwd, capture_output=True).returncode
    return time.monotonic() - started, code


def tesseract(images: list[Path], base: Path) -> tuple[float, int]:
    script = (f"ls {base}/images/*.jpg | xargs -P {WORKERS} -I{{}} "
              "tesseract {} {}.out -l vie")
    return _timed(["bash", "-c", script], dict(os.environ, OMP_THREAD_LIMIT="1"), base)


def one_shot(pdfs: list[Path], base: Path, name: str, **extra: str) -> tuple[float, int]:
    """`plans ingest` on a data folder used once before (Prefect's database made)."""
    home = base / name
    env = process_env(home, **extra)
    warm = base / "warm-up.txt"
    warm.write_text("KẾ HOẠCH\nThực hiện mục tiêu giảm nghèo năm 2024\n", encoding="utf-8")
    subprocess.run(plans_command("ingest", str(warm)), env=env, cwd=base, capture_output=True)
    return _timed(plans_command("ingest", *map(str, pdfs)), env, base)


def deployed(pdfs: list[Path], base: Path, workers: int) -> tuple[float, int, float]:
    """(seconds from the drop until every file is in processed/, files processed, seconds the
    server and idle workers took to start)."""
    folder = base / f"deploy-{workers}"
    api = f"http://127.0.0.1:{free_port()}/api"
    store = f"sqlite:///{folder / 'plans.db'}"
    shared = {"PLANS_DB_URL": store, "PREFECT_API_URL": api, "PREFECT_WORKER_QUERY_SECONDS": "1"}
    inbox = folder / "shared" / "inbox"
    inbox.mkdir(parents=True)
    started: list[subprocess.Popen] = []
    begun = time.monotonic()
    try:
        server = folder / "server"
        started.append(_start(plans_command("server", "--port", api.split(":")[2].split("/")[0]),
                              server, process_env(server, PLANS_DB_URL=store)))
        if not _wait(lambda: "ready" in _read(server / "err.log"), 180):
            return 0.0, 0, 0.0
        for n in range(workers):
            home = folder / f"worker{n}"
            started.append(_start(plans_command("worker", "--name", f"w{n}"), home,
                                  process_env(home, **shared)))
        watcher = folder / "watcher"
        started.append(_start(plans_command("serve", "--deploy", "--inbox", str(inbox), "--interval",
                                     "0.5", "--settle", "0.3"), watcher, process_env(watcher, **shared)))
        time.sleep(15)  # workers and watcher up and idle
        ready = time.monotonic() - begun
        drop = time.monotonic()
        for pdf in pdfs:
            shutil.copy(pdf, inbox / pdf.name)
        processed = watcher / "processed"
        _wait(lambda: processed.is_dir() and len(list(processed.iterdir())) == len(pdfs), 1800)
        seconds = time.monotonic() - drop
        done = len(list(processed.iterdir())) if processed.is_dir() else 0
        return seconds, done, ready
    finally:
        stop(started[::-1])


def dask_ingest(pdfs: list[Path], base: Path) -> tuple[float, int]:
    folder = base / "dask"
    address = f"tcp://127.0.0.1:{free_port()}"
    started = [_start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                       "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
                      folder / "scheduler", process_env(folder / "scheduler"))]
    try:
        for n in range(WORKERS):
            home = folder / f"w{n}"
            started.append(_start([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                   "--nthreads", "1", "--no-dashboard"], home, process_env(home)))
        time.sleep(10)
        return one_shot(pdfs, folder, "client", PLANS_DASK_ADDRESS=address)
    finally:
        stop(started[::-1])


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def report(rows: list[dict], pages: int, files: int) -> str:
    tess = rows[0]["seconds"]
    one = next((r["seconds"] for r in rows if r["name"].startswith("1 ")), 0)
    lines = [
        "## Scale-out (bench/bench_scale.py)",
        "",
        f"`.venv/bin/python bench/bench_scale.py --pages {pages}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {pages} scanned pages in "
        f"{files} PDFs (300 dpi JPEG, as bench_ocr makes them), every process on 127.0.0.1 of "
        f"this {os.cpu_count()}-core machine, one round each. The machine is shared with other "
        "work: the times carry its noise; the ratios, measured minutes apart, hold up better.",
        "",
        "| how | wall s | pages/s | vs plain Tesseract | vs 1 worker | files done |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        seconds = row["seconds"]
        rate = pages / seconds if seconds else 0
        versus = f"{tess / seconds:.2f}x" if seconds else "-"
        scaling = f"{one / seconds:.2f}x" if seconds and one and "ready" in row else ""
        lines.append(f"| {row['name']} | {seconds:.1f} | {rate:.2f} | {versus} | {scaling} | "
                     f"{row['done']} |")
    lines += [
        "",
        "Goals (issue 15): 2 workers >= 1.8x one worker's throughput on a machine with the cores "
        "for it. On this machine the ceiling is 2x, and one worker's flow run already reads "
        "a file's pages with an OCR thread per core (PLANS_WORKERS), so a second worker can "
        "only overlap start-up and extraction with OCR, not add cores. Worker rows count "
        "from the drop into the inbox until the last file is in processed/, with the server, "
        "workers and watcher already up"
        + " (" + ", ".join(f"{r['name'].split(' (')[0]}: {r['ready']:.0f} s to start"
                             for r in rows if "ready" in r)
        + "). Each file a process worker runs is a process of its own (Prefect's process "
        "worker starts one per flow run): imports, the model load and Prefect's run set-up are "
        "paid per file there, where the one-shot `plans ingest` pays them once.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        base = Path(tmp)
        pdfs, images = make_batch(base, args.pages)
        rows = []
        seconds, code = tesseract(images, base)
        rows.append({"name": f"tesseract -l vie, xargs -P {WORKERS}", "seconds": seconds,
                     "done": len(images) if code == 0 else 0})
        seconds, code = one_shot(pdfs, base, "one-shot")
        rows.append({"name": "plans ingest (one shot, warm data folder)", "seconds": seconds,
                     "done": len(pdfs) if code == 0 else 0})
        for workers in (1, 2):
            seconds, done, ready = deployed(pdfs, base, workers)
            rows.append({"name": f"{workers} plans worker{'s' if workers > 1 else ''} "
                                 "(server + serve --deploy)", "seconds": seconds, "done": done,
                         "ready": ready})
        try:
            import prefect_dask  # noqa: F401

            seconds, code = dask_ingest(pdfs, base)
            rows.append({"name": f"plans ingest on Dask ({WORKERS} workers, 1 thread each, "
                                 "a task per page)", "seconds": seconds,
                         "done": len(pdfs) if code == 0 else 0})
        except ImportError:
            pass
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(report(rows, args.pages, len(pdfs)), encoding="utf-8")
    print(json.dumps(rows, indent=1))  # what the report was made from
    return 0 if all(r["done"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
