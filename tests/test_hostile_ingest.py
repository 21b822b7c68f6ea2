"""`plans ingest` over hostile files and names: each ends stored whole, or in failed/ with its
report saying what to do; shell metacharacters stay characters; what was stored is unchanged."""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from pipeline import queries, store
from pipeline.cli import app
from tests import hostile
from tests.test_flow import PLAN


def _stored(session) -> dict:
    """What a reader sees of the store: documents and targets with their ids and quotes."""
    return {"documents": [(d["id"], d["document"], d["sha256"], d["target_count"])
                          for d in queries.query_documents(session)],
            "targets": [(t["id"], t["document_id"], t["quote"], t["value"])
                        for t in queries.query_targets(session)]}


def test_ingest_of_hostile_files_and_names(data_home, tmp_path, monkeypatch):
    runner = CliRunner()
    first = tmp_path / "kế hoạch đã lưu.txt"
    first.write_text(PLAN, encoding="utf-8")
    assert runner.invoke(app, ["ingest", str(first)]).exit_code == 0
    with store.session_scope(store.get_engine()) as session:
        before = _stored(session)

    folder = tmp_path / "hostile"
    folder.mkdir()
    monkeypatch.chdir(folder)  # a name run by a shell would create its files here
    names = ["$(touch PWNED).txt", "a;b|c&d `touch PWNED2` >x.txt", "dòng\nmới.txt",
             "-rf --no-preserve-root.txt", "' OR 1=1; --.txt", "=cmd()|'calc'!A0.txt"]
    for number, name in enumerate(names):
        (folder / name).write_text(PLAN + f"\n(Bản số {number})\n", encoding="utf-8")
    failing = {
        "bom.docx": (lambda p: hostile.docx_bomb(p, 100_000_000), "compression_too_high"),
        "anh-20000.png": (lambda p: hostile.png_bomb(p, 20_000), "page_too_large"),
        "trang-200in.pdf": (lambda p: hostile.pdf_big_page(p, 200), "page_too_large"),
        "3000-trang.pdf": (lambda p: hostile.blank_pdf(p, 3000), "too_many_pages"),
        "ngẫu nhiên.txt": (lambda p: p.write_bytes(os.urandom(5000)), "unsupported_type"),
    }
    for name, (make, _) in failing.items():
        make(folder / name)
    traversing = folder / ".." / "hostile" / names[0]

    result = runner.invoke(app, ["ingest", str(folder), str(traversing)])
    assert result.exit_code == 1, result.output
    assert not (folder / "PWNED").exists() and not (folder / "PWNED2").exists()
    assert not list(folder.glob("x.txt"))

    failed = data_home / "failed"
    for name, (_, code) in failing.items():
        report = json.loads((failed / f"{name}.error.json").read_text(encoding="utf-8"))
        assert report["error"] == code, name
        assert "PLANS_" in report["message_en"] or code == "unsupported_type", name
        assert "corrupt" not in report["message_en"] and "hỏng" not in report["message_vi"]
        assert (failed / name).exists()
        assert name in result.output
    with store.session_scope(store.get_engine()) as session:
        after = _stored(session)
        stored_names = {d["document"] for d in queries.query_documents(session)}
    assert stored_names == {first.name, *names}  # the traversing path is names[0] again
    for item in before["documents"]:
        assert item in after["documents"]  # same id, name, hash and records
    for item in before["targets"]:
        assert item in after["targets"]
