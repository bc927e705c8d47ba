"""Serving with a production WSGI server: gunicorn (worker processes of a few threads
each) or waitress (one process of threads) where gunicorn cannot run; HTTPS with
gunicorn; and the banner that says where to open the app once it listens.

Threads, not one request per process: a report takes its worker's thread for as long as
its document renders (in a helper process, pos/reports/rendering.py), and the worker's
other threads go on taking sales meanwhile. SQLite is shared by threads as by processes:
each thread has its own connection, and writers take turns (pos/db.py: ``_Writers``)
before ``BEGIN IMMEDIATE``, within a worker and between the workers."""

from __future__ import annotations

import gc
import logging
import os
import signal
import ssl
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pos import network

log = logging.getLogger("pos.access")

# Threads per gunicorn worker: two for reports (one rendering, one waiting its turn, at
# most: pos/reports/rendering.py turns away more) leave at least two for sales.
THREADS_PER_WORKER = 4


def chosen_server(server: str) -> str:
    """auto: gunicorn where it runs (Linux, macOS), waitress elsewhere (Windows)."""
    if server == "auto":
        return "waitress" if sys.platform == "win32" else "gunicorn"
    return server


def serve(
    *,
    host: str,
    port: int,
    workers: int = 2,
    server: str = "auto",
    certificate: tuple[str, str] | None = None,
    banner: Sequence[str] = (),
    on_stop: Callable[[], None] = lambda: None,
) -> None:
    """Serve until SIGTERM; HTTPS with certificate (cert file, key file), gunicorn only.
    The banner lines are printed once the server listens; on_stop is called once every
    worker has stopped."""
    server = chosen_server(server)
    if server == "gunicorn":
        _serve_gunicorn(host, port, workers, certificate, banner, on_stop)
    elif certificate:
        raise ValueError("waitress cannot serve HTTPS")
    else:
        _serve_waitress(host, port, workers, banner, on_stop)


def banner(
    *,
    scheme: str,
    host: str,
    port: int,
    demo_accounts: Sequence[str] = (),
    setup: bool = False,
    fingerprint: str | None = None,
    domains: Sequence[str] = (),
) -> list[str]:
    """What a person starting the server can act on: the addresses to open on the
    tablets (each LAN address, or the certificate's domains, and loopback), where to
    sign in, the tablet set-up page when the app's own CA serves HTTPS, and the demo
    accounts that exist."""
    lan, loopback = network.addresses_to_open(host)
    if domains:
        lan = list(domains)

    def url(address: str, path: str = "") -> str:
        return f"{scheme}://{network.url_host(address)}:{port}/{path}"

    lines = ["", "Open on the tablets:"]
    lines += [f"  {url(address)}" for address in lan]
    if host in network.EVERY_ADDRESS and not lan:
        lines.append("  (no LAN address found: is this machine on the venue network?)")
    for address in loopback:
        note = "this machine only"
        if not lan:
            note += "; for the tablets serve with --host 0.0.0.0 (make run HOST=0.0.0.0)"
        lines.append(f"  {url(address)}  ({note})")
    first = (lan or loopback)[0]
    lines.append(f"Sign in at {url(first, 'login')}")
    if setup:
        lines.append(f"Set up each tablet once (trust this server): {url(first, 'setup')}")
    if fingerprint:
        lines.append(f"  CA fingerprint (SHA-256): {fingerprint}")
    if demo_accounts:
        lines.append('Demo accounts, password "demo":')
        lines += textwrap.wrap(
            ", ".join(demo_accounts), width=88, initial_indent="  ", subsequent_indent="  "
        )
    lines.append("")
    return lines


def _print_banner(lines: Sequence[str]) -> None:
    if lines:
        print("\n".join(lines), flush=True)


