"""Benchmark on real text nobody on the project wrote: ../shared/real (see its README).

Run: .venv/bin/python bench/bench_real.py  -> bench/results/real.md (and printed).
     --errors prints the errors of the SEEN part only; --errors --include-blind prints the
     blind part's too: do that once, when a blind round is closed (its numbers measured and
     added to real_split.BLIND_HISTORY), then move what was read to real_split.SEEN_SINCE.

Three measures, each reported for the seen and the blind part of bench/real_split.py:
- facts of the 31 document beginnings: doc_type, number, issue_date, admin_level, locality,
  district, province; a field the gold leaves out must come out unknown (None), so a guessed
  value counts as wrong. Compared case- and space-insensitively, accents kept; two spellings of
  one thing agree: a number with a hyphen or an en dash ("55/KH-UBND", "55/KH–UBND"), a place
  with the old or the new tone placement ("Hoà Bình", "Hòa Bình").
- targets of the 108 target lines, each line read as a one-line document (no section, no
  plan year): a gold target matches one predicted target when value (and value_max), unit and
  comparator (one of the gold's acceptable readings) agree and the gold span overlaps the
  predicted grounding. Precision = matched / predicted; "results read as targets" = predicted
  targets that are one of the gold's not_targets (results, estimates, baselines) / predicted.
  The gold's indicator codes are mapped onto ours (INDICATOR_MAP) for the indicator share.
- accent restoration of the real texts with their accents stripped (syllable accuracy), and of
  the texts as they are (share of syllables left unchanged).
Files are read the way `plans ingest` reads a .txt file (ingest.decode_text, pages.make_page).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from real_split import (  # noqa: E402
    BLIND_HISTORY,
    BLIND_ROUNDS,
    is_blind_document,
    is_blind_line,
    part_of,
)

from pipeline.extract import extract_document  # noqa: E402
from pipeline.extract.targets import extract_targets  # noqa: E402
from pipeline.ingest import decode_text  # noqa: E402
from pipeline.pages import make_page  # noqa: E402
from pipeline.records import DocumentFacts  # noqa: E402
from pipeline.text import fold, strip_accents, tone_key  # noqa: E402

REAL = ROOT / ".." / "shared" / "real"
OUT = ROOT / "bench" / "results" / "real.md"
FACT_FIELDS = ("doc_type", "number", "issue_date", "admin_level", "locality", "district",
               "province")
GOALS = {"facts": 0.95, "target_r": 0.92, "target_p": 0.90, "results_as_targets": 0.03,
         "restore_stripped": 0.990, "restore_unchanged": 0.999}
# the gold's indicator codes -> the codes of pipeline/extract/indicators.py they may be
INDICATOR_MAP = {
    "poverty_rate": {"poverty_rate", "poverty_reduction"},
    "near_poverty_rate": {"near_poor_rate", "near_poor_reduction"},
    "poor_households": {"poor_households"},
    "poor_households_escaping": {"poor_households_reduction", "households_escaping"},
    "near_poor_households_escaping": {"near_poor_households_reduction"},
    "income_per_capita": {"income"},
    "vocational_training": {"vocational_training"},
    "health_insurance": {"health_insurance"},
    "domestic_water": {"domestic_water"},
    "hygienic_latrine": {"hygienic_latrine"},
    "housing": {"housing_quality", "housing_area"},
    "employment": {"employment", "job_connection"},
    "new_rural_communes": {"new_rural_communes"},
    "malnutrition": {"malnutrition_weight", "malnutrition_height", "nutrition", "low_birth_weight"},
    "budget": {"budget", "credit"},
}


def read_pages(data: bytes) -> list:
    text = decode_text(data)
    return [make_page(i, raw, "plain") for i, raw in enumerate(text.split("\f"), 1)]


def _norm(value) -> str | None:
    if value is None:
        return None
    text = re.sub(r"\s+", " ", str(value)).strip().replace("–", "-").replace("—", "-")
    return tone_key(text) or None


def score_facts(gold: dict, facts: DocumentFacts) -> dict[str, bool]:
    """Field -> right, for every field of FACT_FIELDS (absent from the gold = unknown)."""
    got = {
        "doc_type": facts.doc_type, "number": (facts.number or "").replace(" ", "") or None,
        "issue_date": facts.issue_date.isoformat() if facts.issue_date else None,
        "admin_level": facts.admin_level, "locality": facts.locality,
        "district": facts.district, "province": facts.province,
    }
    want = dict(gold)
    if want.get("number"):
        want["number"] = want["number"].replace(" ", "")
    return {f: _norm(got[f]) == _norm(want.get(f)) for f in FACT_FIELDS}


def _unit(unit: str | None) -> str:
    return fold(unit or "").replace("²", "2").replace(" ", "")


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score_line(line: str, golds: list[dict], not_targets: list[dict]) -> dict:
    """Matched / predicted / gold / indicator-right / results-as-targets for one line."""
    page = make_page(1, line, "plain")
    predicted = extract_targets([page], DocumentFacts())
    used: set[int] = set()
    matched = indicator_right = 0
    for g in golds:
        span = _span(page.text, line, g.get("span"))
        for i, t in enumerate(predicted):
            if i in used or t.value is None or abs(t.value - float(g["value"])) > 1e-6:
                continue
            if g.get("value_max") is not None and (
                    t.value_max is None or abs(t.value_max - float(g["value_max"])) > 1e-6):
                continue
            if _unit(t.unit) != _unit(g["unit"]) or t.comparator not in g["comparators"]:
                continue
            if span and not _overlap(span, (t.grounding.char_start, t.grounding.char_end)):
                continue
            used.add(i)
            matched += 1
            allowed = INDICATOR_MAP.get(g["indicator"])
            indicator_right += allowed is None or t.indicator in allowed
            break
    results = 0
    for i, t in enumerate(predicted):
        if i in used:
            continue
        for n in not_targets:
            span = _span(page.text, line, n.get("span"))
            if t.value is not None and abs(t.value - float(n["value"])) <= 1e-6 and (
                    span is None or _overlap(span, (t.grounding.char_start, t.grounding.char_end))):
                results += 1
                break
    extra = [t for i, t in enumerate(predicted) if i not in used]
    return {"matched": matched, "predicted": len(predicted), "gold": len(golds),
            "indicator_right": indicator_right, "results": results, "extra": extra}


def _span(text: str, raw: str, needle: str | None) -> tuple[int, int] | None:
    """Where the gold's span stands in the stored (normalised, restored) text of the line."""
    if not needle:
        return None
    at = fold(text).find(fold(needle))
    return (at, at + len(needle)) if at >= 0 else None


