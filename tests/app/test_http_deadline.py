"""A fetch ends within its time limit as a whole: a server that trickles its answer (a byte at a time,
each within the per-read timeout) is cut off, in the headers or in the body."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from app.http_client import FetchError, GuardedClient


def _trickle(conn: socket.socket, head: bytes) -> None:
    try:
        conn.recv(65536)
        for byte in head + b" " * 200:
            conn.sendall(bytes([byte]))
            time.sleep(0.02)
    except OSError:
        pass
    finally:
        conn.close()


@pytest.fixture
def trickling_server() -> Iterator[tuple[int, list[bytes]]]:
    heads: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=_trickle, args=(conn, heads[0]), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], heads
    stop.set()
    thread.join()
    server.close()


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n",  # body
        b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 300 + b"\r\n\r\n",  # headers
    ],
)
def test_a_trickling_answer_is_cut_off_at_the_time_limit(
    trickling_server: tuple[int, list[bytes]], head: bytes
) -> None:
    port, heads = trickling_server
    heads.append(head)
    client = GuardedClient(timeout=0.5, max_bytes=10_000, allow_private=True)
    with pytest.raises(FetchError) as err:  # the whole answer takes 4 s or more, each byte within 0.5 s
        client.get(f"http://127.0.0.1:{port}/credential")
    assert err.value.code == "timeout"  # before: read in full, every read within its own timeout
    client.close()
