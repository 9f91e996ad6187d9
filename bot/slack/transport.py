"""Keep-alive HTTP connections to Slack's Web API: one connection pool per process.

slack_sdk's WebClient sends every call through `urllib.request.urlopen`, which opens a new
connection each time; against the real Slack that is a TCP and a TLS handshake across the
internet for every receipt.  `PooledWebClient` replaces only the step that exchanges the bytes
(`_perform_urllib_http_request_internal`) with a urllib3 pool, so everything around it stays
slack_sdk's own: the request's headers and body, the retry loop with its handlers (429 with
Retry-After, 5xx answers, dropped connections), the response parsing and the errors raised.

To keep that loop working unchanged, an answer outside 2xx is raised as urllib's `HTTPError`
and a failed connection as urllib's `URLError`, exactly what `urlopen` raises.  urllib3 itself
never retries (`retries=False`): whether a call may be sent again is the retry handlers' choice,
not the transport's.

The pool is thread-safe (gunicorn's request threads, the listener pool and the clock share it)
and is forgotten in a forked child, which must not write on its parent's sockets.  A client with
a proxy keeps urllib's path.
"""

import functools
import io
import os
import ssl
import threading
from http.client import HTTPMessage
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

import urllib3
from slack_sdk import WebClient
from slack_sdk.errors import SlackRequestError

# Connections kept open per host.  A process has at most gunicorn's 16 request threads, the
# listener pool's threads and the clock's calling at once; beyond this, extra connections are
# opened for the burst and closed after it (block=False), never waited for.
POOL_SIZE = 32

Origin = tuple[int, str, str, int]  # (TLS context id, scheme, host, port)
_pools: dict[Origin, urllib3.HTTPConnectionPool] = {}
_pools_lock = threading.Lock()


@functools.lru_cache(maxsize=64)
def _split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a Web API URL; cached, as a process calls a
    few dozen methods of one base URL."""
    parts = urllib3.util.parse_url(url)
    scheme = (parts.scheme or "https").lower()
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.host or "", port, parts.request_uri


def _pool(context: ssl.SSLContext | None, scheme: str, host: str, port: int) -> Any:
    """The process's keep-alive pool for one origin and TLS context (in practice one: Slack's,
    with slack_sdk's default context).  Called directly rather than through a PoolManager,
    whose URL parsing and pool lookup on every call cost a tenth of a receipt's CPU."""
    key = (id(context), scheme, host, port)
    found = _pools.get(key)
    if found is not None:
        return found
    with _pools_lock:
        if key not in _pools:
            options: dict[str, Any] = {"maxsize": POOL_SIZE, "block": False, "retries": False}
            if scheme == "https":
                _pools[key] = urllib3.HTTPSConnectionPool(
                    host, port, ssl_context=context, **options
                )
            else:
                _pools[key] = urllib3.HTTPConnectionPool(host, port, **options)
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
        for pool in _pools.values():
            pool.close()
        _pools.clear()


# urllib3's errors that mean the request never reached Slack (NewConnectionError is one).
NEVER_SENT = (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError)


class AnswerLost(URLError):
    """The connection failed after the request was sent: Slack may have done what it asked
    (posted the message) without the answer reaching us.  Still a URLError, as urlopen raises,
    so slack_sdk's handlers see a connection error; bot/slack/api.py decides which calls may
    be repeated after one."""


def _message(headers: Any) -> HTTPMessage:
    """urllib3's headers as the `HTTPMessage` urlopen's responses and errors carry."""
    message = HTTPMessage()
    for name, value in headers.items():
        message[name] = value
    return message


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
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        scheme, host, port, path = _split(url)
        try:
            response = _pool(self.ssl, scheme, host, port).urlopen(
                req.get_method(),
                path,
                body=req.data,  # bytes: slack_sdk builds it so
                headers={name: str(value) for name, value in req.header_items()},
                timeout=timeout,
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=True,
            )
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise TimeoutError(str(exc)) from exc  # urlopen's read timeout
        except NEVER_SENT as exc:
            # Refused or unreachable: the request never left, so it may be sent again.
            raise URLError(exc) from exc
        except urllib3.exceptions.HTTPError as exc:
            # Reset or dropped once the request was sent: Slack may have acted on it.
            raise AnswerLost(exc) from exc
        data: bytes = response.data
        if not 200 <= response.status < 300:
            message = _message(response.headers)
            raise HTTPError(url, response.status, response.reason or "", message, io.BytesIO(data))
        # A 2xx answer's headers are only read as a mapping (SlackResponse, the retry handlers):
        # a plain dict, without the email parser an HTTPMessage costs.
        headers = dict(response.headers)
        content_type, charset = _content_type(response.headers.get("Content-Type", ""))
        if content_type == "application/gzip":  # admin.analytics.getFile
            return {"status": response.status, "headers": headers, "body": data}
        return {"status": response.status, "headers": headers, "body": data.decode(charset)}