def restoration(texts: list[str]) -> tuple[int, int, int, int]:
    """(right, total) syllables restored from the stripped texts; (kept, total) of the texts."""
    from bench_restore import accuracy  # noqa: PLC0415 - imports the restore build script

    from pipeline.restore import restore_text

    right = total = kept = n = 0
    for text in texts:
        ok, count = accuracy(text, restore_text(strip_accents(text)).text)
        right, total = right + ok, total + count
        ok, count = accuracy(text, restore_text(text).text)
        kept, n = kept + ok, n + count
    return right, total, kept, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", action="store_true", help="print the seen part's errors")
    parser.add_argument("--include-blind", action="store_true",
                        help="with --errors: print the blind part's errors too (it is then seen)")
    parser.add_argument("--seen-only", action="store_true",
                        help="while writing rules: print the seen part's numbers, not the blind's")
    args = parser.parse_args()
    if not (REAL / "gold.json").is_file():
        sys.exit("../shared/real is absent")
    gold = json.loads((REAL / "gold.json").read_text(encoding="utf-8"))
    started = time.perf_counter()
    facts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    fact_rows = []
    texts: dict[str, list[str]] = defaultdict(list)
    for name, want in sorted(gold["facts"].items()):
        part = part_of(name, is_blind_document(name))
        data = (REAL / name).read_bytes()
        texts[part].append(decode_text(data))
        got = extract_document(read_pages(data)).facts
        right = score_facts(want, got)
        facts[part][0] += sum(right.values())
        facts[part][1] += len(right)
        wrong = [f for f, ok in right.items() if not ok]
        fact_rows.append((name, part, sum(right.values()), len(right), wrong))
        if args.errors and (part != "blind" or args.include_blind) and wrong:
            print(f"FACTS {part} {name}: " + ", ".join(
                f"{f}: {getattr(got, f)!r} (gold {want.get(f)!r})" for f in wrong))
    lines = (REAL / "target_sentences.txt").read_text(encoding="utf-8").split("\n")
    targets: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(
        ("matched", "predicted", "gold", "indicator_right", "results"), 0))
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        part = part_of(f"line {number}", is_blind_line(number))
        golds = [t for t in gold["targets"] if t["line"] == number]
        nots = [t for t in gold["not_targets"] if t["line"] == number]
        texts[part].append(line)
        row = score_line(line, golds, nots)
        for key in targets[part]:
            targets[part][key] += row[key]
        if (args.errors and (part != "blind" or args.include_blind)
                and (row["matched"] < row["gold"] or row["extra"])):
            print(f"LINE {part} {number}: gold {[(g['value'], g['unit'], g['comparators']) for g in golds]}"
                  f" extra {[(t.indicator, t.comparator, t.value, t.unit) for t in row['extra']]}"
                  f"\n  {line[:300]}")
    parts = sorted(set(facts) | set(targets) - {"blind"}, key=lambda p: (p != "seen", p))
    parts = [p for p in parts if p != "blind"]
    restore = {p: restoration(texts[p]) if not args.seen_only or p != "blind" else (0, 0, 0, 0)
               for p in [*parts, "blind"]}
    columns = _columns(parts, facts, targets, restore)
    report = render(columns, fact_rows, time.perf_counter() - started)
    if args.seen_only:
        print("\n".join(line.rsplit(" | ", 2)[0] for line in report.splitlines()
                        if line.startswith("| ") and "(" in line and "part" not in line))
        return
    OUT.write_text(report, encoding="utf-8")
    print(report)


