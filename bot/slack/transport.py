"""Keep-alive HTTP connections to Slack's Web API: one set of idle connections per process.

slack_sdk's WebClient sends every call through `urllib.request.urlopen`, which opens a new
connection each time; against the real Slack that is a TCP and a TLS handshake across the
internet for every receipt.  `PooledWebClient` replaces only the step that exchanges the bytes
(`_perform_urllib_http_request_internal`), so everything around it stays slack_sdk's own: the
request's headers and body, the retry loop with its handlers (429 with Retry-After, 5xx answers,
dropped connections), the response parsing and the errors raised.

The bytes go over the standard library's `http.client`, the same as urlopen's, on connections
kept open between calls.  An earlier version used a urllib3 pool; per call it cost about 110
microseconds of CPU more than `http.client` alone (its timeout, retry, header and response
objects), a third of a receipt, and the receipt is on every captured reply's path
(BENCHMARKS.md).  What is written here is only the keeping: idle connections per origin, most
recently used first, under a lock.

To keep slack_sdk's loop working unchanged, an answer outside 2xx is raised as urllib's
`HTTPError` and a failed connection as urllib's `URLError`, exactly what `urlopen` raises.
Nothing here retries: whether a call may be sent again is the retry handlers' choice
(bot/slack/api.py), and they need to know whether it may have reached Slack:

- a connection that could not be opened (refused, unreachable, TLS refused): `URLError`, never
  sent;
- no answer within the client's timeout: `TimeoutError`, as urlopen raises;
- the connection failing once the request was being sent (reset, closed, a broken answer):
  `AnswerLost`, Slack may have acted.

An idle connection that the server has closed meanwhile (Slack closes idle ones) reads as ready
with nothing to say; it is closed, and the next one taken, before anything is sent on it.

The connections are shared by gunicorn's request threads, the listener pool and the clock, each
taken by one thread at a time, and forgotten in a forked child, which must not write on its
parent's sockets.  A client with a proxy keeps urllib's path.
"""

import functools
import http.client
import io
import os
import select
import socket
import ssl
import threading
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError

# Idle connections kept per origin.  A process has at most gunicorn's 16 request threads, the
# listener pool's threads and the clock's calling at once; beyond this, the connections opened
# for a burst are closed after it rather than kept.
POOL_SIZE = 32

Origin = tuple[int, str, str, int]  # (TLS context id, scheme, host, port)


@functools.lru_cache(maxsize=64)
def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a Web API URL; cached, as a process calls a
    few dozen methods of one base URL."""
    parts = urlsplit(url)
    scheme = (parts.scheme or "https").lower()
    port = parts.port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, parts.hostname or "", port, path


def _closed_while_idle(sock: socket.socket | None) -> bool:
    """Whether an idle kept-alive connection has something to read: between an answer and the
    next request that can only be the server closing it (or breaking the protocol)."""
    if sock is None:
        return True
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])  # pragma: no cover - Windows
    except (OSError, ValueError):  # a socket already closed
        return True


class Connections:
    """The idle kept-alive connections to one origin, the last given back taken first (it is
    the least likely to have been closed by the server)."""

    def __init__(self, scheme: str, host: str, port: int, context: ssl.SSLContext | None) -> None:
        self.scheme, self.host, self.port = scheme, host, port
        # One context for every connection: building the default one reads the CA bundle.
        self.context = (context or ssl.create_default_context()) if scheme == "https" else None
        self.lock = threading.Lock()
        self.idle: list[http.client.HTTPConnection] = []
        self.opened = 0  # connections opened so far (tests, and a look at a running process)
        self.closed = False

    def take(self, timeout: float) -> http.client.HTTPConnection:
        """An idle connection still open, else a new one, connected: a failure to connect is
        `URLError`, as urlopen's (the request never left)."""
        while True:
            with self.lock:
                connection = self.idle.pop() if self.idle else None
            if connection is None:
                break
            if _closed_while_idle(connection.sock):
                connection.close()
                continue
            connection.timeout = timeout
            connection.sock.settimeout(timeout)
            return connection
        if self.context is not None:
            connection = http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout, context=self.context
            )
        else:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.connect()
        except OSError as exc:  # refused, unreachable, timed out, TLS refused
            connection.close()
            raise URLError(exc) from exc
        with self.lock:
            self.opened += 1
        return connection

    def give_back(self, connection: http.client.HTTPConnection) -> None:
        with self.lock:
            if not self.closed and len(self.idle) < POOL_SIZE:
                self.idle.append(connection)
                return
        connection.close()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
        for connection in idle:
            connection.close()


_pools: dict[Origin, Connections] = {}
_pools_lock = threading.Lock()


def _pool(context: ssl.SSLContext | None, scheme: str, host: str, port: int) -> Connections:
    """The process's kept connections for one origin and TLS context (in practice one:
    Slack's, with slack_sdk's default context)."""
    key = (id(context), scheme, host, port)
    found = _pools.get(key)
    if found is not None:
        return found
    with _pools_lock:
        if key not in _pools:
            _pools[key] = Connections(scheme, host, port, context)
        return _pools[key]


def _forget_pools() -> None:
    """In a forked child (gunicorn's workers): new sockets, never the parent's."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_pools)


def close_pools() -> None:
    """Close every kept connection (tests, and a process that is shutting down)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


class AnswerLost(URLError):
    """The connection failed after the request was sent: Slack may have done what it asked
    (posted the message) without the answer reaching us.  Still a URLError, as urlopen raises,
    so slack_sdk's handlers see a connection error; bot/slack/api.py decides which calls may
    be repeated after one."""


def _content_type(value: str) -> tuple[str, str]:
    """("application/json", "utf-8") from "application/json; charset=utf-8"."""
    kind, _, parameters = value.partition(";")
    charset = "utf-8"
    for parameter in parameters.split(";"):
        name, _, found = parameter.strip().partition("=")
        if name.lower() == "charset" and found:
            charset = found.strip('"')
    return kind.strip().lower(), charset


class PooledWebClient(WebClient):
    """A WebClient whose calls reuse the process's keep-alive connections (see module doc)."""

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None:
            return super()._perform_urllib_http_request_internal(url, req)
        if not url.lower().startswith(("http://", "https://")):
            raise SlackRequestError(f"Invalid URL detected: {url}")
        scheme, host, port, path = _split(url)
        pool = _pool(self.ssl, scheme, host, port)
        connection = pool.take(self.timeout)
        try:
            # slack_sdk builds the body as bytes; http.client adds Host, Content-Length and
            # Accept-Encoding: identity, as urlopen does.
            connection.request(
                req.get_method(), path, body=req.data, headers=dict(req.header_items())
            )
            response = connection.getresponse()
            data = response.read()
        except TimeoutError as exc:  # no answer in time: urlopen's read timeout
            connection.close()
            raise TimeoutError(str(exc)) from exc
        except (OSError, http.client.HTTPException) as exc:
            # Reset, closed or garbled once the request was on its way: Slack may have acted.
            connection.close()
            raise AnswerLost(exc) from exc
        if response.will_close:
            connection.close()
        else:
            pool.give_back(connection)
        if not 200 <= response.status < 300:
            raise HTTPError(url, response.status, response.reason, response.msg, io.BytesIO(data))
        headers = dict(response.getheaders())
        content_type, charset = _content_type(response.getheader("Content-Type", ""))
        if content_type == "application/gzip":  # admin.analytics.getFile
            return {"status": response.status, "headers": headers, "body": data}
        return {"status": response.status, "headers": headers, "body": data.decode(charset)}
