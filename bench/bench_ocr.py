"""OCR benchmark: accuracy (character error rate) and throughput against plain Tesseract/OCRmyPDF.

Run: .venv/bin/python bench/bench_ocr.py [--quick]
Writes bench/results/ocr.md (section "## OCR") and prints it.

1. CER of Tesseract 'vie' through pipeline.ocr on synthetic scans (200 and 300 dpi, mild
   degradation) of the clean sample plans in ../shared/plans and data/samples/*.txt.
2. Throughput on a batch of scanned pages (image-only PDFs, 5 pages each): `plans ingest` (start-up
   included) vs plain `tesseract IMG out -l vie` on the same page images with the same parallelism
   (2 processes, OMP_THREAD_LIMIT=1) vs `ocrmypdf -l vie --jobs 2`; peak memory of each.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.ingest import open_document  # noqa: E402
from pipeline.ocr import ocr_image  # noqa: E402
from tests.scans import (  # noqa: E402
    clean_plan_text,
    degrade,
    encode,
    normalise_whitespace,
    paginate,
    render_pages,
    write_image_pdf,
)

SHARED_PLANS = REPO / ".." / "shared" / "plans"
SAMPLES = REPO / "data" / "samples"
RESULTS = REPO / "bench" / "results" / "ocr.md"
CLEAN_SHARED = ("000", "001", "004")  # 002 is itself garbled OCR: no clean reference
WORKERS = 2
MILD = {"blur": 0.5, "noise": 4.0, "jpeg_quality": 85}
CER_GOAL = 0.01
RATIO_GOAL = 0.85


def plan_texts() -> list[tuple[str, str]]:
    """(label, text) of every clean plan available."""
    found = []
    if SHARED_PLANS.is_dir():
        for prefix in CLEAN_SHARED:
            for path in sorted(SHARED_PLANS.glob(f"{prefix}_*.txt")):
                found.append((f"shared {prefix}", path.read_text(encoding="utf-8")))
    for path in sorted(SAMPLES.glob("*.txt")):
        found.append((f"samples/{path.stem}", path.read_text(encoding="utf-8")))
    return [(label, clean_plan_text(text)) for label, text in found]


def _ocr_page(job: tuple[str, int, int, str]) -> tuple[str, int, int, float, float]:
    """Render, degrade and OCR one page; returns (label, dpi, errors, length, seconds)."""
    label, dpi, seed, text = job
    from rapidfuzz.distance import Levenshtein

    image = degrade(render_pages([text], dpi=dpi)[0], skew=((seed % 5) - 2) * 0.15, seed=seed,
                    **MILD)
    data = encode(image, "JPEG", jpeg_quality=MILD["jpeg_quality"])
    started = time.perf_counter()
    result = ocr_image(data)
    seconds = time.perf_counter() - started
    ref, hyp = normalise_whitespace(text), normalise_whitespace(result.text)
    return label, dpi, Levenshtein.distance(ref, hyp), len(ref), seconds


def measure_cer(dpis: tuple[int, ...], max_pages: int | None) -> list[dict]:
    jobs = []
    for label, text in plan_texts():
        pages = paginate(text)
        if max_pages:
            pages = pages[:max_pages]
        for dpi in dpis:
            for number, page in enumerate(pages):
                jobs.append((label, dpi, number * 7 + dpi, page))
    totals: dict[tuple[str, int], list[float]] = {}
    with ProcessPoolExecutor(WORKERS) as pool:
        for label, dpi, distance, length, seconds in pool.map(_ocr_page, jobs):
            entry = totals.setdefault((label, dpi), [0, 0, 0, 0.0])
            entry[0] += 1
            entry[1] += distance
            entry[2] += length
            entry[3] += seconds
    rows = [{"document": label, "dpi": dpi, "pages": n, "cer": dist / length,
             "seconds_per_page": secs / n}
            for (label, dpi), (n, dist, length, secs) in totals.items()]
    for dpi in dpis:
        chosen = [v for (_, d), v in totals.items() if d == dpi]
        n, dist, length = (sum(v[i] for v in chosen) for i in range(3))
        rows.append({"document": "**all**", "dpi": dpi, "pages": n, "cer": dist / length,
                     "seconds_per_page": sum(v[3] for v in chosen) / n})
    return rows


# --- reading scale -------------------------------------------------------------------------------
LAWS = REPO / ".." / "shared" / "corpora" / "vlc2022"


def law_pages(count: int = 2) -> list[str]:
    """Pages of law text (held out: no plan, never used to choose the reading scale's target)."""
    import lzma

    files = sorted(LAWS.glob("*.txt.xz"))[7::40][:count]
    pages = []
    for path in files:
        lines = [line.strip() for line in lzma.open(path, "rt", encoding="utf-8")
                 if len(line.strip()) > 40]
        pages.append("\n".join(lines[:80]))
    return pages


def _scale_job(job: tuple[str, float, int]) -> tuple[float, dict[str, tuple]]:
    """One page read at full scale and at the reading scale: (errors, length, CPU s, scale)."""
    from rapidfuzz.distance import Levenshtein

    import pipeline.ocr as ocr_module

    text, fontsize, seed = job
    text = paginate(text, fontsize=fontsize)[0]
    image = degrade(render_pages([text], dpi=300, fontsize=fontsize)[0], seed=seed,
                    skew=((seed % 5) - 2) * 0.15, **MILD)
    data = encode(image, "JPEG", jpeg_quality=MILD["jpeg_quality"])
    chosen_floor, out = ocr_module.MIN_SCALE, {}
    for setting, floor in (("full", 1.0), ("reading scale", chosen_floor)):
        ocr_module.MIN_SCALE = floor  # a floor of 1.0 turns the reduction off
        before = os.times()
        result = ocr_image(data)
        after = os.times()
        cpu = sum(getattr(after, f) - getattr(before, f)
                  for f in ("user", "system", "children_user", "children_system"))
        ref, hyp = normalise_whitespace(text), normalise_whitespace(result.text)
        out[setting] = (Levenshtein.distance(ref, hyp), len(ref), cpu, result.scale)
    ocr_module.MIN_SCALE = chosen_floor
    return fontsize, out


def measure_reading_scale(fontsizes: tuple[float, ...] = (9, 11, 13)) -> list[dict]:
    """CER and CPU per page at full scale vs the reading scale, 300 dpi scans of law text."""
    if not LAWS.is_dir():
        return []
    jobs = [(page, size, 11 * i + int(size)) for size in fontsizes
            for i, page in enumerate(law_pages())]
    totals: dict[float, dict[str, list[float]]] = {}
    with ProcessPoolExecutor(WORKERS) as pool:
        for size, out in pool.map(_scale_job, jobs):
            for setting, (dist, length, cpu, scale) in out.items():
                entry = totals.setdefault(size, {}).setdefault(setting, [0, 0, 0.0, 0, 0.0])
                entry[0] += dist
                entry[1] += length
                entry[2] += cpu
                entry[3] += 1
                entry[4] += scale
    return [{"fontsize": size, **{f"{setting}_{key}": value
                                  for setting, (dist, length, cpu, n, scale) in by.items()
                                  for key, value in (("cer", dist / length), ("cpu", cpu / n),
                                                     ("scale", scale / n))}}
            for size, by in sorted(totals.items())]


# --- throughput ---------------------------------------------------------------------------------
_RSS_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print('BENCH', code, time.perf_counter() - t, r.ru_maxrss, r.ru_utime + r.ru_stime,"
    " file=sys.stderr)\n"
)


def timed(command: list[str], *, env: dict | None = None, cwd: Path | None = None
          ) -> tuple[int, float, float, float, str]:
    """Run a command; (exit code, wall seconds, peak RSS MB of its largest process, CPU seconds
    of all its processes, stderr tail)."""
    completed = subprocess.run([sys.executable, "-c", _RSS_WRAPPER, *command], env=env, cwd=cwd,
                               capture_output=True, text=True)
    lines = completed.stderr.strip().splitlines()
    marker = next(line for line in reversed(lines) if line.startswith("BENCH "))
    _, code, seconds, rss_kb, cpu = marker.split()
    tail = "\n".join(line for line in lines if not line.startswith("BENCH "))[-600:]
    return int(code), float(seconds), int(rss_kb) / 1024, float(cpu), tail


def make_batch(folder: Path, pages_wanted: int) -> tuple[list[Path], list[Path]]:
    """Scanned pages of the sample plans at 300 dpi: image-only PDFs of 5 pages, and the very
    same page images (JPEG, as a scanner writes them) for plain Tesseract."""
    pages: list[str] = []
    for _, text in plan_texts():
        pages.extend(paginate(text))
    while len(pages) < pages_wanted:
        pages.extend(pages)
    pages = pages[:pages_wanted]
    pdfs, images = [], []
    for start in range(0, len(pages), 5):
        scans = []
        for offset, text in enumerate(pages[start:start + 5]):
            number = start + offset
            scan = degrade(render_pages([text], dpi=300)[0], seed=number,
                           skew=((number % 5) - 2) * 0.15, **MILD)
            path = folder / "images" / f"page-{number:03d}.jpg"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(encode(scan, "JPEG", jpeg_quality=MILD["jpeg_quality"]))
            images.append(path)
            scans.append(scan)
        pdf = folder / "pdfs" / f"ke-hoach-quet-{start // 5 + 1:02d}.pdf"
        pdf.parent.mkdir(exist_ok=True)
        write_image_pdf(scans, pdf, dpi=300, jpeg_quality=MILD["jpeg_quality"])
        pdfs.append(pdf)
    return pdfs, images


def _ocr_stage_only(pdfs: list[str]) -> int:
    """pipeline.ingest + pipeline.ocr alone (no store, no flow), 2 OCR threads."""
    count = 0
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = []
        for pdf in pdfs:
            for page in open_document(Path(pdf)).pages():
                futures.append(pool.submit(ocr_image, page.image))
        for future in futures:
            future.result()
            count += 1
    return count


COLD = "plans ingest (CLI, start-up included, new data folder)"
WARM = "plans ingest (CLI, start-up included, data folder used before)"
FIRST = "plans ingest (CLI, start-up included, first data folder of a new machine)"


def measure_throughput(pages_wanted: int, rounds: int, skip_ocrmypdf: bool
                       ) -> tuple[list[dict], list[str]]:
    """Each tool `rounds` times, interleaved; the fastest round of each counts (the machine is
    shared, so slower rounds measure other people's work). CPU seconds are summed over all the
    processes of a run."""
    notes: list[str] = []
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    env.pop("PLANS_DB_URL", None)
    plans = REPO / ".venv" / "bin" / "plans"
    have_cli = (REPO / "pipeline" / "cli.py").exists() and plans.exists()
    if not have_cli:
        notes.append("`plans ingest` skipped: pipeline/cli.py or .venv/bin/plans missing.")
    runs: dict[str, list[tuple[int, float, float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        folder = Path(tmp)
        pdfs, images = make_batch(folder, pages_wanted)
        n = len(images)
        tools: dict[str, list[str]] = {
            f"tesseract -l vie, xargs -P {WORKERS}": [
                "bash", "-c", f"ls {folder}/images/*.jpg | xargs -P {WORKERS} -I{{}} "
                "tesseract {} {}.out -l vie"],
            "pipeline.ingest + pipeline.ocr (2 threads, no store)": [
                sys.executable, str(Path(__file__).resolve()), "--stage-only",
                *map(str, pdfs)],
        }
        commands = dict(zip(tools, [
            f"ls images/*.jpg | xargs -P {WORKERS} -I{{}} tesseract {{}} {{}}.out -l vie",
            "bench/bench_ocr.py --stage-only <PDFs>"], strict=True))
        if have_cli:
            tools[COLD] = [str(plans), "ingest", *map(str, pdfs)]
            commands[COLD] = f"PLANS_HOME=<fresh tmp> .venv/bin/plans ingest <{len(pdfs)} PDFs>"
            tools[WARM] = tools[COLD]
            commands[WARM] = (f"PLANS_HOME=<tmp used once before> .venv/bin/plans ingest "
                              f"<{len(pdfs)} PDFs>")
            tools[FIRST] = tools[COLD]
            commands[FIRST] = (f"PLANS_HOME=<fresh tmp> XDG_CACHE_HOME=<fresh tmp> "
                               f".venv/bin/plans ingest <{len(pdfs)} PDFs>")
            warmup = folder / "warm-up.txt"
            warmup.write_text("KẾ HOẠCH\nThực hiện mục tiêu giảm nghèo năm 2024\n", "utf-8")
            # what `make setup` does once per machine: Prefect's database template
            subprocess.run([sys.executable, "-m", "flows.server"], cwd=REPO, env=env,
                           capture_output=True, check=False)
        for round_number in range(rounds):
            order = list(tools) if round_number % 2 == 0 else list(reversed(tools))
            for name in order:
                run_env = dict(env)
                if name.startswith("plans"):
                    home = folder / f"plans-home-{round_number}-{len(name)}"
                    home.mkdir()
                    run_env["PLANS_HOME"] = str(home)
                    if name == FIRST:  # no template of Prefect's database yet
                        run_env["XDG_CACHE_HOME"] = str(home / "cache")
                    if name == WARM:  # Prefect's database is created once per data folder
                        subprocess.run([str(plans), "ingest", str(warmup)], env=run_env,
                                       capture_output=True, check=False)
                code, seconds, rss, cpu, tail = timed(tools[name], env=run_env, cwd=folder)
                runs.setdefault(name, []).append((code, seconds, rss, cpu))
                if code != 0:
                    notes.append(f"{name} exited {code}: {tail.strip()[-300:]}")
        if skip_ocrmypdf:
            notes.append("OCRmyPDF skipped (--quick).")
        elif shutil.which("ocrmypdf"):
            out = folder / "ocrmypdf"
            out.mkdir()
            script = " && ".join(f"ocrmypdf -q -l vie --jobs {WORKERS} {pdf} {out / pdf.name}"
                                 for pdf in pdfs)
            name = f"ocrmypdf -l vie --jobs {WORKERS}"
            code, seconds, rss, cpu, tail = timed(["bash", "-c", script], env=env)
            runs[name] = [(code, seconds, rss, cpu)]
            commands[name] = f"ocrmypdf -l vie --jobs {WORKERS} in.pdf out.pdf (x{len(pdfs)})"
            if code != 0:
                notes.append(f"ocrmypdf exited {code}: {tail.strip()[-300:]}")
        else:
            notes.append("OCRmyPDF skipped: not installed.")
    rows = []
    for name, measured in runs.items():
        code, seconds, rss, cpu = min(measured, key=lambda run: run[1])
        rows.append({"tool": name, "pages": n, "seconds": seconds, "rate": n / seconds,
                     "rss": rss, "cpu_per_page": cpu / n, "rounds": len(measured),
                     "all_seconds": [round(run[1], 1) for run in measured],
                     "ok": all(run[0] == 0 for run in measured), "command": commands[name]})
    baseline, baseline_cpu = rows[0]["rate"], rows[0]["cpu_per_page"]
    for row in rows:
        row["ratio"] = row["rate"] / baseline
        row["cpu_ratio"] = baseline_cpu / row["cpu_per_page"]
    return rows, notes


# --- report -----------------------------------------------------------------------------------------
def report(cer_rows: list[dict], scale_rows: list[dict], speed_rows: list[dict],
           notes: list[str], command: str) -> str:
    lines = ["## OCR", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores; Tesseract "
             f"{_tesseract_version()} 'vie'; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
             "", f"Command: `{command}`", "",
             "### Character error rate on synthetic scans", "",
             "Plans typeset on A4 (Liberation Serif 13 pt), rasterised, then blur 0.5 px, noise "
             "σ=4, JPEG q85, skew up to ±0.3°. CER = Levenshtein distance / reference length "
             "after collapsing whitespace.", "",
             "| document | dpi | pages | CER | goal | s/page (1 of 2 workers) |",
             "|---|---|---|---|---|---|"]
    if not cer_rows:
        lines.append("| (not measured: --skip-cer) | | | | | |")
    for row in cer_rows:
        ok = "✅" if row["cer"] <= CER_GOAL else "❌"
        lines.append(f"| {row['document']} | {row['dpi']} | {row['pages']} | "
                     f"{row['cer'] * 100:.2f}% | ≤ 1% {ok} | {row['seconds_per_page']:.2f} |")
    if scale_rows:
        lines += ["", "### Reading scale on held-out text", "",
                  "Law text (../shared/corpora/vlc2022, no plans) typeset at 300 dpi with the "
                  "same damage, read once at full scale and once at the reading scale "
                  "(pipeline/ocr.py: text-line cores brought to 17 px, not below half scale). "
                  "CPU: Tesseract and our image preparation, per page.", "",
                  "| font | CER full scale | CER reading scale | mean scale | CPU s/page full "
                  "| CPU s/page reading scale |", "|---|---|---|---|---|---|"]
        for row in scale_rows:
            lines.append(f"| {row['fontsize']:g} pt | {row['full_cer'] * 100:.2f}% | "
                         f"{row['reading scale_cer'] * 100:.2f}% | "
                         f"{row['reading scale_scale']:.2f} | {row['full_cpu']:.2f} | "
                         f"{row['reading scale_cpu']:.2f} |")
    lines += ["", "### Throughput on scanned pages (2 workers)", "",
              "300-dpi JPEG scans in image-only PDFs of 5 pages. Wall seconds: the fastest of "
              "the interleaved rounds (all rounds listed); CPU: all processes of the run.", "",
              "| tool | pages | wall s (rounds) | pages/s | ratio to tesseract | goal "
              "| CPU s/page | CPU ratio | peak RSS (MB) | ok |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for row in speed_rows:
        goal = ""
        if row["tool"] == FIRST:
            goal = "(once per machine)"
        elif row["tool"].startswith("plans"):
            goal = f"≥ {RATIO_GOAL} {'✅' if row['ratio'] >= RATIO_GOAL else '❌'}"
        elif row["tool"].startswith("ocrmypdf"):
            goal = "(reference, ~0.12)"
        rounds = ", ".join(f"{s:.1f}" for s in row["all_seconds"])
        lines.append(f"| {row['tool']} | {row['pages']} | {row['seconds']:.1f} ({rounds}) | "
                     f"{row['rate']:.3f} | {row['ratio']:.2f} | {goal} | "
                     f"{row['cpu_per_page']:.2f} | {row['cpu_ratio']:.2f} | {row['rss']:.0f} | "
                     f"{'yes' if row['ok'] else 'NO'} |")
    lines += ["", "Commands: " + "; ".join(f"`{row['command']}`" for row in speed_rows),
              "Peak RSS is that of the largest single process of the run (getrusage of "
              "children). Tesseract gets the very JPEG page images embedded in the PDFs. "
              "CPU ratio = Tesseract's CPU seconds per page / the tool's: what the wall-clock "
              "ratio would be on an otherwise idle machine with both cores busy (the machine "
              "is shared while the bench runs, so wall times vary between rounds). "
              "A new data folder starts from the machine's copy of Prefect's migrated database "
              "(`make setup` makes it); the first data folder of a machine without it pays "
              "Prefect's migrations once. Pages whose text is large are read at a reduced "
              "scale (pipeline/ocr.py, reading_scale); the CER above is measured through the "
              "same code."]
    lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _tesseract_version() -> str:
    try:
        output = subprocess.run(["tesseract", "--version"], capture_output=True, text=True)
        return output.stdout.split()[1]
    except (OSError, IndexError):
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 pages per plan, 10 pages of throughput, no OCRmyPDF")
    parser.add_argument("--pages", type=int, default=30, help="pages in the throughput batch")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved throughput rounds")
    parser.add_argument("--skip-cer", action="store_true", help="throughput only")
    parser.add_argument("--stage-only", nargs="+", metavar="PDF",
                        help="(internal) run ingest + OCR over these PDFs and exit")
    args = parser.parse_args()
    if args.stage_only:
        _ocr_stage_only(args.stage_only)
        return
    command = " ".join([".venv/bin/python bench/bench_ocr.py", *sys.argv[1:]])
    cer_rows = [] if args.skip_cer else measure_cer((200, 300),
                                                     max_pages=2 if args.quick else None)
    scale_rows = [] if args.skip_cer or args.quick else measure_reading_scale()
    speed_rows, notes = measure_throughput(10 if args.quick else args.pages,
                                           1 if args.quick else args.rounds, args.quick)
    text = report(cer_rows, scale_rows, speed_rows, notes, command)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
