"""A warm process worker: each flow run is still a process of its own, forked from one that has
already imported the flow and loaded the models, so a file no longer pays a fresh interpreter.

Prefect's ProcessWorker starts `python -m prefect.engine` per flow run: imports (~2.5 s), the
restoration model and spaCy (~1 s) and their first use are paid per file. WarmProcessWorker
keeps the pool type "process" (the server side, the work pool and the deployment stay as they
are) and changes only how a run's process starts: a multiprocessing forkserver, started once per
worker with flows/preload.py as its preload, forks a child per flow run, and the child runs
Prefect's own engine module (`prefect.engine` as `__main__`) on the run's id, as the fresh
interpreter would.

Why a process per run and not the run inside the worker: a SIGKILL of the run (or an OCR that
runs away with memory) takes the run alone, the worker sees its exit code and Prefect marks the
run Crashed; the run's heartbeats stop with it, so the server's crash detection finds a killed
worker as before; cancelling a run from Prefect still sends it SIGTERM; and whatever a run
leaves behind (memory, threads, module state) goes with its process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import runpy
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import anyio
import anyio.abc
from prefect.flow_engine import load_flow_from_flow_run
from prefect.runner._flow_run_executor import FlowRunExecutorContext
from prefect.runner._process_manager import ProcessHandle
from prefect.settings import get_current_settings
from prefect.utilities.processutils import sanitize_subprocess_env
from prefect.workers.process import ProcessJobConfiguration, ProcessWorker, ProcessWorkerResult

from flows.deploy import work_pool

log = logging.getLogger(__name__)

PRELOAD = "flows.preload"  # imported once by the forkserver: its import warms it up
# A few lines of a plan without accents: restored, extracted and placed once to load it all.
WARM_TEXT = ("UY BAN NHAN DAN\nXA TAN LAP\nKE HOACH\nGiam ty le ho ngheo cua xa Tan Lap xuong "
             "duoi 3% trong nam 2025.\nGiao Phong Lao dong - Thuong binh va Xa hoi chu tri, "
             "hoan thanh truoc 30/12/2025.\n")
# What a flow run imports on its first use of them (found by profiling a forked run).
FIRST_USE_IMPORTS = ("fastapi.encoders", "prefect.task_engine", "prefect.utilities.visualization",
                     "pymupdf.table")


def warm_up() -> None:
    """What every flow run loads first, loaded here once: the flow's modules (imported with this
    one) and those a run imports on first use, the restoration model, spaCy, the gazetteer of
    administrative units and their first use (numba's kernels, compiled regular expressions)."""
    import importlib

    from flows.reading import load_restore_model
    from pipeline import units
    from pipeline.extract import extract_document
    from pipeline.pages import make_page

    try:
        for name in FIRST_USE_IMPORTS:
            importlib.import_module(name)
        load_restore_model()  # pages are then restored in the OCR thread that read them
        extraction = extract_document([make_page(1, WARM_TEXT, "ocr", 90.0)])
        units.record_places(extraction.facts, extraction.targets)
        units.successors(units.find("Tân Lập", "xã", province="Hà Nội"))
    except Exception as exc:  # noqa: BLE001 - a model missing or broken must not stop the
        # forkserver: each flow run then loads what it needs and reports it for its own file
        log.warning("warm-up incomplete: %s", getattr(exc, "message", exc))


def forkserver() -> multiprocessing.context.ForkServerContext:
    """This process's forkserver, warmed by PRELOAD (started on the first call)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    from multiprocessing import forkserver as server

    server.ensure_running()
    return context


def _nothing() -> None:
    """A process that only proves the forkserver forks (it does so once warm)."""


def wait_until_warm() -> None:
    """Start the forkserver and wait for its warm-up (a first fork waits for it), so that a
    worker asks for work only once it can start a run at once."""
    process = forkserver().Process(target=_nothing, name="warm-up")
    process.start()
    process.join()


def run_flow_run(flow_run_id: str, env: dict[str, str], remove: list[str], cwd: str) -> None:
    """In the forked child: Prefect's engine on one flow run, with the environment the run's
    process would have had (its id, the control channel, the job's variables)."""
    from prefect.context import SettingsContext, get_settings_context
    from prefect.settings import Settings

    for key in remove:
        os.environ.pop(key, None)
    os.environ.update(env)
    with contextlib.suppress(OSError):
        os.chdir(cwd)
    sys.argv = ["prefect.engine", flow_run_id]
    # runpy warns that prefect.engine is imported already (by prefect): it runs anew as __main__
    warnings.filterwarnings("ignore", message="'prefect.engine' found in sys.modules",
                            category=RuntimeWarning)
    # settings made from the environment just set, as Prefect's own subprocesses make them
    with SettingsContext(profile=get_settings_context().profile, settings=Settings()):
        runpy.run_module("prefect.engine", run_name="__main__", alter_sys=True)


class ForkedStarter:
    """Starts a flow run's process by a fork of the warm forkserver (Prefect's ProcessStarter
    contract: hand over the process, then block until it ends)."""

    def __init__(self, configuration: ProcessJobConfiguration, cwd: Path,
                 control_channel: Any) -> None:
        self.configuration, self.cwd, self.control_channel = configuration, cwd, control_channel

    def _environment(self, flow_run_id: UUID) -> dict[str, str | None]:
        """What EngineCommandStarter gives `python -m prefect.engine`: ours, the settings, the
        job's variables, the run's id and its control channel."""
        env: dict[str, str | None] = {
            **os.environ,
            **get_current_settings().to_environment_variables(exclude_unset=True),
            **(self.configuration.env or {}),
            "PREFECT__FLOW_RUN_ID": str(flow_run_id),
            "PREFECT__ENABLE_CANCELLATION_AND_CRASHED_HOOKS": "false",
        }
        if self.control_channel is not None:
            try:
                port, token = self.control_channel.register(flow_run_id)
                env.update(PREFECT__CONTROL_PORT=str(port), PREFECT__CONTROL_TOKEN=token)
            except RuntimeError:  # no loopback channel: cancelling falls back to a kill
                pass
        return env

    async def start(self, flow_run, task_status: anyio.abc.TaskStatus[ProcessHandle] = (
            anyio.TASK_STATUS_IGNORED)) -> None:
        env = self._environment(flow_run.id)
        process = forkserver().Process(
            target=run_flow_run, name=f"flow-run-{flow_run.id}",
            args=(str(flow_run.id), sanitize_subprocess_env(env),
                  [k for k, v in env.items() if v is None], str(self.cwd)))
        try:
            process.start()
        except BaseException:
            if self.control_channel is not None:
                self.control_channel.unregister(flow_run.id)
            raise
        task_status.started(ProcessHandle(process))
        try:
            await anyio.to_thread.run_sync(process.join, abandon_on_cancel=True)
        finally:  # the worker stopping: the run ends too, as Prefect's own starters end it
            if process.is_alive():
                process.terminate()


warnings.filterwarnings("ignore", message="Type 'WarmProcessWorker'", category=UserWarning)


class WarmProcessWorker(ProcessWorker):
    """Prefect's process worker whose flow runs fork from a warm process (see the module).
    Its type stays "process": Prefect warns that it takes the place of ProcessWorker in this
    process's registry of worker types, which is what it is for."""

    async def run(self, flow_run, configuration: ProcessJobConfiguration,
                  task_status: anyio.abc.TaskStatus[int] | None = None) -> ProcessWorkerResult:
        task_status = task_status or anyio.TASK_STATUS_IGNORED
        folder = contextlib.nullcontext(configuration.working_dir) if configuration.working_dir \
            else tempfile.TemporaryDirectory(suffix="prefect")
        with folder as working_dir:
            async with FlowRunExecutorContext() as executor_context:
                starter = ForkedStarter(configuration, Path(working_dir).resolve(),
                                        executor_context.control_channel)
                executor = executor_context.create_executor(
                    flow_run, starter, resolve_flow=load_flow_from_flow_run,
                    propose_submitting=False)
                execution = None

                async def execute(*, task_status=anyio.TASK_STATUS_IGNORED) -> None:
                    nonlocal execution
                    execution = await executor.submit(task_status=task_status)

                async with anyio.create_task_group() as group:
                    handle = await group.start(execute)
                    task_status.started(handle.pid)
        if execution is None or execution.status_code is None:
            raise RuntimeError("Failed to start flow run process.")
        return ProcessWorkerResult(status_code=execution.status_code,
                                   identifier=str(execution.handle.pid))


def warm_workers() -> bool:
    """Flow runs fork from a warm process unless PLANS_WARM_WORKER=0 or the platform has no
    forkserver (Windows): then each is a new Python, as Prefect's process worker starts it."""
    return os.environ.get("PLANS_WARM_WORKER", "1") != "0" \
        and "forkserver" in multiprocessing.get_all_start_methods()


def run_worker(pool: str | None = None, limit: int = 1, name: str | None = None,
               on_ready: Callable[[], None] | None = None) -> None:
    """A process worker of the pool, in the foreground, until stopped (SIGTERM, Ctrl+C); a warm
    one is warmed up before it asks for the first run (then `on_ready` is called)."""
    kind = WarmProcessWorker if warm_workers() else ProcessWorker
    if kind is WarmProcessWorker:
        wait_until_warm()
    if on_ready is not None:
        on_ready()

    async def work() -> None:
        async with kind(work_pool_name=pool or work_pool(), limit=limit, name=name) as worker:
            await worker.start()

    asyncio.run(work())
