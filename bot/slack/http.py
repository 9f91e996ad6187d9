"""The HTTP face: Slack on POST /slack/events, a health check on GET /healthz, Prometheus
metrics on GET /metrics (bot/core/metrics.py).

`DocketWSGI` wraps a built Bolt app; `bot.app.create_app()` is the gunicorn entry point (the
Procfile's `web:` line).  `HealthWSGI` is its health and metrics half alone, which `run` serves
in Socket Mode (bot/slack/socket_mode.py), where Slack's requests come over the WebSocket.
`LocalServer` serves either from a thread for `run`, the demo and the tests.
"""

import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text

from bot.core.db import Database
from bot.core.metrics import count_request, render_metrics, request_kind
from bot.slack.events import event_problem

log = logging.getLogger("docket.http")

StartResponse = Callable[..., Any]
EVENTS_PATH = "/slack/events"


class HealthWSGI:
    """GET /healthz and GET /metrics, and nothing else.

    /healthz answers 200 while the database answers and, when `connected` is given (Socket
    Mode), while the connection to Slack is up; 503 otherwise, the body saying which failed.
    """

    NOT_FOUND = b"Not found. Health is at /healthz (Slack's requests come over Socket Mode).\n"

    def __init__(self, database: Database, *, connected: Callable[[], bool] | None = None) -> None:
        self.database = database
        self.connected = connected

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self._health(start_response)
        if path == "/metrics" and method in ("GET", "HEAD"):
            return self._metrics(start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [self.NOT_FOUND]

    def _metrics(self, start_response: StartResponse) -> Iterable[bytes]:
        try:
            body, content_type = render_metrics()
        except Exception:  # a broken metrics directory must not stop the app
            log.exception("metrics could not be rendered")
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"metrics unavailable\n"]
        start_response("200 OK", [("Content-Type", content_type)])
        return [body]

    def _health(self, start_response: StartResponse) -> Iterable[bytes]:
        problems: list[bytes] = []
        try:
            with self.database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001  (any database failure means "unhealthy")
            problems.append(b"database unreachable\n")
        if self.connected is not None and not self.connected():
            problems.append(b"Socket Mode connection down\n")
        if problems:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return problems
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]


