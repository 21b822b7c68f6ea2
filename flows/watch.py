"""The inbox watcher: claim settled files, process them through the flow, move them on.

One round: take back the claims whose owner is gone (pipeline/claims.py), claim the files that
have settled, run process_documents on them (only rounds with files make a flow run, so an idle
watcher leaves nothing in Prefect's database), and move each file on: processed/, failed/ with
its report, or back into the inbox (postponed: the database was busy, the disk full; changed:
the file was still being written). Before each round the temporary Prefect server is checked
and restarted if it went away; a watcher whose rounds keep failing stops with a clear message
and a non-zero exit, for a supervisor to restart it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from prefect.exceptions import TerminationSignal

from flows.deploy import Dispatcher
from flows.process import Outcome, process_documents, refresh_cross_findings
from flows.reading import stop_reading
from flows.server import TemporaryServer
from pipeline import errors, faults, inbox, store
from pipeline.claims import Claim, Claims, recover_legacy

log = logging.getLogger(__name__)
Note = Callable[[str], None]


@dataclass
class Watcher:
    """What one watcher keeps between rounds."""

    source: Path
    folders: inbox.Folders
    claims: Claims
    settle_seconds: float
    note: Note
    reported: set[Path] = field(default_factory=set)  # skipped entries already named
    waiting: str | None = None  # why the last round took nothing (said once, not every round)
    dispatcher: Dispatcher | None = None  # --deploy: workers process the files, not this watcher
    ended_without_outcome: dict[str, int] = field(default_factory=dict)  # per SHA-256

    def wait(self, reason: str | None) -> None:
        if reason is not None and reason != self.waiting:
            self.note(f"chờ / waiting: {reason}")
        self.waiting = reason

    def skipped(self, entries: list[tuple[Path, str]]) -> None:
        if len(self.reported) > 10_000:
            self.reported.clear()
        for path, why in entries:
            if path not in self.reported:
                self.reported.add(path)
                self.note(f"bỏ qua / skipped {path.name}: {why}")


def watch_round(watcher: Watcher) -> list[Outcome]:
    """One round: every settled file ends in processed/, failed/ or back in the inbox."""
    for path in watcher.claims.recover():
        watcher.note(f"lấy lại / taken back from a stopped watcher: {path.name}")
    watcher.skipped(inbox.scan_inbox(watcher.source)[1])
    claimed = _claim_settled(watcher)
    if watcher.dispatcher is not None:
        return _dispatch(watcher, claimed)
    if not claimed:
        return []
    try:
        outcomes = process_documents([str(c.path) for c in claimed])
    except BaseException:  # the round failed or the watcher is stopping: files go back
        for claim in claimed:
            if (path := watcher.claims.give_back(claim)) is not None:
                watcher.note(f"trả lại / returned to the inbox: {path.name}")
        raise
    engine = store.get_engine()
    return [_move_on(watcher, claim, outcome, engine)
            for claim, outcome in zip(claimed, outcomes, strict=True)]


# Runs of one file that ended without an outcome (crashed, cancelled) before it is set aside.
MAX_RUNS_WITHOUT_OUTCOME = 3


def _dispatch(watcher: Watcher, claimed: list[Claim]) -> list[Outcome]:
    """--deploy: one flow run per new claim; the files whose run is over are moved on, also
    between two submissions: a burst takes a while to submit to a busy server (seconds a
    run), and the files whose worker wrote the outcome meanwhile do not wait for the last."""
    engine = store.get_engine()
    outcomes = []
    for index, claim in enumerate(claimed):
        try:
            watcher.dispatcher.submit(claim)
        except BaseException:
            for rest in claimed[index:]:
                if (path := watcher.claims.give_back(rest)) is not None:
                    watcher.note(f"trả lại / returned to the inbox: {path.name}")
            raise
        if index + 1 < len(claimed):  # only the outcomes already written: no server call
            outcomes += _move_on_finished(watcher, engine, ask_server=False)
    return outcomes + _move_on_finished(watcher, engine)


def _move_on_finished(watcher: Watcher, engine, ask_server: bool = True) -> list[Outcome]:
    """Move on the files whose run is over (with `ask_server`, also the runs that ended
    without an outcome)."""
    outcomes = []
    for claim, outcome in watcher.dispatcher.finished(ask_server):
        if outcome is None:
            outcome = _ended_without_outcome(watcher, claim)
            if outcome is None:
                continue
        outcomes.append(_move_on(watcher, claim, outcome, engine))
    return outcomes


def _ended_without_outcome(watcher: Watcher, claim: Claim) -> Outcome | None:
    """A run that crashed or was cancelled: the file goes back to the inbox, to be submitted
    again; after MAX_RUNS_WITHOUT_OUTCOME such runs it is set aside with a report."""
    runs = watcher.ended_without_outcome.get(claim.sha256, 0) + 1
    watcher.ended_without_outcome[claim.sha256] = runs
    if runs >= MAX_RUNS_WITHOUT_OUTCOME:
        error = errors.RunsWithoutOutcome(f"{claim.name}: {runs}")
        return Outcome(str(claim.path), "failed", claim.sha256, error=error.report(),
                       exit_code=error.exit_code)
    if (path := watcher.claims.give_back(claim)) is not None:
        watcher.note(f"trả lại / returned to the inbox (lượt chạy kết thúc không có kết quả / "
                     f"its run ended without a result): {path.name}")
    return None


def _claim_settled(watcher: Watcher) -> list[Claim]:
    try:
        faults.check_free_space(store.data_home())
    except (errors.StorageFull, errors.DataFolderReadOnly) as exc:
        watcher.wait(exc.message)
        return []
    claimed, reason = [], None
    for path in inbox.settled_files(watcher.source, watcher.settle_seconds):
        try:
            claim = watcher.claims.claim(path)
        except OSError as exc:  # a read-only or full inbox: nothing is lost, try next round
            fault = faults.environment_fault(exc)
            reason = fault.message if fault else str(exc)
            break
        if claim is not None:
            claimed.append(claim)
    watcher.wait(reason)
    return claimed


def _changed(path: Path, sha256: str | None) -> bool:
    try:
        return bool(sha256) and inbox.file_sha256(path) != sha256
    except FileNotFoundError:
        return False


def _move_on(watcher: Watcher, claim: Claim, outcome: Outcome, engine) -> Outcome:
    """Settle one claimed file after the flow; a file that changed meanwhile is read again."""
    if _changed(claim.path, outcome.sha256 or claim.sha256):
        if outcome.created and outcome.document_id is not None:
            store.delete_document(engine, outcome.document_id)  # made from a partial file
            refresh_cross_findings(store.database_url(), [outcome.document_id])
        outcome.status, outcome.error = "postponed", errors.FileChanged(claim.name).report()
    if outcome.status == "postponed":
        outcome.path = str(watcher.claims.give_back(claim) or claim.path)
        return outcome
    try:
        moved = inbox.settle(claim.path, watcher.folders,
                             error_report=outcome.error if outcome.status == "failed" else None)
    except OSError as exc:  # read-only or full: the claim stays and goes back next round
        watcher.claims.give_back(claim)
        fault = faults.environment_fault(exc)
        watcher.note(f"chưa chuyển được / not moved yet {claim.name}: "
                     f"{fault.message if fault else exc}")
        return outcome
    if moved is None and outcome.status != "failed":
        watcher.note(f"{claim.name}: đã lưu, nhưng tệp bị xóa trước khi chuyển vào processed/ / "
                     "stored, but the file was deleted before it could be moved to processed/")
    elif moved is not None and outcome.status == "processed":
        store.record_source(engine, outcome.sha256, str(moved))
    watcher.claims.release(claim)
    outcome.path = str(moved or claim.path)
    return outcome


def serve(inbox_dir: str | None = None, interval: float = 10.0, rounds: int | None = None,
          on_round=None, *, settle_seconds: float | None = None,
          server: TemporaryServer | None = None, on_note: Note | None = None,
          dispatcher: Dispatcher | None = None) -> None:
    """Keep watching: one round every `interval` seconds until stopped (or `rounds` done).

    A failed round never stops the loop, unless PLANS_MAX_FAILED_ROUNDS fail in a row
    (WatcherStuck) or the Prefect server cannot be restarted (OrchestratorGone). However it
    stops (SIGTERM included), the files it holds go back into the inbox.
    """
    folders = inbox.Folders(store.data_home()).create()
    source = Path(inbox_dir) if inbox_dir else folders.inbox
    source.mkdir(parents=True, exist_ok=True)
    note = on_note or log.warning
    claims = Claims(source).start()
    for path in recover_legacy(folders.work, source):
        note(f"lấy lại / taken back from data/work: {path.name}")
    watcher = Watcher(source, folders, claims,
                      inbox.settle_seconds() if settle_seconds is None else settle_seconds, note,
                      dispatcher=dispatcher)
    limit = int(faults.setting("PLANS_MAX_FAILED_ROUNDS", 5))
    failures = done = 0
    try:
        while rounds is None or done < rounds:
            started = time.monotonic()
            if server is not None and server.ensure_running():
                note("máy chủ Prefect đã được khởi động lại / Prefect's server was restarted")
            try:
                outcomes = watch_round(watcher)
            except Exception as exc:  # noqa: BLE001 - the watcher outlives a bad round
                fault = faults.environment_fault(exc, store.data_home())
                if on_round:
                    on_round([], fault or exc)
                # a full or read-only disk is waited out; other failures, N in a row, stop it
                failures = failures if fault is not None else failures + 1
                if failures >= limit:
                    raise errors.WatcherStuck(f"{failures} rounds, last: {exc}") from exc
            else:
                failures = 0
                if on_round:
                    on_round(outcomes, None)
            done += 1
            if rounds is None or done < rounds:
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except TerminationSignal as exc:  # SIGTERM met inside a flow run
        raise KeyboardInterrupt from exc
    finally:
        stop_reading()
        for path in claims.give_back_all():
            note(f"trả lại / returned to the inbox: {path.name}")
        claims.stop()
