"""Serving with a production WSGI server: gunicorn (sync workers, one process each, so
SQLite is shared by processes, never by threads) or waitress where gunicorn cannot run."""

from __future__ import annotations

import gc
import logging
import signal
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger("pos.access")


def serve(*, host: str, port: int, workers: int = 2, server: str = "auto") -> None:
    if server == "auto":
        server = "waitress" if sys.platform == "win32" else "gunicorn"
    if server == "gunicorn":
        _serve_gunicorn(host, port, workers)
    else:
        _serve_waitress(host, port, workers)


def _serve_gunicorn(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class PosApplication(BaseApplication):
        def load_config(self) -> None:
            settings = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "sync",
                "accesslog": "-",
                "errorlog": "-",
                "timeout": 60,
                "graceful_timeout": 30,
                "proc_name": "pameran-pos",
                # No runtime control socket: several servers may run side by side.
                "control_socket_disable": True,
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            # Each worker builds its own app after the fork: no connection is shared.
            from pos import create_app

            return _settled(create_app())

    PosApplication().run()


class AccessLog:
    """Request lines for servers that do not log them (waitress)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        started = time.perf_counter()
        status_holder: list[str] = []

        def recording_start_response(status: str, headers: Any, exc_info: Any = None):
            status_holder.append(status)
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            log.info(
                '%s "%s %s" %s %.1fms',
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                (status_holder or ["-"])[0].split(" ")[0],
                (time.perf_counter() - started) * 1000,
            )


def _serve_waitress(host: str, port: int, workers: int) -> None:
    import waitress

    from pos import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    def _stop(signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    # One process; waitress's threads share SQLite through the busy timeout and
    # BEGIN IMMEDIATE, as separate processes do.
    app = _settled(create_app())
    waitress.serve(AccessLog(app), host=host, port=port, threads=max(4, workers * 2))


def _settled(app: Any) -> Any:
    """Move everything built at start-up out of the garbage collector's sight: a full
    collection of a freshly built app takes 50–80 ms, and one landing inside a sale's
    write phase would hold SQLite's write lock that long."""
    gc.collect()
    gc.freeze()
    return app
