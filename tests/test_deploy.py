"""Many machines, the parts that need no server: settings checked up front with clear messages,
paths that mean the same on every machine, outcomes read back with care."""

from __future__ import annotations

import json
import socket

import pytest
from typer.testing import CliRunner

from pipeline import errors
from pipeline.cli import app


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.mark.parametrize("command", [["worker"], ["serve", "--deploy"]])
def test_without_a_server_the_commands_say_how_to_start_one(command, data_home, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "180")  # `plans worker` sets one
    monkeypatch.setenv("PREFECT_WORKER_QUERY_SECONDS", "5")  # and this
    result = CliRunner().invoke(app, command)
    assert result.exit_code == errors.ServerNotConfigured.exit_code, result.output
    assert "plans server" in result.output and "PREFECT_API_URL" in result.output
    assert "Chưa đặt PREFECT_API_URL" in result.output


@pytest.mark.parametrize("command", [["worker"], ["serve", "--deploy"]])
def test_an_unreachable_server_is_named(command, data_home, monkeypatch):
    url = f"http://127.0.0.1:{_closed_port()}/api"
    monkeypatch.setenv("PREFECT_API_URL", url)
    monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "180")
    monkeypatch.setenv("PREFECT_WORKER_QUERY_SECONDS", "5")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == errors.ServerUnreachable.exit_code, result.output
    assert url in result.output and "Không kết nối được máy chủ Prefect" in result.output


def test_a_worker_refuses_a_relative_path(data_home):
    from flows.deploy import process_shared_file

    with pytest.raises(errors.SharedPathRequired) as raised:
        process_shared_file.fn("inbox/plan.txt")
    assert "relative path" in raised.value.message and "tương đối" in raised.value.message


def test_an_outcome_in_a_claim_folder_is_checked_before_it_is_believed(tmp_path):
    from flows.deploy import OUTCOME_FILE, read_outcome, write_outcome
    from flows.process import Outcome

    write_outcome(tmp_path, Outcome("/srv/plans/inbox/a.txt", "processed", "ab" * 32, 7, 2,
                                    created=True))
    outcome = read_outcome(tmp_path)
    assert (outcome.status, outcome.document_id, outcome.created) == ("processed", 7, True)
    data = json.loads((tmp_path / OUTCOME_FILE).read_text(encoding="utf-8"))
    for bad in ({**data, "status": "rm -rf"}, {**data, "extra": 1}, {**data, "error": "text"},
                [data], "{"):
        (tmp_path / OUTCOME_FILE).write_text(bad if isinstance(bad, str) else json.dumps(bad),
                                             encoding="utf-8")
        assert read_outcome(tmp_path) is None, bad


def test_a_file_whose_run_is_over_moves_on_while_the_rest_of_a_burst_is_submitted(
        data_home, monkeypatch):
    from uuid import uuid4

    from flows import deploy, watch
    from flows.process import Outcome
    from pipeline import inbox
    from pipeline.claims import Claims

    folders = inbox.Folders(data_home).create()
    for n in range(3):
        (folders.inbox / f"plan-{n}.txt").write_text(f"KẾ HOẠCH số {n}", encoding="utf-8")
    in_processed: list[list[str]] = []  # what processed/ held at each submission

    class Burst(deploy.Dispatcher):
        def submit(self, claim):
            in_processed.append(sorted(p.name for p in folders.processed.iterdir()))
            self.running[claim.folder] = deploy.Submitted(claim, uuid4())
            if len(in_processed) == 1:  # the first file's worker is done at once
                deploy.write_outcome(claim.folder, Outcome(
                    str(claim.path), "processed", claim.sha256, pages=1))
            return self.running[claim.folder].flow_run_id

    monkeypatch.setattr(deploy, "_ended", lambda ids: set())  # the others still run
    claims = Claims(folders.inbox)
    watcher = watch.Watcher(folders.inbox, folders, claims, 0.0, lambda message: None,
                            dispatcher=Burst())
    outcomes = watch.watch_round(watcher)

    first = in_processed[0] == [] and in_processed[1]
    assert len(in_processed) == 3 and first and len(first) == 1  # moved on before the 2nd
    assert in_processed[2] == first
    assert [o.status for o in outcomes] == ["processed"]
    assert sorted(p.name for p in folders.processed.iterdir()) == first
    assert len(watcher.dispatcher.running) == 2
