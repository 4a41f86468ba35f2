"""A small HTTP proxy that fails chosen requests the way S3 does, then forwards the rest.

Put it in front of ``moto_server`` and point the client's endpoint URL at it::

    with FaultyProxy(upstream) as proxy:
        proxy.fail("people.csv", times=2, status=503, code="SlowDown")
        ...  # scan s3://bucket with endpoint_url=proxy.url

A rule matches a request whose path contains ``key`` (and whose method is ``method``,
GET by default); it answers the first ``times`` matching requests with ``status`` and an
S3-style XML error body, then lets the following ones through. ``hits`` counts the
matching requests, answered or forwarded.
"""

from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

FOREVER = 1 << 30
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authorization", "proxy-authenticate"}
_MESSAGES = {"SlowDown": "Please reduce your request rate.",
             "InternalError": "We encountered an internal error. Please try again.",
             "ServiceUnavailable": "Service is unable to handle request."}


@dataclass
class Rule:
    key: str
    method: str
    times: int
    status: int
    code: str
    hits: int = 0


class FaultyProxy:
    """A threaded proxy on 127.0.0.1; :attr:`url` is its endpoint."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rules: list[Rule] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def fail(self, key: str, *, times: int = FOREVER, status: int = 503,
             code: str = "SlowDown", method: str = "GET") -> Rule:
        rule = Rule(key, method, times, status, code)
        with self.lock:
            self.rules.append(rule)
        return rule

    def hits(self, key: str) -> int:
        with self.lock:
            return sum(r.hits for r in self.rules if r.key == key)

    def _fault(self, method: str, path: str) -> Rule | None:
        """The rule that fails this request now, if any (and count the hit)."""
        with self.lock:
            for rule in self.rules:
                if rule.method == method and rule.key in path:
                    rule.hits += 1
                    if rule.hits <= rule.times:
                        return rule
        return None

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(proxy: FaultyProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            rule = proxy._fault(self.command, self.path)
            if rule is not None:
                self._error(rule)
                return
            conn = http.client.HTTPConnection(*proxy.upstream, timeout=30)
            try:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in _HOP_BY_HOP}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status, answer.reason)
                for name, value in answer.getheaders():
                    if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                        self.send_header(name, value)
                length_header = answer.getheader("Content-Length")
                if self.command == "HEAD" and length_header is not None:
                    self.send_header("Content-Length", length_header)
                else:
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
            finally:
                conn.close()

        def _error(self, rule: Rule) -> None:
            message = _MESSAGES.get(rule.code, rule.code)
            body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                    f"<Error><Code>{rule.code}</Code><Message>{message}</Message>"
                    "<RequestId>FAULTYPROXY</RequestId></Error>").encode()
            self.send_response(rule.status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", "0" if self.command == "HEAD" else
                             str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _serve

    return Handler
