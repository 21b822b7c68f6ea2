"""Many machines on Prefect's own machinery: a server, a work pool of process workers, a
deployment of one file's flow, and an inbox watcher that submits one flow run per file.

`plans server` runs Prefect's server (its database: PREFECT_API_DATABASE_CONNECTION_URL) and
creates the work pool and the deployment; `plans worker` runs a Prefect process worker of that
pool on any machine; `plans serve --deploy` claims inbox files and submits each as a flow run of
the deployment. A file travels as its absolute path inside the shared inbox (a folder every
machine mounts at the same place) or as an fsspec URL, never as a path only one machine has.

The worker that ran a file writes its outcome into the file's claim folder (`.outcome.json`,
beside the file, on the shared storage); the watcher that claimed it reads it, moves the file on
(processed/ or failed/ with its report) and lets go of the claim, as it does for a file it
processed itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from uuid import UUID

from prefect import flow

from flows.process import Outcome, process_documents, task_runner
from pipeline import errors
from pipeline.claims import Claim

log = logging.getLogger(__name__)

FLOW_NAME = "plans-file"
DEPLOYMENT_NAME = "one-file"
ENTRYPOINT = "flows.deploy.process_shared_file"  # a module path: every worker has the package
OUTCOME_FILE = ".outcome.json"  # a dot file: never taken for an inbox file when a claim goes back
STATUSES = ("processed", "duplicate", "failed", "postponed")


def work_pool() -> str:
    return os.environ.get("PLANS_WORK_POOL") or "plans"


def deployment_name() -> str:
    return f"{FLOW_NAME}/{DEPLOYMENT_NAME}"


# --- the flow a worker runs -------------------------------------------------------------------


@flow(name=FLOW_NAME, persist_result=False, validate_parameters=False,
      task_runner=task_runner())
def process_shared_file(path: str) -> dict:
    """One file of the shared inbox (or an fsspec URL), on whichever worker took its run; the
    outcome goes beside the file for the watcher that claimed it."""
    if "://" in path:
        return asdict(_process_url(path))
    if not os.path.isabs(path):
        raise errors.SharedPathRequired(path)
    outcome = _process_here([path])[0]
    write_outcome(Path(path).parent, outcome)
    return asdict(outcome)


def _process_here(paths: list[str]) -> list[Outcome]:
    """process_documents within this flow run, its tasks on this flow's task runner: a subflow
    run of its own would only add its set-up (a second flow run, its task runner) per file."""
    return process_documents.fn(paths)


def _process_url(url: str) -> Outcome:
    """A file named by an fsspec URL (s3://, file://, ...), copied here to be read."""
    import fsspec

    name = url.rstrip("/").rsplit("/", 1)[-1] or "document"
    with tempfile.TemporaryDirectory(prefix="plans-url-") as folder:
        local = Path(folder) / name
        with fsspec.open(url, "rb") as source, open(local, "wb") as target:
            while chunk := source.read(2**20):
                target.write(chunk)
        outcome = _process_here([str(local)])[0]
    outcome.path = url
    return outcome


def write_outcome(folder: Path, outcome: Outcome) -> None:
    partial = folder / f"{OUTCOME_FILE}.{os.getpid()}.tmp"
    partial.write_text(json.dumps(asdict(outcome), ensure_ascii=False), encoding="utf-8")
    os.replace(partial, folder / OUTCOME_FILE)


def read_outcome(folder: Path) -> Outcome | None:
    """The outcome a worker wrote into a claim folder; None when absent or not a valid one (the
    folder is on shared storage: its content is checked, never trusted)."""
    try:
        data = json.loads((folder / OUTCOME_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    names = {f.name for f in fields(Outcome)}
    if not isinstance(data, dict) or set(data) != names or data.get("status") not in STATUSES:
        return None
    if not isinstance(data.get("error"), dict | None):
        return None
    return Outcome(**data)


# --- the server and its settings --------------------------------------------------------------


def api_url() -> str:
    """PREFECT_API_URL, checked: set, and a Prefect server answers there."""
    url = os.environ.get("PREFECT_API_URL", "").rstrip("/")
    if not url:
        raise errors.ServerNotConfigured()
    if not server_answers(url):
        raise errors.ServerUnreachable(url)
    return url


def server_answers(url: str, timeout: float = 5.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


async def _create_pool_and_deployment(pool: str) -> UUID:
    """The process work pool and the deployment of one file's flow on it (both kept if there)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.workers.process import ProcessWorker

    async with get_client() as client:
        try:
            await client.create_work_pool(WorkPoolCreate(
                name=pool, type="process",
                base_job_template=ProcessWorker.get_default_base_job_template()))
        except ObjectAlreadyExists:
            pass
        flow_id = await client.create_flow_from_name(FLOW_NAME)
        return await client.create_deployment(
            flow_id, DEPLOYMENT_NAME, work_pool_name=pool, entrypoint=ENTRYPOINT,
            enforce_parameter_schema=False,
            description="One plan file (a path in the shared inbox, or a URL) through the flow.",
            parameter_openapi_schema={"type": "object", "properties": {"path": {
                "type": "string", "title": "path"}}, "required": ["path"]})


CRASH_AUTOMATION = "plans: a flow run whose heartbeats stopped has crashed"


def crash_after_seconds() -> float:
    """Silence after which a running flow run counts as crashed (its worker is gone); flow runs
    beat every PREFECT_FLOWS_HEARTBEAT_FREQUENCY seconds (`plans worker` sets 30)."""
    return max(35.0, float(os.environ.get("PLANS_CRASH_AFTER_SECONDS") or 90))


async def _create_crash_detection() -> None:
    """Prefect's way of finding runs whose worker died (SIGKILL, a machine gone): an automation
    that marks a flow run Crashed when no event of it follows in time its last heartbeat, or
    its start (a run killed while it starts has sent no heartbeat yet)."""
    from datetime import timedelta

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    automation = AutomationCore(
        name=CRASH_AUTOMATION, description="Made by plans server.",
        trigger=EventTrigger(
            match={"prefect.resource.id": "prefect.flow-run.*"},
            after={"prefect.flow-run.heartbeat", "prefect.flow-run.Pending",
                   "prefect.flow-run.Running"}, expect={"prefect.flow-run.*"},
            for_each={"prefect.resource.id"}, posture=Posture.Proactive, threshold=1,
            within=timedelta(seconds=crash_after_seconds())),
        actions=[ChangeFlowRunState(state=StateType.CRASHED,
                                    message="No heartbeat: its worker stopped.")])
    async with get_client() as client:
        for old in await client.read_automations_by_name(CRASH_AUTOMATION):
            await client.delete_automation(old.id)
        await client.create_automation(automation)


def create_pool_and_deployment(pool: str | None = None) -> UUID:
    async def create() -> UUID:
        await _create_crash_detection()
        return await _create_pool_and_deployment(pool or work_pool())

    return asyncio.run(create())


def check_deployment() -> None:
    """The deployment the watcher submits to exists (else: start `plans server`)."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    async def read() -> None:
        async with get_client() as client:
            await client.read_deployment_by_name(deployment_name())

    try:
        asyncio.run(read())
    except ObjectNotFound as exc:
        raise errors.DeploymentMissing(deployment_name()) from exc


def start_server(host: str, port: int, log_path: Path) -> subprocess.Popen:
    """`prefect server start` as a child process, its messages into log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port",
             str(port)], stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "0")})


def wait_until_up(process: subprocess.Popen, url: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise errors.ServerUnreachable(f"{url}: exit code {process.returncode}")
        if server_answers(url, timeout=2):
            return
        time.sleep(0.5)
    raise errors.ServerUnreachable(f"{url}: no answer after {timeout:g} s")


# --- the inbox submitting to the deployment ---------------------------------------------------


@dataclass
class Submitted:
    claim: Claim
    flow_run_id: UUID


class Dispatcher:
    """The watcher's side: one flow run per claimed file, then the outcomes workers wrote."""

    def __init__(self) -> None:
        self.running: dict[Path, Submitted] = {}

    def submit(self, claim: Claim) -> UUID:
        from prefect.deployments import run_deployment

        path = claim.path.resolve()
        run = run_deployment(deployment_name(), parameters={"path": str(path)}, timeout=0,
                             as_subflow=False, flow_run_name=claim.name[:100],
                             idempotency_key=f"{claim.folder.name}/{claim.name}")
        self.running[claim.folder] = Submitted(claim, run.id)
        return run.id

    def finished(self, ask_server: bool = True) -> list[tuple[Claim, Outcome | None]]:
        """Claims whose run is over: with the outcome its worker wrote, or None when the run
        ended without one (failed, crashed, cancelled: the file goes back to the inbox). The
        runs without an outcome yet are asked about in one request, not one each (none
        without `ask_server`: only the outcomes written count)."""
        outcomes = {folder: read_outcome(folder) for folder in self.running}
        waiting = [s.flow_run_id for f, s in self.running.items() if outcomes[f] is None]
        ended = _ended(waiting) if waiting and ask_server else set()
        done: list[tuple[Claim, Outcome | None]] = []
        for folder, submitted in list(self.running.items()):
            outcome = outcomes[folder]
            if outcome is None and submitted.flow_run_id not in ended:
                continue
            if outcome is None:  # a worker may have written it just as its run ended
                outcome = read_outcome(folder)
            del self.running[folder]
            done.append((submitted.claim, outcome))
        return done


def _ended(flow_run_ids: list[UUID]) -> set[UUID]:
    """Those of the flow runs that are over (completed, failed, crashed, cancelled)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    ended: set[UUID] = set()
    with get_client(sync_client=True) as client:
        for start in range(0, len(flow_run_ids), 200):  # the server's largest page
            ids = flow_run_ids[start:start + 200]
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)), limit=len(ids))
            ended |= {r.id for r in runs if r.state is not None and r.state.is_final()}
    return ended
