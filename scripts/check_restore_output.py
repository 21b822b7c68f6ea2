"""Check that restoration gives the same output as the code of another revision.

A speed-up of restoration must not change what it writes. This restores every input the bench
and tests use (the shared plans and data/samples as they are and stripped of accents, data/lm
stripped, ../shared/real as published and stripped, the bench's synthetic English-model OCR of
the plans, the test fixtures; the full model and one held-out model as the bench builds it) with
this checkout's code and with REV's (exported by `git archive`, same data and model files), and
compares text, mode, offsets and confidence of every result.

Run: .venv/bin/python scripts/check_restore_output.py [REV]  (default main; exit 1 on a difference)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO / ".." / "shared"


def restore_all(root: Path, out: Path, work: Path) -> None:
    """Restore every input with the code under `root` (data always from this checkout)."""
    sys.path[:0] = [str(root), str(root / "scripts")]
    import build_restore_model as build

    from pipeline.restore import load_model, restore_text
    from pipeline.restore_model import MODEL_DIR, load_model_from
    from pipeline.text import strip_accents

    build.PLANS, build.REAL = SHARED / "plans", SHARED / "real"
    build.SAMPLES, build.LM_TEXTS = REPO / "data" / "samples", REPO / "data" / "lm"
    inputs = _inputs(build, lambda t: strip_accents(unicodedata.normalize("NFC", t)), work)
    model = load_model()
    plans = build.clean_plan_texts()
    others = ([t for _, t in plans[1:]] + [t for _, t in build.own_texts()]
              + [t.text for t in build.real_texts()])
    held_out = load_model_from(MODEL_DIR, domain=build.domain_tables(others, model.vocab))
    results = {}
    for key, text in inputs.items():
        for name, m in (("full", model), ("held-out", held_out)):
            if name == "held-out" and not key.startswith(("plan-stripped", "ocr")):
                continue
            r = restore_text(text, model=m)
            results[f"{name}|{key}"] = [r.text, r.mode, [list(o) for o in r.offsets],
                                        r.confidence]
    out.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


def _inputs(build, strip, work: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for kind, folder in (("plan", SHARED / "plans"), ("sample", REPO / "data" / "samples")):
        for path in sorted(folder.glob("*.txt")):
            texts[f"{kind}:{path.name}"] = path.read_text(encoding="utf-8")
            texts[f"{kind}-stripped:{path.name}"] = strip(texts[f"{kind}:{path.name}"])
    for name, text in build.genre_texts():
        texts[f"lm-stripped:{name}"] = strip(text)
    for real in build.real_texts():
        texts[f"real:{real.name}"] = real.text
        texts[f"real-stripped:{real.name}"] = strip(real.text)
    for k, (_, text) in enumerate(build.clean_plan_texts()):  # as bench_restore.synthetic_ocr
        paras = [unicodedata.normalize("NFC", p.strip()) for p in text.splitlines() if p.strip()]
        texts[f"ocr:plan{k}"] = "\n".join(build.scan_pages(build.wrap_pages(paras), work,
                                                           f"plan{k}"))
    for path in sorted((REPO / "tests" / "fixtures" / "restore").glob("*")):
        texts[f"fixture:{path.name}"] = path.read_text(encoding="utf-8")
    return texts


def differences(ours: dict, theirs: dict) -> list[str]:
    """One line per result that differs (or exists on one side only)."""
    out = [f"only one side: {key}" for key in sorted(set(ours) ^ set(theirs))]
    for key in sorted(set(ours) & set(theirs)):
        for i, what in enumerate(("text", "mode", "offsets", "confidence")):
            if ours[key][i] != theirs[key][i]:
                out.append(f"{what} differs: {key}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", nargs="?", default="main")
    parser.add_argument("--work", type=Path, default=Path("/tmp/restore_bench"),
                        help="the scans' cache, as bench_restore.py --work (reused)")
    parser.add_argument("--dump", nargs=2, metavar=("ROOT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.dump:
        restore_all(Path(args.dump[0]), Path(args.dump[1]), args.work)
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "rev"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.rev, "pipeline",
                                  "models", "scripts", "bench"], capture_output=True, check=True)
        (Path(tmp) / "rev.tar").write_bytes(archive.stdout)
        with tarfile.open(Path(tmp) / "rev.tar") as tar:
            tar.extractall(base, filter="tar")
        dumps = {}
        for name, root in (("rev", base), ("ours", REPO)):
            dumps[name] = Path(tmp) / f"{name}.json"
            subprocess.run([sys.executable, __file__, "--work", str(args.work), "--dump",
                            str(root), str(dumps[name])], check=True)
        ours = json.loads(dumps["ours"].read_text(encoding="utf-8"))
        theirs = json.loads(dumps["rev"].read_text(encoding="utf-8"))
    diff = differences(ours, theirs)
    print("\n".join(diff) or f"same output as {args.rev} on all {len(ours)} results")
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
