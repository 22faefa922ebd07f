"""A server that answers every request with the same JSON bytes: the client's floor.

Run as ``python benchmarks/_canned_server.py ANSWER_FILE PORT``. It speaks HTTP/1.1 with
keep-alive and ``TCP_NODELAY``, like uvicorn, and does no work per request beyond reading the
body, so an ``MlflowClient`` call against it costs what the client itself costs (building the
request, ``requests``, parsing the JSON into protobuf, building entities): no server can be
faster than that. :func:`canned_server` starts it in a subprocess.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx


def serve(answer: bytes, port: int) -> None:
    """Answer every GET and POST on 127.0.0.1:``port`` with ``answer`` until killed."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length:
                self.rfile.read(length)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
        allow_reuse_address = True
        daemon_threads = True

        def server_bind(self) -> None:
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().server_bind()

    with Server(("127.0.0.1", port), Handler) as server:
        server.serve_forever()


@contextlib.contextmanager
def canned_server(answer: bytes, port: int) -> Iterator[str]:
    """Serve ``answer`` from a subprocess on ``port``; yield its URL."""
    with tempfile.TemporaryDirectory(prefix="driftloop-canned-") as tmp:
        path = Path(tmp) / "answer.json"
        path.write_bytes(answer)
        process = subprocess.Popen([sys.executable, __file__, str(path), str(port)])
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(url, timeout=2)
                    break
                except httpx.HTTPError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the canned server did not start") from None
                    time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


if __name__ == "__main__":
    serve(Path(sys.argv[1]).read_bytes(), int(sys.argv[2]))
