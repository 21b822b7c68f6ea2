"""Memory and time of the largest legitimate file (a 200-page scan) and of the hostile files.

The scan: a plan page typeset on A4, degraded, embedded as a 200 dpi JPEG on every page of a
PDF, read by `plans ingest` in a fresh data folder (Prefect's temporary server included). The
hostile files are those of tests/test_limits.py (bombs, giant pages, a .docx unpacking to
100 MB, 3,000 pages, 50 MB on one line), each read in its own process. Peak memory is the
largest resident set of the process and its children (Tesseract, Prefect's server), as
wait4 reports it.

Run: .venv/bin/python bench/bench_limits.py [--pages 200]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import limits  # noqa: E402
from tests.scans import PLAN_TEXT, degrade, render_pages, write_image_pdf  # noqa: E402
from tests.test_limits import _MEASURE, HOSTILE_FILES  # noqa: E402

RESULT = REPO / "bench" / "results" / "limits.md"
GOAL_RSS_MB = 1536


def _run(command: list[str], env: dict, cwd: Path) -> tuple[int, float, float, str]:
    """Exit code, seconds, peak RSS (MB) of a command and its children, and its stdout."""
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    return (os.waitstatus_to_exitcode(status), time.monotonic() - started,
            usage.ru_maxrss / 1024, output)


def scan_row(pages: int, folder: Path) -> str:
    page = degrade(render_pages([PLAN_TEXT], dpi=200)[0], blur=0.5, noise=4, seed=11)
    path = write_image_pdf([page] * pages, folder / f"ban-quet-{pages}-trang.pdf", dpi=200,
                           jpeg_quality=85)
    env = {k: v for k, v in os.environ.items() if k not in ("PLANS_DB_URL", "PREFECT_API_URL")}
    env.update(PLANS_HOME=str(folder / "data"), PREFECT_HOME=str(folder / "prefect"))
    code, seconds, rss, _ = _run([sys.executable, "-m", "pipeline.cli", "ingest", str(path)], env,
                                 REPO)
    verdict = "ok" if code == 0 and rss <= GOAL_RSS_MB else "MISSED"
    return (f"| {path.name} ({path.stat().st_size / 2**20:.1f} MB) | stored (exit {code}) | "
            f"{seconds:.0f} s ({pages / seconds:.2f} pages/s) | {rss:.0f} | {verdict} |")


def hostile_rows(folder: Path) -> list[str]:
    paths = [make(folder / name) for name, (make, _) in HOSTILE_FILES.items()]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
    _, _, _, output = _run([sys.executable, "-c", _MEASURE, *map(str, paths)], env, REPO)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("[")]
    rows = []
    for (name, outcome, seconds), (_, rss) in zip(lines[::2], lines[1::2], strict=True):
        expected = HOSTILE_FILES[name][1]
        size = (folder / name).stat().st_size
        verdict = "ok" if outcome == expected and rss / 2**20 <= GOAL_RSS_MB else "MISSED"
        rows.append(f"| {name} ({size / 1e3:,.0f} KB) | {outcome} | {seconds:.1f} s | "
                    f"{rss / 2**20:.0f} | {verdict} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    defaults = limits.Limits()
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        folder = Path(tmp)
        scan = scan_row(args.pages, folder)
        hostile = hostile_rows(folder)
    lines = [
        "## Limits: memory and time per file",
        "",
        f"Peak resident memory (largest of the process and its children) and wall time; goal: "
        f"below {GOAL_RSS_MB} MB for every file, time bounded. Limits in force: the defaults "
        f"of pipeline/limits.py ({defaults.page_pixels / 1e6:g} Mpx per page, "
        f"{defaults.unzipped_bytes / 2**20:g} MB unpacked, ratio {defaults.zip_ratio:g}, "
        f"{defaults.text_chars:,} characters, {defaults.pages} pages, "
        f"{defaults.page_seconds:g} s per page). Timings share the machine with whatever else "
        "runs on it.",
        "",
        "| file | outcome | time | peak MB | |",
        "|---|---|---:|---:|---|",
        scan,
        *hostile,
        "",
        "The largest legitimate file is the first row (`plans ingest`, Prefect's temporary "
        "server included); the others are read by flows.reading.read_pages_now and the "
        "extractors in a forked process each.",
        "",
        f"Command: `.venv/bin/python bench/bench_limits.py --pages {args.pages}`",
        "",
    ]
    text = "\n".join(lines)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
