"""`pos serve`: a production WSGI server that logs each request, says where to open it
once it listens, and stops cleanly."""

import json
import shutil
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import bearer, call, lan_addresses_by_ip_command, served

ROOT = Path(__file__).parents[1]

pytestmark = pytest.mark.slow


def _get(url: str, **headers) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read()


def _wait_for_line(log, needle: str, seconds: float = 5) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = log.read_text()
        if needle in text:
            return text
        time.sleep(0.05)
    return log.read_text()


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_pos_serve_answers_logs_each_request_and_stops_on_sigterm(tmp_path, server):
    with served(tmp_path, server=server) as (base, log):
        status, body = _get(base + "/api/v1/openapi.json")
        assert status == 200 and json.loads(body)["openapi"].startswith("3.")
        login = urllib.request.Request(
            base + "/api/v1/auth/login",
            data=json.dumps({"username": "organizer", "password": "demo"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(login, timeout=5) as response:
            assert json.loads(response.read())["user"]["role"] == "organizer"
        text = _wait_for_line(log, "/api/v1/auth/login")
        assert "GET /api/v1/openapi.json" in text and "POST /api/v1/auth/login" in text
    # leaving `served` sent SIGTERM and checked the exit status was 0


def test_gunicorn_runs_the_number_of_workers_asked_for(tmp_path):
    with served(tmp_path, workers=3, seed=False) as (_base, log):
        text = _wait_for_line(log, "Booting worker", 10)
        deadline = time.monotonic() + 10
        while text.count("Booting worker") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
            text = log.read_text()
        assert text.count("Booting worker") == 3


DEMO_ACCOUNTS = [
    "  organizer, manager-a03, cashier-a03, manager-b12, cashier-b12, manager-c07,",
    "  cashier-c07, manager-d02, cashier-d02",
]


def _banner(text: str) -> list[str]:
    """The banner's lines: from "Open on the tablets:" to the blank line after it."""
    lines = text.splitlines()
    start = lines.index("Open on the tablets:")
    return lines[start : lines.index("", start)]


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_once_listening_it_prints_the_addresses_for_the_tablets_and_the_demo_accounts(
    tmp_path, server
):
    lan = lan_addresses_by_ip_command()
    with served(tmp_path, server=server, host="0.0.0.0", workers=1) as (base, log):
        port = base.rsplit(":", 1)[1]
        text = log.read_text()
    listening = "Listening at: http://0.0.0.0:" if server == "gunicorn" else "Serving on http://"
    assert text.index(listening) < text.index("Open on the tablets:")
    first = lan[0] if lan else "127.0.0.1"
    assert _banner(text) == [
        "Open on the tablets:",
        *[f"  http://{address}:{port}/" for address in lan],
        *([] if lan else ["  (no LAN address found: is this machine on the venue network?)"]),
        f"  http://127.0.0.1:{port}/  (this machine only)",
        f"Sign in at http://{first}:{port}/login",
        'Demo accounts, password "demo":',
        *DEMO_ACCOUNTS,
    ]
    assert text.count("Open on the tablets:") == 1  # the master says it once, not each worker


def test_a_server_on_loopback_without_the_demo_says_how_to_reach_the_tablets(tmp_path):
    with served(tmp_path, seed=False, workers=1) as (base, log):
        port = base.rsplit(":", 1)[1]
        text = log.read_text()
    assert _banner(text) == [
        "Open on the tablets:",
        f"  http://127.0.0.1:{port}/  (this machine only; for the tablets serve with "
        "--host 0.0.0.0 (make run HOST=0.0.0.0))",
        f"Sign in at http://127.0.0.1:{port}/login",
    ]
    assert "Demo accounts" not in text


def test_a_clones_instance_and_receipts_folders_holding_only_their_readme_just_work(tmp_path):
    for folder in ("instance", "receipts"):
        (tmp_path / folder).mkdir()
        shutil.copy(ROOT / folder / "README.md", tmp_path / folder / "README.md")
    # No database URL and no secret key: the defaults in the instance folder.
    defaults = {"POS_DATABASE_URL": "", "POS_SECRET_KEY": ""}
    with served(tmp_path, workers=1, env=defaults) as (base, _log):
        cashier = bearer(base, "cashier-a03")
        status, sales = call(base, "GET", "/api/v1/sales", headers=cashier)
        assert status == 200 and sales["items"], sales
        sale = sales["items"][0]
        request = urllib.request.Request(base + sale["receipt_url"], headers=cashier)
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.read().startswith(b"%PDF")
    instance = tmp_path / "instance"
    assert (instance / "pos.sqlite3").stat().st_size > 0
    assert len((instance / "secret_key").read_text().strip()) == 64
    kept = list((tmp_path / "receipts").glob(f"exhibitors/*/sale-{sale['id']}.pdf"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"%PDF")
    for folder in ("instance", "receipts"):
        assert (tmp_path / folder / "README.md").read_bytes() == (
            ROOT / folder / "README.md"
        ).read_bytes()


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_pos_serve_sends_compressed_scripts_pages_and_json_and_answers_304(tmp_path, server):
    import gzip

    import brotli

    def fetch(url: str, headers: dict):  # (status, headers by any case, body)
        request = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    script = (ROOT / "pos" / "static" / "js" / "register.js").read_bytes()
    with served(tmp_path, server=server) as (base, _log):
        status, headers, body = fetch(
            base + "/static/js/register.js", {"Accept-Encoding": "gzip, deflate"}
        )
        assert (status, headers["Content-Encoding"]) == (200, "gzip")
        assert int(headers["Content-Length"]) == len(body) < len(script) / 2
        assert gzip.decompress(body) == script

        cashier = bearer(base, "cashier-b12")
        _, me = call(base, "GET", "/api/v1/exhibitors", headers=cashier)
        url = f"{base}/api/v1/register/catalogue?exhibitor_id={me['items'][0]['id']}"
        status, headers, body = fetch(url, cashier | {"Accept-Encoding": "br, gzip"})
        assert (status, headers["Content-Encoding"]) == (200, "br")
        skus = {p["sku"] for p in json.loads(brotli.decompress(body))["items"]}
        assert {"SR-925-01", "SE-925-20"} <= skus
        status, headers, body = fetch(
            url, cashier | {"Accept-Encoding": "br, gzip", "If-None-Match": headers["ETag"]}
        )
        assert (status, body) == (304, b"")