class DocketWSGI(HealthWSGI):
    def __init__(
        self,
        bolt: App,
        database: Database,
        *,
        signing_secret: str,
        on_message: Callable[[dict[str, Any]], Callable[[], None] | None] | None = None,
    ) -> None:
        super().__init__(database)
        self.bolt = bolt
        self.slack = SlackRequestHandler(self.bolt, path=EVENTS_PATH)
        # The malformed-event check and the message fast path answer only requests Slack
        # signed (fresh timestamp, valid signature), as Bolt would.
        self.verifier = SignatureVerifier(signing_secret)
        # Message events bypass Bolt's dispatch when set (bot.app.build_web says why).  It
        # captures the event and returns what is left to do once the 200 is sent, if anything.
        self.on_message = on_message

    NOT_FOUND = b"Not found. Slack posts to /slack/events; health is at /healthz.\n"

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            return self._slack(environ, start_response)
        return super().__call__(environ, start_response)  # health, metrics, 404

    def _slack(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Hand the request to Bolt, then log one line: what it was, the answer, how long."""
        started = time.perf_counter()
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        environ["wsgi.input"] = io.BytesIO(body)  # Bolt reads it again
        content_type = environ.get("CONTENT_TYPE", "")
        # Parsed once here for the malformed-event check and the log line (Bolt parses its own).
        parsed = _json(body) if "json" in content_type else None
        ignored = self._malformed_event(environ, body, parsed)
        answered: list[str] = []

        def record_status(status: str, headers: list[Any], exc_info: Any = None) -> Any:
            answered.append(status)
            return start_response(status, headers, exc_info)

        if ignored is not None:
            result = ignored(record_status)
            count_request("event", _status(answered), time.perf_counter() - started)
            return result
        try:
            message = _message_event(parsed) if self.on_message is not None else None
            if message is not None:
                result = self._message(environ, body, message, record_status)
            else:
                result = self.slack(environ, record_status)
        except Exception:
            count_request("other", 0, time.perf_counter() - started)  # outcome "error"
            raise
        status = _status(answered)
        seconds = time.perf_counter() - started
        elapsed = round(seconds * 1000, 1)
        kind = describe_request(body, content_type, parsed)
        count_request(request_kind(kind), status, seconds)
        retry = environ.get("HTTP_X_SLACK_RETRY_NUM")
        log.info(
            "slack %s -> %s in %s ms%s",
            kind,
            status,
            elapsed,
            f" (retry {retry})" if retry else "",
            extra={"request": kind, "status": status, "ms": elapsed, "retry": retry},
        )
        return result

    def _malformed_event(
        self, environ: dict[str, Any], body: bytes, parsed: Any
    ) -> Callable[[StartResponse], Iterable[bytes]] | None:
        """An event whose fields Slack never types so (`user` a number) makes Bolt fail before
        any listener, and a 500 makes Slack send it three more times: answer a signed one 200
        and ignore it, with a log line; an unsigned one 401, as Bolt would."""
        if parsed is None:
            return None  # not JSON: Bolt answers it
        problem = event_problem(parsed)
        if problem is None:
            return None
        signed = self.verifier.is_valid(
            body,
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            environ.get("HTTP_X_SLACK_SIGNATURE", ""),
        )
        status = "200 OK" if signed else "401 Unauthorized"
        if signed:
            log.warning(
                "slack event ignored: %s", problem, extra={"request": "event", "status": 200}
            )
        else:
            log.info("slack unsigned malformed event -> 401", extra={"status": 401})

        def answer(start_response: StartResponse) -> Iterable[bytes]:
            start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [b""]

        return answer

    def _message(
        self,
        environ: dict[str, Any],
        body: bytes,
        event: dict[str, Any],
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        """A message event, without Bolt: 401 unless Slack signed it; 200 once what it says is
        committed; 500 when it could not be (Slack then delivers it again), as Bolt answers.
        What the capture leaves to do after the answer (its receipt) runs when the server
        closes the response, that is once the 200 is written."""
        signed = self.verifier.is_valid(
            body,
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
            environ.get("HTTP_X_SLACK_SIGNATURE", ""),
        )
        if not signed:
            start_response("401 Unauthorized", [("Content-Type", "application/json")])
            return [b'{"error": "invalid request"}']
        assert self.on_message is not None
        try:
            then = self.on_message(event)
        except Exception:
            log.exception("listener failed")
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b""]
        start_response(
            "200 OK", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "0")]
        )
        return [] if then is None else _ThenRun(then)


class _ThenRun:
    """An empty WSGI response body (its Content-Length says 0) that runs `then` from close(),
    which a WSGI server calls once it has written the response (PEP 3333): the client has its
    answer first."""

    def __init__(self, then: Callable[[], None]) -> None:
        self.then = then

    def __iter__(self) -> Iterator[bytes]:
        return iter(())

    def close(self) -> None:
        self.then()


def _message_event(parsed: Any) -> dict[str, Any] | None:
    """The event of an Events API callback carrying a `message` event, else None."""
    if not isinstance(parsed, dict) or parsed.get("type") != "event_callback":
        return None
    event = parsed.get("event")
    return event if isinstance(event, dict) and event.get("type") == "message" else None


def _status(answered: list[str]) -> int:
    """The status code of the answer start_response was given, 0 if none."""
    try:
        return int(answered[0].split()[0]) if answered else 0
    except ValueError:
        return 0


def _json(body: bytes) -> Any:
    """The JSON body, or None when it is not JSON."""
    try:
        return json.loads(body or b"{}")
    except ValueError:
        return None


def describe_request(body: bytes, content_type: str, parsed: Any = None) -> str:
    """ "event message.message_changed", "command /approve", ...: never the payload itself.
    `parsed` is the JSON body when the caller has parsed it already."""
    try:
        if "json" in content_type:
            data = parsed if parsed is not None else json.loads(body or b"{}")
            event = data.get("event") or {}
            if data.get("type") == "event_callback":
                subtype = f".{event['subtype']}" if event.get("subtype") else ""
                return f"event {event.get('type', '?')}{subtype}"
            return str(data.get("type", "unknown"))
        form = parse_qs(body.decode("utf-8", "replace"))
        if "command" in form:
            return f"command {form['command'][0]}"
        if "payload" in form:
            return f"interaction {json.loads(form['payload'][0]).get('type', '?')}"
    except (ValueError, AttributeError, KeyError, IndexError):
        pass
    return "unreadable request"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 refuses bursts of Slack requests


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines are logged by the app, not by the server


class LocalServer:
    """A threaded WSGI server in a background thread: the app over real HTTP, in-process."""

    def __init__(self, wsgi: HealthWSGI, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.wsgi = wsgi
        self.server = make_server(
            host, port, self.wsgi, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def events_url(self) -> str:
        return self.url + EVENTS_PATH

    def start(self) -> "LocalServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def serve_forever(self) -> None:
        self.server.serve_forever()
