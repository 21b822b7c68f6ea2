"""Benchmark of document facts and targets against the hand-made gold of tests/fixtures/gold.

Run: .venv/bin/python bench/bench_extract.py  -> bench/results/extract.md (and printed).

Plans: ../shared/plans/*.txt (skipped when absent) and data/samples/*.txt, each with gold in
tests/fixtures/gold/{facts,targets}/<plan>.json. Text that is accent-stripped or OCR-garbled is
restored first with pipeline.restore.restore_text, as the product does.

Matching rules:
- targets: a gold target matches one predicted target (one-to-one, greedy in reading order)
  when indicator, comparator and unit are equal, value (and value_max when given) equal within
  1e-6, and the gold "quote" overlaps the predicted grounding. The gold quote is the clause or
  sentence that states the target as a reader marks it (a table target: its row); it is found
  in the page's raw text accent-folded, any run of whitespace matching any other, and compared
  with the raw span of the grounding. Precision = matched / predicted, recall = matched / gold.
- facts: each field of DocumentFacts in FACT_FIELDS is one item (equal after whitespace and
  case normalisation; None must match None); each gold reference is one item, matched by
  number (spaces removed, folded), kind and date. Share right = right items / all items.
Plans whose text the rules were written against, or whose errors were once read and fixed by
rules, are marked "seen"; only plans no rule was ever written on are "held out".
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extract import extract_document  # noqa: E402
from pipeline.records import Extraction, Page  # noqa: E402
from pipeline.text import fold, normalise  # noqa: E402

SHARED = ROOT / ".." / "shared" / "plans"
SAMPLES = ROOT / "data" / "samples"
GOLD = ROOT / "tests" / "fixtures" / "gold"
OUT = ROOT / "bench" / "results" / "extract.md"
# Plans the rules were written and tuned against; everything else is held out.
SEEN = {"000_cb333d08bd062875", "001_6ab4926c68bb22f9", "kh-xa-targets-01",
        "kh-huyen-targets-02", "kh-tinh-targets-03",
        # held out once (FIRST_BLIND_RUN), then their errors were read and fixed by rules:
        "002_42accd784307240d", "004_257ac634600b447c", "kh-xa-tasks-04", "kh-huyen-tasks-05",
        # written blind, measured once (FIRST_BLIND_RUN), then used to fix genre rules:
        "kh-phuong-06", "kh-tinh-07",
        # blind once (third run), then seen (measured numbers in FIRST_BLIND_RUN):
        "kh-xa-08", "kh-huyen-09",
        # blind (fourth round); in issue 13 its text was displayed while the gold of the other
        # plans was annotated, and its one error was read and fixed (ISSUE_13_NOTE): seen
        "kh-xa-blind-11"}
ISSUE_13_NOTE = """\
### kh-xa-blind-11 in issue 13

Measured on branch issue-13e before its error was read: targets precision 0.944 (17/18), recall
1.000 (17/17), facts 1.000 (21/21). The extra record was "lắp đặt cụm loa truyền thanh tại 05 bản"
(villages became a unit of count in issue 13): a count after "tại" says where a task is done, not
an objective, a rule for the genre. Its text had also been on screen while the gold quotes of the
other plans were annotated. From then on it is "seen" here (its name is kept: the tests and the
restoration build leave "-blind-" files out, and its responsibilities and deadlines were not read).
"""
FACT_FIELDS = ("doc_type", "number", "issue_date", "issue_month", "issue_year", "place",
               "issuer", "admin_level", "locality", "district", "province", "period_start",
               "period_end", "is_draft", "signer", "signer_title", "title")
GOALS = {"target_p": 0.90, "target_r": 0.95, "facts": 0.95}
# The first run on the held-out plans, before anyone looked at their errors (kept as measured).
FIRST_BLIND_RUN = """\
### First blind run on the held-out plans (before their errors were inspected)

