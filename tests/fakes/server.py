"""A stdlib HTTP server on 127.0.0.1:0 that a vendor fake plugs its routes into.

Tests script failures with `inject`: the next requests that match get the given replies (or
actions) instead of the normal answer, so a 429 storm or an expired session lands exactly
mid-pull.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, [default])[0]

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


Action = Reply | Callable[[Request], Reply | None]  # None: answer normally after the action


class FakeServer:
    """Subclasses implement `route(request) -> Reply`."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._scripted: list[tuple[Callable[[Request], bool], Action]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def inject(self, match: Callable[[Request], bool], *actions: Action) -> None:
        """The next len(actions) requests that `match` get these actions, in order."""
        with self._lock:
            self._scripted.extend((match, a) for a in actions)

    def route(self, request: Request) -> Reply:
        raise NotImplementedError

    def count(self, method: str, path_part: str) -> int:
        return sum(r.method == method and path_part in r.path for r in self.requests)

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            hit = next((i for i, (m, _) in enumerate(self._scripted) if m(request)), None)
            action = self._scripted.pop(hit)[1] if hit is not None else None
        if isinstance(action, Reply):
            return action
        if action is not None and (reply := action(request)) is not None:
            return reply
        return self.route(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                reply = fake._answer(request)
                body = reply.body
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(reply.status)
                content_type = "text/html" if isinstance(body, bytes) else "application/json"
                self.send_header("Content-Type", content_type)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = do_PATCH = _serve

            def log_message(self, *args: object) -> None:
                return None

        return Handler
