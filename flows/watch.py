"""watch_inbox: claim the files that have settled in the inbox, process them, settle them."""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow

from flows.process import Outcome, process_documents
from pipeline import inbox, store


@flow(name="watch-inbox", validate_parameters=False)
def watch_inbox(inbox_dir: str | None = None, quiet_seconds: float = 2.0) -> list[Outcome]:
    """One round: every settled file ends in processed/ or in failed/ with its report."""
    folders = inbox.Folders(store.data_home()).create()
    source = Path(inbox_dir) if inbox_dir else folders.inbox
    claimed = [c for p in inbox.settled_files(source, quiet_seconds)
               if (c := inbox.claim(p, folders)) is not None]
    if not claimed:
        return []
    outcomes = process_documents([str(c) for c in claimed])
    for path, outcome in zip(claimed, outcomes, strict=True):
        outcome.path = str(inbox.settle(path, folders, error_report=outcome.error))
    return outcomes


def serve(inbox_dir: str | None = None, interval: float = 10.0, rounds: int | None = None,
          on_round=None) -> None:
    """Keep watching: one round every `interval` seconds; a failed round never stops the loop."""
    folders = inbox.Folders(store.data_home()).create()
    inbox.recover_abandoned(folders)
    done = 0
    while rounds is None or done < rounds:
        started = time.monotonic()
        try:
            outcomes = watch_inbox(inbox_dir)
            if on_round:
                on_round(outcomes, None)
        except Exception as exc:  # noqa: BLE001 - the watcher outlives any one bad round
            if on_round:
                on_round([], exc)
        done += 1
        if rounds is None or done < rounds:
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
