"""gunicorn's access log line, gathered only from what its format uses (pos/wsgi.py)."""

from __future__ import annotations

import datetime
import logging
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

from pos.wsgi import access_logger_class


def _line(logger_class: type, cfg: Config, environ: dict) -> str:
    logger = logger_class(cfg)
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger.access_log.handlers = [Keep()]
    logger.now = lambda: "[02/Dec/2026:10:15:00 +0800]"  # the one field that moves
    response = SimpleNamespace(status="201 CREATED", sent=412, headers=[("X-A", "1")])
    logger.access(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0, 0, 1500))
    return records[0]


def _environ(**extra: str) -> dict:
    return {
        "REMOTE_ADDR": "192.168.1.23",
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/api/v1/sales?x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "PATH_INFO": "/api/v1/sales",
        "QUERY_STRING": "x=1",
        "HTTP_AUTHORIZATION": "Bearer not-in-the-log",
        **extra,
    }


def test_the_lean_access_log_writes_gunicorns_own_line_for_a_sale():
    cfg = Config()
    cfg.set("accesslog", "-")
    environ = _environ(HTTP_USER_AGENT='Tablet "A1" Chrome/131', HTTP_REFERER="http://pos/sell")
    line = _line(access_logger_class(), cfg, environ)
    assert line == _line(Logger, cfg, environ)
    assert line == (
        '192.168.1.23 - - [02/Dec/2026:10:15:00 +0800] "POST /api/v1/sales?x=1 HTTP/1.1" 201 '
        '412 "http://pos/sell" "Tablet \\"A1\\" Chrome/131"'
    )


def test_an_access_log_format_of_its_own_gets_every_field_gunicorn_offers():
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", "%(m)s %(U)s %(s)s %({x-a}o)s %(L)s")
    line = _line(access_logger_class(), cfg, _environ())
    assert line == "POST /api/v1/sales 201 1 0.001500"