| plan | text | targets gold | precision | recall | facts share |
|---|---|---|---|---|---|
| 002_42accd784307240d | ocr_garbled, restored | 12 | 0.714 | 0.833 | 0.824 |
| 004_257ac634600b447c | clean | 14 | 0.929 | 0.929 | 0.960 |
| kh-huyen-tasks-05 (tasks engineer's sample) | clean | 3 | 0.667 | 0.667 | 0.950 |
| kh-xa-tasks-04 (tasks engineer's sample) | clean | 5 | 0.600 | 0.600 | 1.000 |
| all held out | | 34 | 0.778 | 0.824 | 0.938 |

After that run the errors were read once and fixed by genre rules, not plan rules: a figure
glued to letters or symbols is OCR noise ("cd6", "¢6"); "giảm" in "giám sát", "miễn giảm học
phí" is not the reduction verb; a parenthesis after a poverty target continues its subject
("(giảm 2,1% so với đầu năm)"); indicator production_support (Dự án 2); place names stop at
level words compared with their accents ("Hà Tĩnh" is not cut at "tỉnh"); references listed
in one sentence are all read; the plan year falls back to the preamble. The tables above are
after those fixes, so their "held out" rows are no longer blind.

### Second blind run: kh-phuong-06 and kh-tinh-07 (2026-11-23, before any rule saw them)

Written and annotated by an engineer who never ran the extractor on them (then named
kh-phuong-blind-06, kh-tinh-blind-07), measured once before any rule was changed.

| plan | targets P | targets R | facts right | resp. P / R / F1 | deadlines P / R / F1 |
|---|---|---|---|---|---|
| kh-phuong-06 | 0.963 (26/27) | 1.000 (26/26) | 0.810 (17/21) | 1.00 / 0.90 / 0.95 | 0.86 / 0.86 / 0.86 |
| kh-tinh-07 | 0.686 (35/51) | 0.972 (35/36) | 1.000 (20/20) | 1.00 / 0.87 / 0.93 | 0.91 / 0.91 / 0.91 |

Errors, then fixed by genre rules: a two-line header (parent unit above the issuing unit) took
the parent as issuer; "KẾT QUẢ ... NĂM <year before the plan>" was not a situation section; a
table column "cuối năm <year before the plan>" was read as a level target; "không dưới X%" was
`<` instead of `>=`; "hỗ trợ 100% mệnh giá thẻ BHYT" was a target. From then on both plans are
"seen": the tables above no longer measure them blind.

### Third blind run: kh-xa-08 and kh-huyen-09 (2026-11-23 16:36 UTC, before any rule saw them)

Written and annotated by an engineer who never ran the extractor on them (then named
kh-xa-blind-08, kh-huyen-blind-09), measured once after the second round of genre fixes.
Commands: `.venv/bin/python bench/bench_extract.py`, `.venv/bin/python bench/bench_extract_tasks.py`

| plan | targets P | targets R | facts right |
|---|---|---|---|
| kh-xa-08 | 0.657 (23/35) | 1.000 (23/23) | 1.000 (22/22) |
| kh-huyen-09 | 0.732 (30/41) | 0.968 (30/31) | 0.818 (18/22: issue_date, issue_month, issue_year, place) |

| plan | resp. P / R / F1 | deadlines P / R / F1 |
|---|---|---|
| kh-xa-08 | 1.00 / 1.00 / 1.00 (21) | 1.00 / 1.00 / 1.00 (16) |
| kh-huyen-09 | 1.00 / 1.00 / 1.00 (18) | 0.82 / 1.00 / 0.90 (14 gold, 17 found) |

Errors, then fixed by genre rules: part headings above the roman sections ("Phần thứ nhất" with
its title on the next line, "A. TÌNH HÌNH ...") were not headings, so the figures of a results or
situation part were read as targets (all 22 extra targets); "đưa ... người đi làm việc ở nước
ngoài theo hợp đồng" after "trong đó" took the employment indicator of the figure before it
instead of labour export (job_connection); a date line after a long run of spaces on a joined
header line ("Số: ...      <place>, ngày ...") was not found, nor one after the national motto;
"CỘNG HÒA XÃ HỘI ..." on the issuer's line was read into the commune name. From then on both plans
are "seen".
"""


def plan_files() -> list[Path]:
    """Every plan text that has gold targets or facts."""
    files = sorted(SHARED.glob("*.txt")) if SHARED.exists() else []
    files += sorted(SAMPLES.glob("*.txt"))
    return [f for f in files if (GOLD / "targets" / f"{f.stem}.json").exists()
            or (GOLD / "facts" / f"{f.stem}.json").exists()]


def load_pages(path: Path, restore: bool = True) -> list[Page]:
    """Pages of a text file (form feeds split pages), restored when the text needs it."""
    raw_pages = path.read_text(encoding="utf-8").split("\f")
    pages = []
    for i, raw in enumerate(raw_pages, 1):
        raw = normalise(raw)  # as pipeline.pages.make_page does
        text, offsets, mode = raw, [], "clean"
        if not restore:
            pages.append(Page(i, text, raw, "plain"))
            continue
        try:
            from pipeline.restore import model_available, restore_text

            if model_available():
                r = restore_text(raw)
                text, offsets, mode = r.text, r.offsets, r.mode
        except Exception as exc:  # noqa: BLE001 - measure extraction even if restoration breaks
            print(f"warning: restoration failed on {path.name}: {exc!r}", file=sys.stderr)
        pages.append(Page(i, text, raw, "plain", text_mode=mode, offsets=offsets))
    return pages


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", fold(s))


def quote_spans(page: Page, quote: str) -> list[tuple[int, int]]:
    """Every (start, end) of `quote` in the page's raw text: accent-folded, any run of
    whitespace matching any other (a quote copied across a line break still stands)."""
    words = fold(quote).split()
    if not words:
        return []
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    return [(m.start(), m.end()) for m in pattern.finditer(fold(page.raw_text))]


def raw_span(page: Page, grounding) -> tuple[int, int]:
    """The grounding's span in the raw text (the same span where the page was not restored)."""
    if grounding.raw_char_start is not None and page.offsets:
        return grounding.raw_char_start, grounding.raw_char_end
    return grounding.char_start, grounding.char_end


def score_targets(gold: list[dict], ex: Extraction, pages: list[Page]) -> tuple[int, int, int]:
    """(matched, predicted, gold) under the matching rule of the module docstring."""
    used: set[int] = set()
    matched = 0
    for g in gold:
        where = {(p.number, span) for p in pages for span in quote_spans(p, g["quote"])}
        for i, t in enumerate(ex.targets):
            if i in used:
                continue
            if (t.indicator, t.comparator, t.unit) != (g["indicator"], g["comparator"], g["unit"]):
                continue
            if t.value is None or abs(t.value - float(g["value"])) > 1e-6:
                continue
            if g.get("value_max") is not None and (
                t.value_max is None or abs(t.value_max - float(g["value_max"])) > 1e-6
            ):
                continue
            gr = t.grounding
            lo, hi = raw_span(pages[gr.page - 1], gr)
            if not any(page == gr.page and s < hi and lo < e for page, (s, e) in where):
                continue
            used.add(i)
            matched += 1
            break
    return matched, len(ex.targets), len(gold)


def _fact_equal(a, b) -> bool:
    if isinstance(a, date):
        a = a.isoformat()
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) or isinstance(b, str):
        return re.sub(r"\s+", " ", str(a)).strip().lower() == re.sub(r"\s+", " ",
                                                                      str(b)).strip().lower()
    return a == b


def score_facts(gold: dict, ex: Extraction) -> tuple[int, int, list[str], int, int]:
    """(right items, all items, wrong field names, refs matched, refs predicted)."""
    right, wrong = 0, []
    for f in FACT_FIELDS:
        if _fact_equal(getattr(ex.facts, f), gold.get(f)):
            right += 1
        else:
            wrong.append(f)
    refs_pred = ex.facts.references
    ref_hits = 0
    for g in gold.get("references", []):
        for r in refs_pred:
            same_num = _norm(r.number or "") == _norm(g["number"])
            same_date = (r.date.isoformat() if r.date else None) == g.get("date")
            if same_num and r.kind == g["kind"] and same_date:
                ref_hits += 1
                break
        else:
            wrong.append(f"ref {g['number']}")
    n_refs = len(gold.get("references", []))
    return right + ref_hits, len(FACT_FIELDS) + n_refs, wrong, ref_hits, len(refs_pred)


def main() -> str:
    rows_t, rows_f = [], []
    tot = {"seen": [0, 0, 0], "held out": [0, 0, 0]}
    ftot = {"seen": [0, 0], "held out": [0, 0]}
    elapsed = 0.0
    for path in plan_files():
        pages = load_pages(path)
        t0 = time.perf_counter()
        ex = extract_document(pages)
        elapsed += time.perf_counter() - t0
        split = "seen" if path.stem in SEEN else "held out"
        mode = pages[0].text_mode if pages else "clean"
        gt = GOLD / "targets" / f"{path.stem}.json"
        if gt.exists():
            m, p, g = score_targets(json.loads(gt.read_text(encoding="utf-8")), ex, pages)
            for k, v in zip((0, 1, 2), (m, p, g), strict=True):
                tot[split][k] += v
            rows_t.append(f"| {path.stem} | {split} | {mode} | {g} | {p} | {m} | "
                          f"{_ratio(m, p)} | {_ratio(m, g)} |")
        gf = GOLD / "facts" / f"{path.stem}.json"
        if gf.exists():
            right, items, wrong, hits, npred = score_facts(
                json.loads(gf.read_text(encoding="utf-8")), ex)
            ftot[split][0] += right
            ftot[split][1] += items
            rows_f.append(f"| {path.stem} | {split} | {right}/{items} | {_ratio(right, items)} | "
                          f"{hits}/{npred} | {', '.join(wrong) or '-'} |")
    raw_rows = []
    for path in plan_files():
        gt = GOLD / "targets" / f"{path.stem}.json"
        restored = load_pages(path)
        if not gt.exists() or all(p.text_mode == "clean" for p in restored):
            continue
        pages = load_pages(path, restore=False)
        m, p, g = score_targets(json.loads(gt.read_text(encoding="utf-8")), extract_document(pages),
                                pages)
        raw_rows.append(f"| {path.stem} | {g} | {p} | {m} | {_ratio(m, p)} | {_ratio(m, g)} |")
    lines = ["## Extract", "",
             "Document facts and targets against hand-made gold (tests/fixtures/gold); matching "
             "rules in bench/bench_extract.py (a gold quote is the clause a reader marks; it must "
             "overlap the grounding). \"seen\": rules written while reading the plan, or its "
             "errors read and fixed once; \"held out\": no rule was ever written on it (the blind "
             "runs below give the numbers of the others before their errors were inspected).", "",
             "### Targets (value, unit, comparator and indicator all right)", "",
             "| plan | split | text | gold | predicted | matched | precision | recall |",
             "|---|---|---|---|---|---|---|---|", *rows_t, ""]
    lines += ["| split | precision | goal | recall | goal |", "|---|---|---|---|---|"]
    for split, (m, p, g) in tot.items():
        if g or p:
            lines.append(f"| {split} | {_ratio(m, p)} | >= {GOALS['target_p']} | {_ratio(m, g)} | "
                         f">= {GOALS['target_r']} |")
    all_m = sum(v[0] for v in tot.values())
    all_p = sum(v[1] for v in tot.values())
    all_g = sum(v[2] for v in tot.values())
    lines.append(f"| all | {_ratio(all_m, all_p)} | >= {GOALS['target_p']} | "
                 f"{_ratio(all_m, all_g)} | >= {GOALS['target_r']} |")
    lines += ["", "### Document facts (share of fields and cited documents right)", "",
              "| plan | split | right | share | refs found/predicted | wrong |",
              "|---|---|---|---|---|---|", *rows_f, "",
              "| split | share right | goal |", "|---|---|---|"]
    for split, (r, n) in ftot.items():
        if n:
            lines.append(f"| {split} | {_ratio(r, n)} | >= {GOALS['facts']} |")
    if raw_rows:
        lines += ["", "### Damaged plans without restoration (the raw text straight to extraction)",
                  "", "| plan | gold | predicted | matched | precision | recall |",
                  "|---|---|---|---|---|---|", *raw_rows]
    lines += ["", FIRST_BLIND_RUN, "", ISSUE_13_NOTE]
    lines += ["", f"Extraction time (all plans, after restoration): {elapsed:.2f} s", "",
              "Command: `.venv/bin/python bench/bench_extract.py`", ""]
    text = "\n".join(lines)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    return text


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "-"


if __name__ == "__main__":
    print(main())
