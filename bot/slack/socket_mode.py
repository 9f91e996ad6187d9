"""Socket Mode: the same app over Slack's WebSocket, with the same one log line per request.

Slack's requests come over the WebSocket, so nothing of Slack's listens on $PORT; the health
check and the metrics do (`HealthWSGI`), so a platform can tell a dead bot from a live one: 503
when the database does not answer or the WebSocket is down.
"""

import logging
import signal
import time
from types import FrameType
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.core.db import Database
from bot.slack.events import event_problem
from bot.slack.http import HealthWSGI, LocalServer

log = logging.getLogger("docket.socket")


def describe_payload(envelope_type: str, payload: dict[str, Any]) -> str:
    """ "event message.message_changed", "command /approve", ...: never the payload itself."""
    if envelope_type == "events_api":
        event = payload.get("event") or {}
        subtype = f".{event['subtype']}" if event.get("subtype") else ""
        return f"event {event.get('type', '?')}{subtype}"
    if envelope_type == "slash_commands":
        return f"command {payload.get('command', '?')}"
    return f"interaction {payload.get('type', envelope_type)}"


class LoggingSocketModeHandler(SocketModeHandler):
    def handle(self, client: BaseSocketModeClient, req: SocketModeRequest) -> None:
        started = time.perf_counter()
        problem = event_problem(req.payload) if req.type == "events_api" else None
        if problem is not None:  # Bolt would fail on it, unacknowledged: Slack would resend it
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            log.warning("slack event ignored: %s", problem)
            return
        response = run_bolt_app(self.app, req)
        send_response(client, req, response, started)  # only a 200 is acknowledged
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        kind = describe_payload(req.type, req.payload or {})
        retry = req.retry_attempt or None
        note = f" (retry {retry})" if retry else ""
        log.info(
            "slack %s -> %s in %s ms%s",
            kind,
            response.status,
            elapsed,
            note,
            extra={"request": kind, "status": response.status, "ms": elapsed, "retry": retry},
        )


def health_server(
    database: Database, handler: SocketModeHandler, *, host: str = "127.0.0.1", port: int = 0
) -> LocalServer:
    """GET /healthz (and /metrics) on `port`: healthy while the database answers and the
    handler's WebSocket is open (slack_sdk reconnects it by itself after a drop)."""
    return LocalServer(
        HealthWSGI(database, connected=handler.client.is_connected), host=host, port=port
    )


def serve_socket_mode(app: App, app_token: str, *, database: Database, port: int) -> None:
    """Serve the health check on `port`, connect, and serve until SIGTERM or SIGINT; then close
    the WebSocket cleanly, so Slack redelivers whatever was not acknowledged rather than
    waiting on a dead connection."""
    handler = LoggingSocketModeHandler(app, app_token)
    health = health_server(database, handler, host="0.0.0.0", port=port).start()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: closing the Socket Mode connection", signum)
        handler.close()
        health.stop()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    handler.start()
