"""`plans server` and `plans worker`: many machines draining one inbox (flows/deploy.py).

Each runs in the foreground until stopped (SIGTERM or Ctrl+C) and says, when ready, what the
other machines need to know. Prefect is imported only once a command runs.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from pipeline import errors, store
from pipeline.cli.common import app, err_console, handles_errors
from pipeline.cli.processing import _stop_on_sigterm


@app.command()
@handles_errors
def server(
    port: Annotated[int, typer.Option(help="Port of the Prefect API.")] = 4200,
    host: Annotated[str, typer.Option(
        help="Address to listen on (0.0.0.0: every network of this machine).")] = "127.0.0.1",
) -> None:
    """Run Prefect's server (on PREFECT_API_DATABASE_CONNECTION_URL) and create the work pool
    and deployment that `plans worker` and `plans serve --deploy` use."""
    store.get_engine()  # the store is reachable and migrated before any worker writes into it
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{local}:{port}/api"
    os.environ["PREFECT_API_URL"] = url  # before Prefect is imported: the client talks to it
    from flows import deploy

    if deploy.server_answers(url, timeout=2):
        raise errors.BadParameter(f"{url}", vi="Cổng này đã có một máy chủ Prefect chạy.",
                                  en="A Prefect server already answers on this port.")
    database = os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL") \
        or os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL")
    if not database:
        err_console.print("Chú ý / Note: PREFECT_API_DATABASE_CONNECTION_URL chưa đặt / not set: "
                          "Prefect dùng SQLite của riêng nó / Prefect uses its own SQLite "
                          "(postgresql+asyncpg://... for many machines)", highlight=False)
    log_path = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect") / "server.log"
    process = deploy.start_server(host, port, log_path)
    stopped = False
    try:
        with _stop_on_sigterm():
            deploy.wait_until_up(process, url)
            deploy.create_pool_and_deployment()
            shown = url if host == local else f"http://{socket.getfqdn()}:{port}/api"
            err_console.print(
                f"Sẵn sàng / ready: PREFECT_API_URL={shown} (work pool '{deploy.work_pool()}', "
                f"deployment '{deploy.deployment_name()}'); PLANS_DB_URL={store.database_url()}",
                highlight=False)
            process.wait()
    except KeyboardInterrupt:
        stopped = True
        err_console.print("Đã dừng / stopped.")
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)
    if not stopped:  # the server stopped by itself
        raise errors.ServerUnreachable(f"exit code {process.returncode}, see {log_path}")


@app.command()
@handles_errors
def worker(
    pool: Annotated[str | None, typer.Option(
        help="Work pool (default: PLANS_WORK_POOL or 'plans').")] = None,
    limit: Annotated[int, typer.Option(
        help="Files processed at once by this worker (each in a process of its own).")] = 1,
    name: Annotated[str | None, typer.Option(help="Name shown in Prefect.")] = None,
) -> None:
    """Run a Prefect worker in the foreground: it takes one flow run (one file) at a time from
    the server at PREFECT_API_URL and stores into PLANS_DB_URL."""
    # each flow run says it is alive; silence means crashed (flows/deploy.py, crash detection)
    os.environ.setdefault("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "30")
    # a worker asks for work twice a second (Prefect's default: every 10 s): a file waits less
    os.environ.setdefault("PREFECT_WORKER_QUERY_SECONDS", "0.5")
    # flow runs start in a folder of Prefect's: they get this data folder by its full path
    os.environ["PLANS_HOME"] = str(store.data_home())
    if not os.environ.get("PLANS_DB_URL"):
        err_console.print("Chú ý / Note: PLANS_DB_URL chưa đặt / not set: máy này lưu vào tệp "
                          "SQLite của riêng nó / this machine stores into its own SQLite file "
                          f"({store.database_url()})", highlight=False)
    from flows import deploy, warm

    url = deploy.api_url()
    store.get_engine()  # this machine reaches the store (and its schema is current)
    deploy.check_deployment()

    def ready() -> None:
        err_console.print(f"Đang chờ việc / waiting for work: {url}, work pool "
                          f"'{pool or deploy.work_pool()}' (Ctrl+C to stop)", highlight=False)

    try:
        with _stop_on_sigterm():
            warm.run_worker(pool, max(1, limit), name, on_ready=ready)
    except KeyboardInterrupt:
        err_console.print("Đã dừng / stopped.")
