"""A network receipt printer for tests: a TCP server on 127.0.0.1 that answers the
paper sensor query (DLE EOT 4) as a real printer does and keeps each job it receives."""

from __future__ import annotations

import socket
import threading

PAPER_STATUS = b"\x10\x04\x04"
PAPER_OK, PAPER_OUT = 0x12, 0x72  # fixed bits 1 and 4; bits 5 and 6 set: roll out


def free_port() -> int:
    """A port nothing listens on (a printer switched off: connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FakePrinter:
    def __init__(self, port: int = 0, *, paper: bool = True, answers_status: bool = True) -> None:
        self.paper = paper
        self.answers_status = answers_status
        self.jobs: list[bytes] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", port))
        self._server.listen(8)
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _address = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self._take(conn)

    def _take(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        with self._lock:
            self.connections += 1
        received = bytearray()
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                received += chunk
                if self.answers_status and bytes(received) == PAPER_STATUS:
                    conn.sendall(bytes([PAPER_OK if self.paper else PAPER_OUT]))
        except OSError:
            return
        content = bytes(received)
        if content.startswith(PAPER_STATUS):
            content = content[len(PAPER_STATUS) :]
        if content:
            with self._lock:
                self.jobs.append(content)

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakePrinter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
