"""`make bench`: run every bench/bench_*.py and join their sections into BENCHMARKS.md.

`python bench/run.py NAME...` re-runs those benches only; `--assemble` runs none and only joins
the sections each bench last wrote (each names its own date and command)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    return f"{platform.platform()}, {os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}"


def main() -> int:
    RESULTS.mkdir(parents=True, exist_ok=True)
    scripts = sorted((ROOT / "bench").glob("bench_*.py"))
    assemble = "--assemble" in sys.argv[1:]
    only = set(sys.argv[1:]) - {"--assemble"}
    failures = []
    for script in scripts:
        if assemble or (only and script.stem.removeprefix("bench_") not in only):
            continue
        print(f"== {script.name}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(script)], cwd=ROOT)
        print(f"== {script.name}: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
        if code:
            failures.append(script.name)
    sections = [p.read_text(encoding="utf-8").strip() for p in sorted(RESULTS.glob("*.md"))]
    header = [
        "# Benchmarks",
        "",
        f"Written by `bench/run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {machine()}.",
        "Each section names the command that made it and the goal beside each number.",
        "",
    ]
    if assemble:
        header += ["Assembled from bench/results without measuring: each section gives the date "
                   "and command of its own last run (`python bench/run.py NAME` re-measures it).",
                   ""]
    elif only:
        header += [f"Measured in this run: {', '.join(sorted(only))}; every other section is kept "
                   "from its own last run (`git log bench/results/NAME.md` dates it; `python "
                   "bench/run.py NAME` re-measures it).", ""]
    if failures:
        header += [f"Scripts that failed in this run: {', '.join(failures)}.", ""]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(header) + "\n" + "\n\n".join(sections) + "\n",
                                        encoding="utf-8")
    print(f"BENCHMARKS.md written ({len(sections)} sections)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