def _columns(parts: list[str], facts, targets, restore) -> dict[str, dict]:
    """Column label -> its counts: each seen part, all seen parts together, the blind part."""
    def column(names: list[str]) -> dict:
        out = {"facts": [sum(facts[p][i] for p in names) for i in (0, 1)],
               "restore": [sum(restore[p][i] for p in names) for i in range(4)]}
        out.update({k: sum(targets[p][k] for p in names)
                    for k in ("matched", "predicted", "gold", "indicator_right", "results")})
        return out

    columns = {("seen since the split" if p == "seen" else f"{p} (blind before)"): column([p])
               for p in parts}
    if len(parts) > 1:
        columns["all seen"] = column(parts)
    columns["blind"] = column(["blind"])
    return columns


def _share(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "-"


def render(columns: dict[str, dict], fact_rows, seconds: float) -> str:
    blind_empty = columns["blind"]["facts"][1] == 0 and columns["blind"]["gold"] == 0
    lines = ["## Real text (../shared/real)", "",
             "Real document beginnings and target lines from public sites, split once into a seen "
             "part and a blind part by document and source site before any error was read "
             "(bench/real_split.py). Rules may be written on the seen part only; the blind part's "
             "errors are printed only when its round is closed, after its numbers went into the "
             "blind history below. \"seen since D\": blind until its errors were read on D (its "
             "numbers before that are in the blind history); goals are for text the rules were not "
             "written on." + (" All of ../shared/real is seen now: every number of the first table "
                             "is a seen number; the blind numbers are those of the history."
                             if blind_empty else ""), "",
             "| measure | " + " | ".join(columns) + " | goal |",
             "|---|" + "---|" * (len(columns) + 1)]

    def row(label: str, cell, goal: str) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(c) for c in columns.values()) + f" | {goal} |")

    row("document facts right", lambda c: _share(*c["facts"]), f">= {GOALS['facts']}")
    row("targets recall", lambda c: _share(c["matched"], c["gold"]), f">= {GOALS['target_r']}")
    row("targets precision", lambda c: _share(c["matched"], c["predicted"]),
        f">= {GOALS['target_p']}")
    row("results or estimates read as targets (of the records)",
        lambda c: _share(c["results"], c["predicted"]), f"<= {GOALS['results_as_targets']}")
    row("indicator right (of matched targets)",
        lambda c: _share(c["indicator_right"], c["matched"]), "")
    row("accents restored, real text stripped (syllables; the shipped model, whose counts "
        "hold these texts: leave-one-source-out numbers are in the Restore section)",
        lambda c: _share(c["restore"][0], c["restore"][1]), f">= {GOALS['restore_stripped']}")
    row("real text left unchanged (syllables)",
        lambda c: _share(c["restore"][2], c["restore"][3]), f">= {GOALS['restore_unchanged']}")
    lines += ["", "Blind history: every blind part as measured before its errors were read, kept "
              "after it became seen (bench/real_split.py, BLIND_HISTORY):", "",
              "| date | blind part | facts | targets recall | targets precision | "
              "results read as targets |", "|---|---|---|---|---|---|"]
    for date, what, *shares in BLIND_HISTORY:
        lines.append(f"| {date} | {what} | " + " | ".join(_share(*s) for s in shares) + " |")
    lines += ["", "What reading them found:", ""]
    lines += [f"- {date}: {what}" for date, what in BLIND_ROUNDS]
    blind = sum(part == "blind" for _, part, *_ in fact_rows)
    lines += ["", "Facts per document of the seen parts" + (
        f" (the {blind} blind documents are counted above only, so that no rule is written on "
        "their errors)" if blind else "") + ":", "",
              "| document | part | right | wrong |", "|---|---|---|---|"]
    for name, part, right, total, wrong in fact_rows:
        if part != "blind":
            lines.append(f"| {name} | {part} | {right}/{total} | {', '.join(wrong) or '-'} |")
    lines += ["", f"Time: {seconds:.1f} s. Command: `.venv/bin/python bench/bench_real.py`", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
