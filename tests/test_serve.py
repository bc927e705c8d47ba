"""`pos serve`: a production WSGI server that logs each request and stops cleanly."""

import json
import time
import urllib.request

import pytest

from tests.servers import served

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
