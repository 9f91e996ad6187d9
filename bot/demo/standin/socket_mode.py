"""`SocketModeSender`: a `SlackSender` whose deliveries travel over the stand-in's Socket Mode
connection (bot/demo/standin/socket_server.py) instead of signed HTTP, so every builder (reply,
edit, command, redeliver, ...) serves both transports.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from bot.demo.standin.sender import Delivery, SlackSender
from bot.demo.standin.server import SlackStandIn

# Longer than Slack's 3-second ack window on purpose: right after a `disconnect` the stand-in
# sends on the app's new connection at once, and slack_sdk's built-in client was measured taking
# up to ~3 s to read its first envelope there (a reconnection artefact, not the app's latency).
SOCKET_ACK_TIMEOUT = 10.0


class SocketModeSender(SlackSender):
    """A SlackSender that delivers over the stand-in's Socket Mode connection.

    The payloads are the ones SlackSender builds for HTTP: an event_callback envelope becomes an
    events_api envelope's payload (Slack's X-Slack-Retry-Num becomes retry_attempt), a slash
    command's form fields become a slash_commands payload (a JSON object of the same strings).
    A redelivery (`redeliver`, or a retry_num) resends the event's envelope under the same
    envelope_id. Each Delivery's status is 200 once acknowledged, and its body is the
    acknowledgement's payload as JSON ("" when it has none), so `delivery.json()` reads as over
    HTTP.
    """

    def __init__(
        self,
        standin: SlackStandIn,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float = SOCKET_ACK_TIMEOUT,
        ts_source: Callable[[], str] | None = None,
    ) -> None:
        super().__init__(
            "",  # no URL: nothing is sent over HTTP
            "",  # nor signed: the app token authenticates the connection
            team_id=standin.team_id,
            api_app_id=standin.app_id,
            bot_user_id=standin.bot_user_id,
            clock=clock,
            timeout=timeout,
            ts_source=ts_source,
            slack=standin,
        )
        self._standin = standin
        self._envelope_ids: dict[str, str] = {}  # event_id -> the envelope it first came in

    def send(
        self,
        body: bytes,
        *,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Delivery:
        """Deliver a body SlackSender built for HTTP as a Socket Mode envelope."""
        headers = {name.lower(): value for name, value in (extra_headers or {}).items()}
        retry_attempt, retry_reason = 0, ""
        event_id: str | None = None
        envelope_id: str | None = None
        if content_type == "application/json":
            payload = json.loads(body)
            envelope_type = "events_api"
            event_id = payload.get("event_id")
            if "x-slack-retry-num" in headers:
                retry_attempt = int(headers["x-slack-retry-num"])
                retry_reason = headers.get("x-slack-retry-reason", "")
                envelope_id = self._envelope_ids.get(event_id or "")
        else:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            if "payload" in form:  # interactivity is a JSON document in a form field
                payload, envelope_type = json.loads(form["payload"]), "interactive"
            else:
                payload, envelope_type = form, "slash_commands"
        started = time.perf_counter()
        ack = self._standin.socket_send(
            payload,
            envelope_type=envelope_type,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            timeout=self._timeout,
            envelope_id=envelope_id,
        )
        if event_id:
            self._envelope_ids.setdefault(event_id, ack["envelope_id"])
        answer = ack.get("payload")
        return Delivery(
            status=200,
            body=json.dumps(answer) if answer is not None else "",
            headers={},
            elapsed=time.perf_counter() - started,
            event_id=None,
            ts=None,
            request_body=body,
        )
