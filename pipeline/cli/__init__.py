"""`plans`: the command line of the contract in ARCHITECTURE.md (typer + rich).

`common` holds the app and the output every command shares; `processing` the commands that run
files through the flow (ingest, reprocess, serve); `records` the commands that read what is
stored (documents, records, search, compare, web, migrate).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time

from pipeline.cli import machines, processing, records  # noqa: F401 - their commands register on the app
from pipeline.cli.common import app, options

__all__ = ["app", "run"]

EXIT_GRACE_SECONDS = 30.0


def run() -> None:
    """The `plans` program: the app, with a deadline on the interpreter's own shutdown.

    Prefect's exit handlers wait for its API server without a limit (on a full disk they waited
    for good); past EXIT_GRACE_SECONDS the process leaves anyway with the command's exit code.
    A command that finished its work (options["finished"]: every file stored or set aside,
    the report printed) leaves after the exit handlers, without the interpreter's teardown of
    the models and modules it loaded (1.5-2 s of one core after a `plans ingest`).
    """
    try:
        app()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        threading.Thread(target=_leave_after, args=(EXIT_GRACE_SECONDS, code), daemon=True,
                         name="exit-deadline").start()
        if options.get("finished"):
            atexit._run_exitfuncs()  # Prefect's, its server stopped, logging flushed
            _leave_after(0, code)
        raise


def _leave_after(seconds: float, code: int) -> None:
    time.sleep(seconds)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
