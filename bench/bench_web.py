"""Response times of the web app and its JSON API on a database of many commune plans.

The database is synthetic (hand-built records in the genre's shape: one plan per commune, a
few districts, every dimension's targets, tasks and deadlines on long pages), so the numbers
measure the app and the store's queries, not extraction. Requests go through FastAPI's
TestClient (in process, no network), each repeated; the median and the slowest are reported.

Run: .venv/bin/python bench/bench_web.py [--plans 120]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fastapi.testclient import TestClient  # noqa: E402

from pipeline import records, store  # noqa: E402
from pipeline.web import create_app  # noqa: E402

RESULT = REPO / "bench" / "results" / "web.md"
REPEAT = 5
# (what, path template, goal in ms for the slowest of the repeats)
CASES = [
    ("documents list", "/", 500),
    ("document page, all records highlighted", "/documents/{doc}", 500),
    ("targets table, unfiltered", "/targets", 2000),
    ("targets table, one dimension, sorted", "/targets?dimension=water_sanitation&sort=value"
     "&order=desc", 1000),
    ("comparison, two communes, one dimension",
     "/compare?locality={a}&locality={b}&dimension=water_sanitation", 1000),
    ("comparison, all communes of a district, one indicator",
     "/compare?district={district}&indicator=domestic_water", 1000),
    ("findings page", "/findings", 1000),
    ("API /api/targets (all)", "/api/targets", 2000),
    ("API /api/compare, two communes", "/api/compare?indicator=hygienic_latrine&locality={a}"
     "&locality={b}", 1000),
    ("export XLSX of one dimension's targets", "/targets/export.xlsx?dimension=water_sanitation",
     2000),
]
TARGETS = [  # (indicator, dimension, unit, sentence with {v})
    ("poverty_rate", None, "%", "Phấn đấu giảm tỷ lệ hộ nghèo xuống dưới {v}%"),
    ("near_poor_rate", None, "%", "tỷ lệ hộ cận nghèo còn {v}%"),
    ("job_connection", "employment", "%", "{v}% người lao động được tư vấn giới thiệu việc làm"),
    ("health_insurance", "health", "%", "{v}% người thuộc hộ nghèo được hỗ trợ bảo hiểm y tế"),
    ("school_attendance", "education", "%", "{v}% trẻ em trong độ tuổi được đến trường"),
    ("housing_quality", "housing", "%", "{v}% hộ nghèo có nhà ở an toàn"),
    ("domestic_water", "water_sanitation", "%", "{v}% hộ nghèo sử dụng nước sinh hoạt hợp vệ "
                                                "sinh"),
    ("hygienic_latrine", "water_sanitation", "%", "{v}% hộ nghèo sử dụng nhà tiêu hợp vệ sinh"),
    ("telecom_use", "information", "%", "{v}% hộ nghèo được sử dụng dịch vụ viễn thông"),
    ("poor_households", None, "hộ", "giảm còn {v} hộ nghèo"),
]


def _plan(i: int, district: str) -> tuple[str, records.Extraction, list[records.Finding]]:
    """One synthetic commune plan: ~17,000 characters, 10 targets, 8 tasks, 4 deadlines."""
    locality = f"Xã Mẫu {i:03d}"
    filler = ("Tăng cường công tác tuyên truyền, vận động nhân dân tham gia thực hiện chương "
              "trình giảm nghèo bền vững trên địa bàn. ") * 6
    parts, targets, tasks, deadlines = [f"KẾ HOẠCH giảm nghèo {locality} năm 2024\n"], [], [], []
    pos = len(parts[0])

    def add(sentence: str) -> records.Grounding:
        nonlocal pos
        start = pos + 2
        parts.append("- " + sentence + ".\n" + filler + "\n")
        pos += len(parts[-1])
        return records.Grounding(1, start, start + len(sentence), sentence)

    for k, (code, dimension, unit, pattern) in enumerate(TARGETS):
        value = float(80 + (i * 7 + k * 3) % 20) if unit == "%" else float(10 + i % 30)
        sentence = pattern.format(v=f"{value:g}".replace(".", ","))
        targets.append(records.TargetRecord(code, dimension, "hộ nghèo", "=", value, None, None,
                                            unit, "2024", None, add(sentence)))
    for k in range(8):
        sentence = f"Công chức Văn hóa - Xã hội chủ trì, phối hợp thực hiện nhiệm vụ số {k + 1}"
        tasks.append(records.ResponsibilityRecord("Công chức Văn hóa - Xã hội", "VHXH", "lead",
                                                  sentence, [], add(sentence)))
    for k in range(4):
        sentence = f"báo cáo kết quả trước ngày 15/{k + 9}/2024"
        deadlines.append(records.DeadlineRecord("by_date", date(2024, k + 9, 15), None, None,
                                                None, "báo cáo kết quả", add(sentence)))
    facts = records.DocumentFacts(doc_type="Kế hoạch", number=f"{i}/KH-UBND", admin_level="xã",
                                  locality=locality, district=district, province="Tỉnh Mẫu",
                                  issue_date=date(2024, 3, 1), period_start=2024,
                                  period_end=2024, issuer=f"UBND {locality}")
    extraction = records.Extraction(facts, targets, tasks, deadlines)
    findings = [records.Finding("task_without_lead", "warning", "Nhiệm vụ không có cơ quan chủ "
                                "trì.", [tasks[0].grounding])]
    return "".join(parts), extraction, findings


def build(url: str, plans: int) -> dict:
    engine = store.get_engine(url)
    lengths = []
    for i in range(plans):
        district = f"Huyện Mẫu {i % 5 + 1}"
        text, extraction, findings = _plan(i, district)
        lengths.append(len(text))
        store.save_document(engine, sha256=hashlib.sha256(text.encode()).hexdigest(),
                            file_name=f"ke-hoach-{i:03d}.txt",
                            pages=[records.Page(1, text, text, "plain")],
                            extraction=extraction, findings=findings)
    return {"doc": 1, "a": "Mẫu 000", "b": "Mẫu 001", "district": "Huyện Mẫu 1",
            "chars": sum(lengths) // max(len(lengths), 1)}


def measure(client: TestClient, path: str) -> tuple[float, float]:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=120)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'plans.db'}"
        started = time.perf_counter()
        names = build(url, args.plans)
        build_s = time.perf_counter() - started
        client = TestClient(create_app(store.get_engine(url)), base_url="http://127.0.0.1")
        rows = []
        for what, template, goal in CASES:
            median, slowest = measure(client, template.format(**names))
            verdict = "ok" if slowest <= goal else "MISSED"
            rows.append(f"| {what} | {median:.0f} | {slowest:.0f} | ≤ {goal} | {verdict} |")
    targets = args.plans * len(TARGETS)
    lines = [
        "## Web",
        "",
        f"Response times of `plans web` pages and API on a synthetic SQLite database of "
        f"{args.plans} commune plans ({targets} targets, {args.plans * 8} tasks, "
        f"{args.plans * 4} deadlines, {names['chars']:,} characters each on average; built in "
        f"{build_s:.1f} s). "
        f"In-process requests (FastAPI TestClient), each repeated {REPEAT} times.",
        "",
        "| request | median ms | slowest ms | goal (slowest, ms) | |",
        "|---|---:|---:|---:|---|",
        *rows,
        "",
        f"Command: `.venv/bin/python bench/bench_web.py --plans {args.plans}`",
        "",
    ]
    text = "\n".join(lines)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
