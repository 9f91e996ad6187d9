"""Slack's Socket Mode, played by the stand-in over a real local WebSocket.

In Socket Mode the app dials out: it calls `apps.connections.open` with its app-level token, gets a
`wss://.../link/?ticket=...` URL (here `ws://127.0.0.1:PORT/link/?ticket=...`), connects, and is
greeted with `{"type": "hello", ...}`. Slack then pushes each event, slash command or interaction
as an envelope (`envelope_id`, `type`, `payload`, ...) and the app acknowledges it by sending back
`{"envelope_id": ..., "payload": {...}}` (the payload only where the envelope accepts one).

`SocketModeServer`, here, is that WebSocket side, owned by `SlackStandIn` (which answers
apps.connections.open and exposes `socket_send` / `socket_connected`).  The app's side of the
test, `SocketModeSender`, is in bot/demo/standin/socket_mode.py.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from websockets.http11 import Request, Response
    from websockets.sync.server import Server, ServerConnection

logger = logging.getLogger(__name__)

ENVELOPE_TYPES = ("events_api", "slash_commands", "interactive")
# Only these carry an answer back in the acknowledgement (a command's reply, a view's errors).
ACCEPTS_RESPONSE_PAYLOAD = ("slash_commands", "interactive")
LINK_PATH = "/link/"

Record = Callable[[str, dict[str, Any]], None]


def _connection_closed() -> type[Exception]:
    from websockets.exceptions import ConnectionClosed

    return ConnectionClosed


class SocketModeServer:
    """The WebSocket end of Socket Mode: tickets, connections, envelopes and their acks.

    Started on the first `open_url()` (the first apps.connections.open), on 127.0.0.1 and a free
    port. Each ticket admits one connection. Envelopes go to the newest open connection, as
    Slack sends each envelope down one of the app's connections.
    """

    def __init__(self, *, app_id: str, record: Record) -> None:
        self._app_id = app_id
        self._record = record
        # Guards everything below; the condition wakes connected() and send() waiters. Never held
        # while calling `record`, which takes the stand-in's lock.
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []  # greeted and open, oldest first
        self._pending: dict[str, dict[str, Any] | None] = {}  # envelope_id -> ack, once it came
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- lifecycle --------------------------------------------------------------------------

    def open_url(self) -> str:
        """A fresh single-use WebSocket URL, starting the server on first use."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the stand-in's Socket Mode server was stopped")
            if self._server is None:
                self._start()
            assert self._server is not None
            port = self._server.socket.getsockname()[1]
            ticket = secrets.token_hex(16)
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{port}{LINK_PATH}?ticket={ticket}&app_id={self._app_id}"

    def _start(self) -> None:
        """Bind and serve in a thread; the caller holds the lock."""
        # websockets is a development dependency: only Socket Mode needs it, not the demo.
        from websockets.sync.server import serve

        self._server = serve(
            self._handle,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,
            # Quick to stop: an app that vanished must not hold stop() for long.
            close_timeout=2,
            logger=logger,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="slack-standin-socket-mode", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket and every connection (code 1001), and wait for them."""
        with self._lock:
            self._closed = True
            server, thread = self._server, self._thread
            self._server, self._thread = None, None
            self._tickets.clear()
        if server is None:
            return
        server.shutdown()
        if thread is not None:
            thread.join()

    # -- what tests call --------------------------------------------------------------------

    def connected(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: bool(self._connections), timeout=timeout)

    def send(
        self,
        payload: dict[str, Any],
        *,
        envelope_type: str,
        retry_attempt: int,
        retry_reason: str,
        timeout: float,
        envelope_id: str | None = None,
    ) -> dict[str, Any]:
        if envelope_type not in ENVELOPE_TYPES:
            raise ValueError(
                f"envelope_type must be one of {ENVELOPE_TYPES}, not {envelope_type!r}"
            )
        envelope_id = envelope_id or str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": envelope_type in ACCEPTS_RESPONSE_PAYLOAD,
        }
        if envelope_type == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        elif retry_attempt or retry_reason:
            raise ValueError("Slack retries only events_api envelopes")
        with self._lock:
            if not self._connections:
                raise ConnectionError(
                    "no app is connected over Socket Mode (it calls apps.connections.open with "
                    "the app token, then connects); wait with socket_connected() first"
                )
            if envelope_id in self._pending:
                raise ValueError(f"envelope {envelope_id} is already waiting for its ack")
            connection = self._connections[-1]
            self._pending[envelope_id] = None
        self._record("socket_mode.envelope", envelope)
        try:
            connection.send(json.dumps(envelope))
        except _connection_closed() as exc:
            with self._lock:
                self._pending.pop(envelope_id, None)
            raise ConnectionError(
                f"the Socket Mode connection closed before envelope {envelope_id} was sent"
            ) from exc
        with self._changed:
            self._changed.wait_for(lambda: self._pending[envelope_id] is not None, timeout)
            ack = self._pending.pop(envelope_id)
        if ack is None:
            raise TimeoutError(
                f"the app did not acknowledge {envelope_type} envelope {envelope_id} within "
                f'{timeout:g}s (expected {{"envelope_id": "{envelope_id}", ...}} on the '
                "Socket Mode connection)"
            )
        return ack

    def disconnect(self, reason: str) -> int:
        """Ask every connected app to reconnect, as Slack does before it drops a connection."""
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}}
        )
        with self._lock:
            connections = list(self._connections)
        sent = 0
        for connection in connections:
            try:
                connection.send(message)
            except _connection_closed():
                continue
            sent += 1
        if sent:
            self._record("socket_mode.disconnect", {"reason": reason, "connections": sent})
        return sent

    # -- the WebSocket side -----------------------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        """Admit only /link/ with a ticket apps.connections.open handed out, once."""
        url = urlsplit(request.path)
        if url.path != LINK_PATH:
            return connection.respond(404, "not found\n")
        ticket = dict(parse_qsl(url.query)).get("ticket", "")
        with self._lock:
            if ticket not in self._tickets:
                return connection.respond(401, "invalid or already used ticket\n")
            self._tickets.discard(ticket)
        return None

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            count = len(self._connections) + 1
        hello = {
            "type": "hello",
            "num_connections": count,
            "debug_info": {
                "host": "applink-standin",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self._app_id},
        }
        # Registered before the hello goes out: an app that has read its hello may send at once.
        with self._changed:
            self._connections.append(connection)
            self._changed.notify_all()
        try:
            connection.send(json.dumps(hello))
        except _connection_closed():
            with self._changed:
                self._connections.remove(connection)
            return
        self._record("socket_mode.hello", hello)
        try:
            for message in connection:
                self._receive(message)
        except _connection_closed():
            pass  # the app went away without a closing handshake (killed, or it reconnected)
        finally:
            with self._changed:
                self._connections.remove(connection)
                self._changed.notify_all()

    def _receive(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except (UnicodeDecodeError, json.JSONDecodeError):
            ack = None
        envelope_id = ack.get("envelope_id") if isinstance(ack, dict) else None
        if not isinstance(ack, dict) or not isinstance(envelope_id, str):
            # Slack ignores what it cannot read; record it so a test can see what the app sent.
            text = message if isinstance(message, str) else message.decode("utf-8", "replace")
            logger.warning("stand-in: unexpected Socket Mode message: %.200s", text)
            self._record("socket_mode.unexpected", {"message": text})
            return
        # Recorded before the waiter wakes, so the ack is in `calls` when socket_send returns.
        self._record("socket_mode.ack", ack)
        with self._changed:
            if envelope_id in self._pending and self._pending[envelope_id] is None:
                self._pending[envelope_id] = ack
                self._changed.notify_all()
