"""The `csv-merger` command: serve, worker, merge, db, cleanup."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app import memory

if TYPE_CHECKING:  # `merge` runs without the server's settings and stack
    from app.config import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csv-merger",
        description="Merge messy CSV lead lists into one clean list and deliver it to a webhook.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="web server plus an in-process job worker")
    serve.add_argument("--host", help="listen address (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default: PORT or 8000)")
    serve.add_argument("--no-worker", action="store_true", help="serve the web app only")
    commands.add_parser("worker", help="a job worker alone (run several to scale out)")
    db = commands.add_parser("db", help="database migrations")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply all migrations")
    down = db_commands.add_parser("downgrade", help="revert migrations down to a revision")
    down.add_argument("revision", help='target revision, e.g. "base"')
    db_commands.add_parser("current", help="show the applied revision")
    commands.add_parser("cleanup", help="delete expired uploads, results and sessions now")
    from app.cli_merge import add_merge_parser  # keeps `serve` start-up free of the CLI's parts

    add_merge_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    memory.prefer_small_pages()  # merges run in this process (`merge`, a worker, `serve`)
    if args.command == "merge":
        from app.cli_merge import run_merge

        return run_merge(args)
    from app.config import SettingsError, load_settings

    try:
        overrides = {}
        if getattr(args, "host", None):
            overrides["HOST"] = args.host
        if getattr(args, "port", None):
            overrides["PORT"] = args.port
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"csv-merger: {exc}", file=sys.stderr)
        return 2
    from app import logs

    logs.configure(settings.LOG_LEVEL, settings.LOG_FORMAT)
    return _run_command(args, settings)


def _run_command(args: argparse.Namespace, settings: Settings) -> int:
    from app import migrate

    if args.command == "db":
        if args.db_command == "upgrade":
            migrate.upgrade_database(settings)
        elif args.db_command == "downgrade":
            migrate.downgrade_database(settings, args.revision)
        else:
            migrate.current_revision(settings)
        return 0
    # Uploads, results, the database and Redis's files: readable by the service's user only.
    os.umask(0o077)
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    settings.DATA_DIR.chmod(0o700)
    migrate.upgrade_database(settings)
    if args.command == "cleanup":
        counts = asyncio.run(_cleanup(settings))
        print(
            f"removed {counts.files_removed} files ({counts.bytes_removed} bytes), "
            f"{counts.sessions_removed} sessions; purged {counts.jobs_purged} jobs"
        )
    elif args.command == "serve":
        asyncio.run(_serve(settings, with_worker=not args.no_worker))
    elif args.command == "worker":
        asyncio.run(_work(settings))
    return 0


def _stop_event() -> asyncio.Event:
    """Set on SIGINT/SIGTERM. SIGUSR1 logs what every task is waiting on, for operators."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, _log_tasks)
    return stop


def _log_tasks() -> None:
    stacks = io.StringIO()
    for task in asyncio.all_tasks():
        task.print_stack(file=stacks)
    logging.getLogger(__name__).warning("tasks on SIGUSR1:\n%s", stacks.getvalue())


async def _serve(settings: Settings, *, with_worker: bool) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    from app import create_app

    stop = _stop_event()
    config = Config()
    config.bind = [f"{settings.HOST}:{settings.PORT}"]
    # Hypercorn's lines go through our handler too, so LOG_FORMAT=json covers them.
    config.accesslog = logging.getLogger("hypercorn.access")
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = 25
    app = create_app(settings, run_worker=with_worker)
    logging.getLogger(__name__).info("serving on http://%s:%s", settings.HOST, settings.PORT)
    await serve(app, config, shutdown_trigger=stop.wait)


async def _cleanup(settings: Settings):  # type: ignore[no-untyped-def]
    from app.resources import open_resources
    from app.services import cleanup

    async with open_resources(settings) as res:
        return await cleanup.run(res)


async def _work(settings: Settings) -> None:
    from app.jobs.worker import create_worker, run_worker
    from app.resources import open_resources

    stop = _stop_event()
    async with open_resources(settings) as res:
        await run_worker(create_worker(res), stop)


if __name__ == "__main__":
    sys.exit(main())