def _serve_gunicorn(
    host: str,
    port: int,
    workers: int,
    certificate: tuple[str, str] | None,
    banner_lines: Sequence[str],
    on_stop: Callable[[], None],
) -> None:
    from gunicorn.app.base import BaseApplication

    class PosApplication(BaseApplication):
        def load_config(self) -> None:
            settings: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": THREADS_PER_WORKER,
                "accesslog": "-",
                "errorlog": "-",
                "logger_class": access_logger_class(),
                "timeout": 60,
                "graceful_timeout": 30,
                "proc_name": "pameran-pos",
                # No runtime control socket: several servers may run side by side.
                "control_socket_disable": True,
                # X-Forwarded-Proto is believed by the app alone, and only from the
                # proxies POS_PROXY_COUNT names (pos/security.py); gunicorn's own default
                # would believe it from any client on 127.0.0.1.
                "forwarded_allow_ips": "",
                "when_ready": lambda _arbiter: _print_banner(banner_lines),
                # In the master, after the last worker has exited.
                "on_exit": lambda _arbiter: on_stop(),
            }
            if certificate:
                settings["certfile"], settings["keyfile"] = certificate
                settings["ssl_context"] = _reused_ssl_context
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            # Each worker builds its own app after the fork: no connection is shared.
            from pos import create_app
            from pos.printing import sender

            app = _settled(create_app())
            sender.start(app)  # in this worker, after the fork
            return app

    PosApplication().run()


def access_logger_class() -> type:
    """gunicorn's logger, gathering for each request line only the fields of the default
    format (gunicorn's own gathers every request and response header and every WSGI
    environ entry first: about 2 % of a sale's time in a worker's profile). Any other
    format (``--access-logformat``) gets gunicorn's whole set."""
    from gunicorn.config import AccessLogFormat
    from gunicorn.glogging import Logger

    default_format = AccessLogFormat.default

    class AccessLogger(Logger):
        def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any):
            if self.cfg.access_log_format != default_format:
                return super().atoms(resp, req, environ, request_time)
            status = resp.status
            if isinstance(status, str):
                status = status.split(None, 1)[0]
            sent = getattr(resp, "sent", None)
            return {
                "h": environ.get("REMOTE_ADDR", "-"),
                "l": "-",
                "u": self._get_user(environ) or "-",
                "t": self.now(),
                "r": f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} "
                f"{environ['SERVER_PROTOCOL']}",
                "s": status,
                "b": str(sent) if sent is not None else "-",
                "f": environ.get("HTTP_REFERER", "-"),
                "a": environ.get("HTTP_USER_AGENT", "-"),
            }

    return AccessLogger


_ssl_contexts: dict[int, ssl.SSLContext] = {}


def _reused_ssl_context(config: Any, default_factory: Callable[[], ssl.SSLContext]):
    """One TLS context per worker process instead of one per connection (gunicorn's
    default reads the key and certificate again for every connection), TLS 1.2 or
    newer. Keyed by process: a context is never shared across a fork."""
    context = _ssl_contexts.get(os.getpid())
    if context is None:
        context = default_factory()
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        _ssl_contexts[os.getpid()] = context
    return context


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


def _serve_waitress(
    host: str,
    port: int,
    workers: int,
    banner_lines: Sequence[str],
    on_stop: Callable[[], None],
) -> None:
    import waitress

    from pos import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    def _stop(signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    # One process; waitress's threads take turns to write to SQLite (pos/db.py:
    # _Writers) before BEGIN IMMEDIATE, as gunicorn's workers do.
    app = _settled(create_app())
    from pos.printing import sender

    sender.start(app)
    server = waitress.create_server(
        AccessLog(app), host=host, port=port, threads=max(4, workers * 2)
    )
    server.print_listen("Serving on http://{}:{}")
    _print_banner(banner_lines)
    try:
        server.run()
    finally:
        server.close()
        on_stop()


def _settled(app: Any) -> Any:
    """Move everything built at start-up out of the garbage collector's sight: a full
    collection of a freshly built app takes 50–80 ms, and one landing inside a sale's
    write phase would hold SQLite's write lock that long."""
    gc.collect()
    gc.freeze()
    return app
