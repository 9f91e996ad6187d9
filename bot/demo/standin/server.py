"""A local stand-in for Slack's Web API, served over real HTTP.

An unmodified `slack_sdk.WebClient(base_url=standin.api_url, token=...)` talks to it, so the bot's
outbound calls are exercised down to the wire format. It answers like Slack (same fields, same
error codes), keeps the little state those answers depend on (posted messages, reactions, uploaded
files), records every call for assertions, and can be told to rate-limit or fail, or to carry a
call out and then lose its answer (`lose_response`), as when Slack acts and the connection drops.
Messages keep their metadata, and `conversations.history` / `conversations.replies` read them
back as Slack does (history.py).

It is as strict as Slack: blocks, attachments and views go through slack_sdk's own models and
Slack's documented limits (limits.py), a trigger_id is good once and for 3 seconds (triggers.py),
the bot posts only in channels it was added to (`not_in_channel`), and, once told where the app
listens (`deliver_events_to`), the bot's own channel posts come back to it as message events.
Every refusal is recorded (`refusals()`), so a test fails on one it did not announce.

It also plays Socket Mode: `apps.connections.open` (with the app-level token) hands out the URL of
a local WebSocket server, started on first use, over which `socket_send` delivers envelopes and
waits for the app's acknowledgement (see bot/demo/standin/socket_server.py).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import dataclasses
import hashlib
import json
import logging
import mimetypes
import queue
import secrets
import select
import socket
import ssl
import string
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from bot.demo.standin import history
from bot.demo.standin.limits import Refusal, check_message, check_view
from bot.demo.standin.socket_server import SocketModeServer
from bot.demo.standin.triggers import TRIGGER_IDS, TriggerError, TriggerIds

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
# A host that cannot exist, so a permalink followed by mistake never reaches the real Slack.
STANDIN_HOST = "https://standin.slack.local"
# The creator Slack names for a channel a person made (the meeting channels of tests and the demo).
ADMIN_USER_ID = "U0ADMIN00"
# Slack accepts these as JSON-encoded strings in form bodies; decoding them lets tests assert on
# lists and dicts whichever encoding the client chose.
_JSON_FIELDS = ("blocks", "attachments", "metadata", "files", "view")
_ID_ALPHABET = string.ascii_uppercase + string.digits
_CHANNEL_NAME_CHARACTERS = frozenset(string.ascii_lowercase + string.digits + "-_")

Params = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the stand-in answered: a Web API method, or "response_url".

    `error` is Slack's error code when the call was refused (ok: false or an HTTP error), and
    `injected` says the refusal was one a test asked for with fail() or rate_limit(). `lost` is
    "drop" or "hang" when the call was carried out but its answer withheld (lose_response()):
    `status` is then the answer the client never received.
    """

    method: str
    params: dict[str, Any]
    status: int
    at: float
    error: str | None = None
    injected: bool = False
    lost: str | None = None

    @property
    def refused(self) -> bool:
        """Refused by the stand-in's own rules (not by a failure a test injected)."""
        return self.error is not None and not self.injected


class _Answered(Protocol):
    @property
    def status(self) -> int: ...


class EventSink(Protocol):
    """Where the stand-in delivers events it originates (SlackSender.event fits)."""

    def event(self, event: dict[str, Any]) -> _Answered: ...


@dataclass(frozen=True)
class EventDelivery:
    """An event the stand-in delivered to the app by itself, and the app's HTTP answer."""

    event: dict[str, Any]
    status: int | None  # None: the app did not answer (the sender gave up after 3 s)


_watchers: list[list[SlackStandIn]] = []
_watchers_lock = threading.Lock()


@contextlib.contextmanager
def watch_standins() -> Iterator[list[SlackStandIn]]:
    """Collect every stand-in created inside the block (the test fixture checks their refusals)."""
    created: list[SlackStandIn] = []
    with _watchers_lock:
        _watchers.append(created)
    try:
        yield created
    finally:
        with _watchers_lock:
            _watchers.remove(created)


class TsMinter:
    """Mints Slack message ts values ("%d.%06d") from a clock, strictly increasing.

    A ts is a message's id within its channel, so two messages must never share one, even when an
    injected clock stands still; counting in microseconds from the last value guarantees that.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._last = -1
        self._lock = threading.Lock()

    def next_ts(self) -> str:
        with self._lock:
            micros = max(round(self._clock() * 1_000_000), self._last + 1)
            self._last = micros
        seconds, fraction = divmod(micros, 1_000_000)
        return f"{seconds}.{fraction:06d}"


def random_id(prefix: str, length: int = 10) -> str:
    """A Slack-looking id (prefix + uppercase letters and digits), e.g. F0A1B2C3D4."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def dm_channel_id(user_ids: list[str]) -> str:
    """The DM channel id for a set of users: stable, so every way of reaching them agrees."""
    digest = hashlib.sha256(",".join(sorted(user_ids)).encode()).hexdigest()
    return "D" + digest[:10].upper()


class _SlackError(Exception):
    """A logical Slack error: answered as HTTP 200 with ok:false, as Slack does."""

    def __init__(self, error: str, messages: list[str] | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.extra: dict[str, Any] = {}
        if messages:
            self.extra["response_metadata"] = {"messages": messages}


class _SlackInviteError(_SlackError):
    """conversations.invite's failure: the first user's error, and every user's in `errors`."""

    def __init__(self, failures: list[dict[str, Any]]) -> None:
        super().__init__(str(failures[0]["error"]))
        self.extra = {"errors": failures}


@dataclass(frozen=True)
class _Fault:
    status: int
    error: str
    retry_after: int | None = None


@dataclass(frozen=True)
class _Loss:
    how: str  # "drop" or "hang"
    hold_for: float


@dataclass(frozen=True)
class _Request:
    path: str
    query: str
    headers: Mapping[str, str]  # lower-cased names
    body: bytes


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes
    content_type: str = JSON_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    error: str | None = None  # the refusal's error code, kept for the recorded Call
    injected: bool = False
    lost: str | None = None  # "drop" or "hang": the call was carried out, the answer is withheld
    hold_for: float = 0.0  # how long "hang" holds the connection at most


def _json_response(
    status: int,
    payload: Mapping[str, Any],
    headers: tuple[tuple[str, str], ...] = (),
    *,
    injected: bool = False,
) -> _Response:
    error = None
    if payload.get("ok") is False or status >= 400:
        error = str(payload.get("error") or status)
    return _Response(
        status=status,
        body=json.dumps(payload).encode(),
        headers=headers,
        error=error,
        injected=injected,
    )


def _text(params: Params, key: str) -> str:
    """A parameter as text; absent and null both read as "" because Slack treats them alike."""
    value = params.get(key)
    return "" if value is None else str(value)


def _parse_multipart(body: bytes, content_type: str) -> dict[str, str | bytes]:
    """Fields of a multipart/form-data body: text fields as str, file parts as bytes."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ValueError("not a multipart body")
    fields: dict[str, str | bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        fields[name] = payload if part.get_filename() is not None else payload.decode("utf-8")
    return fields


def _read_params(request: _Request) -> Params:
    """Merge the query string and the body (form, multipart or JSON), as Slack does.

    Raises _SlackError("invalid_json" / "invalid_form_data") for a body that cannot be read.
    """
    params: Params = dict(parse_qsl(request.query, keep_blank_values=True))
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if request.body:
        if media_type == "application/json":
            try:
                body = json.loads(request.body)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _SlackError("invalid_json") from exc
            if not isinstance(body, dict):
                raise _SlackError("invalid_json")
            params.update(body)
        elif media_type == "multipart/form-data":
            try:
                params.update(_parse_multipart(request.body, content_type))
            except (UnicodeDecodeError, ValueError) as exc:
                raise _SlackError("invalid_form_data") from exc
        else:
            try:
                text = request.body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _SlackError("invalid_form_data") from exc
            params.update(parse_qsl(text, keep_blank_values=True))
    for key in _JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value:
            # A value that is not JSON is kept as sent; the method then answers invalid_<key>.
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(value)
    return params


def _bearer_token(authorization: str | None) -> str:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[len("bearer ") :].strip()
    return ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a burst of receipts from many web threads
    # would see refused or delayed connections that Slack itself never causes.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], standin: SlackStandIn) -> None:
        self.standin = standin
        # The connections open now, idle between calls or carrying one (close_kept_connections).
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The default prints a traceback to stderr; a client hanging up early (a test timing out)
        # is not worth that, and real faults are already answered as HTTP 500 by the handler.
        logger.debug("stand-in connection error from %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Slack's Web API keeps connections open (HTTP/1.1), and so does the stand-in: a client that
    # reuses them (bot/slack/transport.py) is then measured and tested as it runs against Slack.
    protocol_version = "HTTP/1.1"
    # The headers and the body go out in two writes: without TCP_NODELAY the body waits for the
    # client's delayed ACK of the headers (40 ms on Linux) on every kept-alive call.
    disable_nagle_algorithm = True
    # A client that announces a body and never sends it, or an idle kept-alive connection, must
    # not hold a thread forever.
    timeout = 10

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            # In this connection's thread, not in the accept loop (start() wraps the listening
            # socket so): a client that refuses the certificate holds up no one else.
            self.connection.do_handshake()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the stand-in runs inside test and demo output, where access logs are noise."""

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        body = self.rfile.read(length) if length > 0 else b""
        if length < 0 or len(body) < length:
            # A truncated request is not a call the client made; answer it, record nothing.
            response = _json_response(400, {"ok": False, "error": "invalid_content_length"})
        else:
            url = urlsplit(self.path)
            request = _Request(
                path=url.path,
                query=url.query,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
            )
            try:
                response = self.server.standin._handle(request)
            except Exception:
                # A bug in the stand-in must reach the client as an answer it can report, not as
                # a dropped connection that looks like a network fault and triggers retries.
                logger.exception("stand-in failed on %s", self.path)
                response = _json_response(500, {"ok": False, "error": "standin_internal_error"})
        if response.lost is not None:
            self._withhold(response.lost, response.hold_for)
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def _withhold(self, how: str, hold_for: float) -> None:
        """Close the connection without an answer: at once ("drop") or once the client gave up,
        the hold ran out or the stand-in stops ("hang"). The client sees no HTTP answer at all."""
        if how == "hang":
            self.server.standin._hold_lost_answer(self.connection, hold_for)
        self.close_connection = True
        # Closed here rather than left to socketserver, so a kept-alive connection cannot carry
        # a later answer the client would take for this one.
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class SlackStandIn:
    """Slack's Web API on 127.0.0.1, for the tests and the offline demo.

    Start it (or use it as a context manager), point a WebClient at `api_url`, then assert on
    `calls`, `messages`, `reactions(...)` and `uploaded_files`.
    """

    def __init__(
        self,
        *,
        token: str = "xoxb-standin-token",
        app_token: str = "xapp-standin-token",
        app_id: str = "A0DOCKET01",
        bot_user_id: str = "U0DOCKETBT",
        bot_id: str = "B0DOCKETBT",
        team_id: str = "T0DOCKET01",
        clock: Callable[[], float] = time.time,
        port: int = 0,
        trigger_ids: TriggerIds = TRIGGER_IDS,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._token = token
        self._tls = tls  # a server context: the Web API on https://, as Slack's
        self._app_token = app_token
        self._app_id = app_id
        self._bot_user_id = bot_user_id
        self._bot_id = bot_id
        self._team_id = team_id
        self._clock = clock
        self._port = port
        self._minter = TsMinter(clock)
        # One lock guards all state; the condition on it wakes wait_for() when a call is recorded.
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._losses: dict[str, deque[_Loss]] = {}  # lose_response(), one per call to lose
        self._stopping = threading.Event()  # releases held connections ("hang") on stop()
        self._users: dict[str, dict[str, Any]] = {}
        self._channel_names: dict[str, str] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}
        self._reactions: dict[tuple[str, str], set[str]] = {}
        self._views: dict[str, dict[str, Any]] = {}  # modals by view id
        self._home_views: dict[str, dict[str, Any]] = {}  # App Home by user id
        self._members: dict[str, set[str]] = {}  # channels created through the API
        self._private: set[str] = set()  # of those, the private ones
        # Who created a channel through conversations.create, and when (Slack's clock).
        self._created: dict[str, tuple[str, int]] = {}
        self._response_ids: set[str] = set()
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._uploads: dict[str, bytes] = {}
        self._trigger_ids = trigger_ids
        # Refusals a test announced (expect_refusals); None: none; empty set: any.
        self._expected: set[str] | None = None
        # The bot's own channel posts go back to the app as events, as Slack delivers them.
        self._sink: EventSink | None = None
        self._outbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._pending_events = 0
        self._events_done = threading.Condition(self._lock)
        self._event_deliveries: list[EventDelivery] = []
        self._event_thread: threading.Thread | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._socket_mode = self._new_socket_mode()
        self._methods: dict[str, Callable[[Params], Params]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.create": self._conversations_create,
            "conversations.list": self._conversations_list,
            "conversations.invite": self._conversations_invite,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }
        with _watchers_lock:
            for watcher in _watchers:
                watcher.append(self)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        if self._server is not None:
            raise RuntimeError("the Slack stand-in is already running")
        self._socket_mode = self._new_socket_mode()  # a stopped one does not start again
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", self._port), self)
        if self._tls is not None:
            self._server.socket = self._tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        # A short poll interval keeps stop() quick; tests start and stop one stand-in each.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="slack-standin",
            daemon=True,
        )
        self._thread.start()
        with self._lock:
            self._start_event_thread()  # a restarted stand-in delivers to the same app
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        # server_close() joins the handler threads: one holding a lost answer must let go first.
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        events, self._event_thread = self._event_thread, None
        if events is not None:
            self._outbox.put(None)
            events.join()
        # After the Web API, so an app that loses its connection cannot open another one.
        self._socket_mode.stop()

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Slack stand-in is not running; call start() first")
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        # slack_sdk appends the method name to base_url as is, so the trailing slash matters.
        return self.base_url + "/api/"

    @property
    def token(self) -> str:
        return self._token

    @property
    def app_token(self) -> str:
        """The app-level token (xapp-...) that apps.connections.open accepts, for Socket Mode."""
        return self._app_token

    @property
    def app_id(self) -> str:
        return self._app_id

    @property
    def team_id(self) -> str:
        return self._team_id

    @property
    def bot_user_id(self) -> str:
        return self._bot_user_id

    # -- set-up -----------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        name: str = "",
        real_name: str = "",
        tz: str = "Europe/Brussels",
        is_bot: bool = False,
        locale: str = "en-US",
        team_id: str | None = None,
    ) -> None:
        """A person of the workspace; `locale` is what users.info gives with include_locale,
        `team_id` another workspace's (Slack Connect: users.lookupByEmail does not find them)."""
        ZoneInfo(tz)  # an unknown zone fails here, at set-up, rather than inside a request
        with self._lock:
            self._users[user_id] = {
                "id": user_id,
                "email": email,
                "name": name,
                "real_name": real_name,
                "tz": tz,
                "is_bot": is_bot,
                "locale": locale,
                "team_id": team_id,
            }

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str | None = None,
        members: Iterable[str] = (),
        private: bool = False,
        with_bot: bool = False,
    ) -> None:
        """A channel of the workspace: its name, who is in it, whether it is private.

        The bot can post only where it was added (`with_bot`, as someone types `/invite @Docket`);
        anywhere else chat.postMessage answers `not_in_channel`, as Slack does.
        """
        with self._lock:
            if name is not None:
                self._channel_names[channel_id] = name
            channel_members = self._members.setdefault(channel_id, set())
            channel_members.update(members)
            if with_bot:
                channel_members.add(self._bot_user_id)
            if private:
                self._private.add(channel_id)

    def add_bot_to(self, channel_id: str) -> None:
        """The bot is invited to `channel_id` (a test's or the demo's meeting channel)."""
        self.add_channel(channel_id, with_bot=True)

    def is_private(self, channel_id: str) -> bool:
        """Whether `channel_id` is a private channel (its events carry channel_type "group")."""
        with self._lock:
            return channel_id in self._private

    def channel_type(self, channel_id: str) -> str:
        """The `channel_type` Slack puts on a message event in `channel_id`."""
        if channel_id.startswith("D"):
            return "im"
        return "group" if self.is_private(channel_id) else "channel"

    @property
    def trigger_ids(self) -> TriggerIds:
        """The trigger_ids views.open accepts (a sender issues them; see triggers.py)."""
        return self._trigger_ids

    def new_response_url(self) -> str:
        response_id = uuid.uuid4().hex
        with self._lock:
            self._response_ids.add(response_id)
        return f"{self.base_url}/response/{response_id}"

    def add_message(
        self, channel: str, user: str, text: str, *, thread_ts: str | None = None
    ) -> str:
        """A person's message in `channel` (a reply when `thread_ts`), as history shows it.

        Only the stand-in's record: no event goes to the app (SlackSender delivers those). Lets a
        test give conversations.history and conversations.replies other people's messages to
        look past. Returns the message's ts.
        """
        message: Params = {"type": "message", "user": user, "text": text}
        with self._lock:
            message["ts"] = self._minter.next_ts()
            if thread_ts:
                message["thread_ts"] = thread_ts
            self._messages.setdefault(channel, []).append(message)
        return str(message["ts"])

    def next_ts(self) -> str:
        """A fresh message ts from this stand-in's sequence.

        Pass it to SlackSender(ts_source=...) so users' and the bot's messages share one sequence
        and never collide, as in Slack.
        """
        return self._minter.next_ts()

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Slack's own time from now on (ts keep increasing): a test whose app clock moves on
        moves Slack's with it, as both follow the wall clock in a deployment."""
        with self._minter._lock:
            self._minter._clock = clock

    # -- failure injection ------------------------------------------------------------------

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        fault = _Fault(status=429, error="ratelimited", retry_after=retry_after)
        with self._lock:
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def fail(
        self, method: str, *, error: str = "internal_error", status: int = 200, times: int = 1
    ) -> None:
        fault = _Fault(status=status, error=error)
        with self._lock:
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def close_kept_connections(self) -> None:
        """Close every connection a client keeps open between calls, as Slack closes idle ones.
        For a test that makes no call meanwhile: a call under way would lose its answer."""
        if self._server is None:
            return
        with self._server.connections_lock:
            connections = list(self._server.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def lose_response(
        self, method: str, *, times: int = 1, how: str = "drop", hang_for: float = 30.0
    ) -> None:
        """Carry out the next `times` calls to `method`, then lose their answers.

        The call takes effect and is recorded (Call.lost says how its answer was lost), as when
        Slack acts and the answer never reaches the client. "drop" closes the connection without
        an HTTP answer (the client sees RemoteDisconnected or a protocol error); "hang" sends
        nothing and holds the connection until the client gives up, `hang_for` seconds pass or
        the stand-in stops, then closes it.
        """
        if how not in ("drop", "hang"):
            raise ValueError(f'how must be "drop" or "hang", not {how!r}')
        loss = _Loss(how, hang_for)
        with self._lock:
            self._losses.setdefault(method, deque()).extend([loss] * times)

    def _hold_lost_answer(self, connection: socket.socket, hold_for: float) -> None:
        """Hold a connection whose answer is lost, so that stop() need not wait for it.

        Polls every 50 ms, so that it ends soon after the client hangs up (readable with
        nothing to read: EOF), the stand-in stops, or the hold runs out.
        """
        deadline = time.monotonic() + hold_for
        while not self._stopping.is_set() and time.monotonic() < deadline:
            try:
                readable, _, _ = select.select([connection], [], [], 0.05)
                if readable and not connection.recv(1, socket.MSG_PEEK):
                    return  # the client closed its end: it gave up
            except (OSError, ValueError):
                return
            if readable:  # bytes the client sent anyway: left unread, so wait instead of spin
                self._stopping.wait(0.05)

    # -- refusals ---------------------------------------------------------------------------

    def expect_refusals(self, *errors: str) -> None:
        """Announce that this test provokes refusals: these error codes, or any when none given.

        Without it, the test fixture fails a test whose calls the stand-in refused.
        """
        with self._lock:
            if not errors:
                self._expected = set()
            elif self._expected is None:
                self._expected = set(errors)
            elif self._expected:
                self._expected.update(errors)

    def refusals(self) -> list[Call]:
        """Calls the stand-in refused by its own rules (injected failures excluded)."""
        with self._lock:
            return [call for call in self._calls if call.refused]

    def unexpected_refusals(self, allowed: Iterable[str] = ()) -> list[Call]:
        """Refusals neither announced with expect_refusals() nor among the `allowed` codes."""
        also = set(allowed)
        with self._lock:
            expected = self._expected
            return [
                call
                for call in self._calls
                if call.refused
                and call.error not in also
                and not (expected is not None and (not expected or call.error in expected))
            ]

    # -- events the stand-in originates -----------------------------------------------------

    def deliver_events_to(self, sink: EventSink) -> None:
        """Deliver the bot's own channel posts back to the app as message events, as Slack does.

        Slack sends a bot's chat.postMessage in a channel (message.channels / message.groups)
        to every app subscribed, its author included; the app must recognise and ignore its own.
        Delivery is asynchronous, as in Slack; `wait_for_events()` waits until all were answered.
        """
        with self._lock:
            self._sink = sink
            self._start_event_thread()

    def _start_event_thread(self) -> None:
        """Start delivering queued events (once per start); the caller holds the lock."""
        if self._event_thread is None and self._sink is not None:
            self._event_thread = threading.Thread(
                target=self._deliver_events, name="slack-standin-events", daemon=True
            )
            self._event_thread.start()

    def wait_for_events(self, timeout: float = 10.0) -> int:
        """Wait until every event queued so far was answered; return how many were pending."""
        with self._events_done:
            pending = self._pending_events
            if not self._events_done.wait_for(lambda: self._pending_events == 0, timeout):
                raise TimeoutError(f"{self._pending_events} event(s) still undelivered")
            return pending

    @property
    def event_deliveries(self) -> list[EventDelivery]:
        with self._lock:
            return list(self._event_deliveries)

    def _deliver_events(self) -> None:
        while (event := self._outbox.get()) is not None:
            sink = self._sink
            status: int | None = None
            try:
                if sink is not None:
                    status = sink.event(event).status
            except OSError:
                logger.warning("the app did not answer an event within the ack window")
            with self._lock:
                self._event_deliveries.append(EventDelivery(copy.deepcopy(event), status))
                self._pending_events -= 1
                self._events_done.notify_all()

    def _queue_event(self, event: dict[str, Any]) -> None:
        """Queue an event for the app; the caller holds the lock."""
        if self._sink is None:
            return
        self._pending_events += 1
        self._outbox.put(event)

    # -- recording --------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Block until at least `count` calls to `method` were recorded; return all of them."""
        with self._recorded:

            def matching() -> list[Call]:
                return [call for call in self._calls if call.method == method]

            if self._recorded.wait_for(lambda: len(matching()) >= count, timeout=timeout):
                return matching()
            seen = ", ".join(f"{call.method}({call.status})" for call in self._calls) or "nothing"
            raise TimeoutError(
                f"expected {count} call(s) to {method} within {timeout:g}s, "
                f"got {len(matching())}; recorded: {seen}"
            )

    # -- Socket Mode ------------------------------------------------------------------------

    def socket_connected(self, timeout: float = 5.0) -> bool:
        """Wait until an app holds an open Socket Mode connection (it has had its hello)."""
        return self._socket_mode.connected(timeout)

    def socket_send(
        self,
        payload: dict[str, Any],
        *,
        envelope_type: str = "events_api",
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 5.0,
        envelope_id: str | None = None,
    ) -> dict[str, Any]:
        """Deliver `payload` in a Socket Mode envelope and return the app's acknowledgement.

        A fresh envelope_id is minted unless one is given (to resend an envelope as a retry).

        The envelope and the acknowledgement are recorded as "socket_mode.envelope" and
        "socket_mode.ack" calls. Raises TimeoutError when the app does not acknowledge within
        `timeout`, and ConnectionError when no app is connected.
        """
        return self._socket_mode.send(
            payload,
            envelope_type=envelope_type,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            timeout=timeout,
            envelope_id=envelope_id,
        )

    def socket_disconnect(self, reason: str = "refresh_requested") -> int:
        """Send Slack's {"type": "disconnect"} to every connected app; returns how many."""
        return self._socket_mode.disconnect(reason)

    def _new_socket_mode(self) -> SocketModeServer:
        return SocketModeServer(app_id=self._app_id, record=self._record_socket)

    def _record_socket(self, method: str, params: Params) -> None:
        with self._lock:
            self._record(method, params, 200)

    # -- state, as Slack would show it ------------------------------------------------------

    @property
    def messages(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return copy.deepcopy(self._messages)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._find_message(channel, ts)
            return copy.deepcopy(found) if found is not None else None

    def reactions(self, channel: str, ts: str) -> set[str]:
        with self._lock:
            return set(self._reactions.get((channel, ts), set()))

    @property
    def uploaded_files(self) -> dict[str, bytes]:
        with self._lock:
            return dict(self._uploads)

    # -- HTTP dispatch ----------------------------------------------------------------------

    def _handle(self, request: _Request) -> _Response:
        path = request.path
        if path.startswith("/api/"):
            return self._handle_api(path.removeprefix("/api/"), request)
        if path.startswith("/response/"):
            return self._handle_response_url(path.removeprefix("/response/"), request)
        if path.startswith("/upload/"):
            return self._handle_upload(path.removeprefix("/upload/"), request)
        return _json_response(404, {"ok": False, "error": "not_found"})

    def _record(
        self,
        method: str,
        params: Params,
        status: int,
        *,
        error: str | None = None,
        injected: bool = False,
        lost: str | None = None,
    ) -> None:
        """Record a call; the caller holds the lock."""
        call = Call(method, copy.deepcopy(params), status, time.monotonic(), error, injected, lost)
        self._calls.append(call)
        self._recorded.notify_all()

    def _take_fault(self, method: str) -> _Response | None:
        """The next injected failure for `method`, if any; the caller holds the lock."""
        faults = self._faults.get(method)
        if not faults:
            return None
        fault = faults.popleft()
        headers = () if fault.retry_after is None else (("Retry-After", str(fault.retry_after)),)
        return _json_response(
            fault.status, {"ok": False, "error": fault.error}, headers, injected=True
        )

    def _handle_api(self, method: str, request: _Request) -> _Response:
        try:
            params = _read_params(request)
        except _SlackError as exc:
            with self._lock:
                self._record(method, {}, 200, error=exc.error)
            return _json_response(200, {"ok": False, "error": exc.error})
        token = _bearer_token(request.headers.get("authorization")) or _text(params, "token")
        # The token is a secret: it must not end up in recorded calls or test failure output.
        params.pop("token", None)
        with self._lock:
            response = self._answer(method, params, token)
            response = self._take_loss(method, response)
            self._record(
                method,
                params,
                response.status,
                error=response.error,
                injected=response.injected,
                lost=response.lost,
            )
        return response

    def _take_loss(self, method: str, response: _Response) -> _Response:
        """Mark the answer lost when a test asked for it; the caller holds the lock.

        Only a call that was carried out loses its answer (an injected fault or a bad token did
        nothing), so the loss waits for the next call that reaches Slack's method.
        """
        losses = self._losses.get(method)
        if not losses or response.injected or method not in self._methods:
            return response
        if response.error in ("not_authed", "invalid_auth", "not_allowed_token_type"):
            return response
        loss = losses.popleft()
        return dataclasses.replace(response, lost=loss.how, hold_for=loss.hold_for)

    def _answer(self, method: str, params: Params, token: str) -> _Response:
        """The answer to one Web API call; the caller holds the lock."""
        if not token:
            return _json_response(200, {"ok": False, "error": "not_authed"})
        # apps.connections.open takes the app-level token and nothing else; every other method
        # refuses it. Slack answers a token of the wrong type with not_allowed_token_type.
        expected = self._app_token if method == "apps.connections.open" else self._token
        if token != expected:
            known = token in (self._token, self._app_token)
            error = "not_allowed_token_type" if known else "invalid_auth"
            return _json_response(200, {"ok": False, "error": error})
        fault = self._take_fault(method)
        if fault is not None:
            return fault
        handler = self._methods.get(method)
        if handler is None:
            return _json_response(200, {"ok": False, "error": "unknown_method"})
        try:
            return _json_response(200, handler(params))
        except _SlackError as exc:
            return _json_response(200, {"ok": False, "error": exc.error, **exc.extra})

    def _handle_response_url(self, response_id: str, request: _Request) -> _Response:
        url = f"{self.base_url}/response/{response_id}"
        try:
            params = _read_params(request)
        except _SlackError:
            params = {}
            response = _json_response(400, {"ok": False, "error": "invalid_payload"})
        else:
            response = _json_response(200, {"ok": True})
        params["url"] = url
        with self._lock:
            if response_id not in self._response_ids:
                response = _json_response(404, {"ok": False, "error": "expired_url"})
            elif response.status == 200:
                response = self._take_fault("response_url") or response
            self._record(
                "response_url",
                params,
                response.status,
                error=response.error,
                injected=response.injected,
            )
        return response

    def _handle_upload(self, file_id: str, request: _Request) -> _Response:
        data = request.body
        content_type = request.headers.get("content-type", "")
        if content_type.lower().startswith("multipart/form-data"):
            try:
                fields = _parse_multipart(request.body, content_type)
            except (UnicodeDecodeError, ValueError):
                return _Response(400, b"invalid multipart body", "text/plain; charset=utf-8")
            files = [value for value in fields.values() if isinstance(value, bytes)]
            if not files:
                return _Response(400, b"no file part", "text/plain; charset=utf-8")
            data = files[0]
        with self._lock:
            if file_id not in self._pending_files:
                return _Response(404, b"unknown upload", "text/plain; charset=utf-8")
            self._uploads[file_id] = data
        # Slack's upload host answers in plain text; slack_sdk only looks at the status.
        return _Response(200, f"OK - {len(data)}".encode(), "text/plain; charset=utf-8")

    # -- Web API methods (called with the lock held) ----------------------------------------

    def _resolve_channel(self, channel: str) -> str:
        # Posting to a user id lands in the DM with that user, and Slack answers with the DM's id.
        if channel.startswith(("U", "W")):
            return dm_channel_id([channel])
        return channel

    def _find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        for message in self._messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    def _user_object(self, user: dict[str, Any]) -> Params:
        now = datetime.fromtimestamp(self._clock(), tz=ZoneInfo(user["tz"]))
        offset = now.utcoffset()
        profile: Params = {"real_name": user["real_name"], "display_name": user["name"]}
        # Slack only shows the e-mail to apps with users:read.email; a user without one has none.
        if user["email"] is not None:
            profile["email"] = user["email"]
        return {
            "id": user["id"],
            "team_id": user.get("team_id") or self._team_id,
            "name": user["name"],
            "deleted": False,
            "real_name": user["real_name"],
            "tz": user["tz"],
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_bot": user["is_bot"],
            "profile": profile,
        }

    @staticmethod
    def _check_content(params: Params, *, required: bool = True) -> None:
        if required and not (
            _text(params, "text") or params.get("blocks") or params.get("attachments")
        ):
            raise _SlackError("no_text")
        for key in ("blocks", "attachments"):
            if key in params and not isinstance(params[key], list | type(None)):
                raise _SlackError(f"invalid_{key}")
        try:
            check_message(params)
        except Refusal as refusal:
            raise _SlackError(refusal.error, refusal.messages) from refusal

    def _check_member(self, channel: str) -> None:
        """The bot posts only in DMs and in channels it was added to; the caller holds the lock."""
        if channel.startswith("D"):
            return
        if self._bot_user_id not in self._members.get(channel, set()):
            raise _SlackError("not_in_channel")

    def _bot_profile(self) -> Params:
        return {
            "id": self._bot_id,
            "deleted": False,
            "name": "Docket",
            "updated": int(self._clock()),
            "app_id": self._app_id,
            "icons": {"image_36": f"{STANDIN_HOST}/img/docket_36.png"},
            "team_id": self._team_id,
        }

    def _echo(self, channel: str, message: Params) -> None:
        """Queue the bot's channel post as the message event Slack sends every subscribed app.

        A post made with chat.postMessage and a bot token arrives with no subtype, the bot's
        user id, `bot_id`, `app_id` and `bot_profile` (docs.slack.dev/reference/events/message);
        only channels are subscribed (message.channels, message.groups), not DMs.
        """
        if channel.startswith("D"):
            return
        event = copy.deepcopy(message)
        event["app_id"] = self._app_id
        event["bot_profile"] = self._bot_profile()
        if "thread_ts" in event:
            event["parent_user_id"] = self._parent_user(channel, event["thread_ts"])
        event["channel"] = channel
        event["event_ts"] = event["ts"]
        event["channel_type"] = "group" if channel in self._private else "channel"
        event.pop("metadata", None)  # sent only to apps subscribed to metadata events
        self._queue_event(event)

    def _parent_user(self, channel: str, thread_ts: str) -> str:
        root = self._find_message(channel, thread_ts)
        return str(root.get("user", self._bot_user_id)) if root else self._bot_user_id

    def _auth_test(self, params: Params) -> Params:
        return {
            "ok": True,
            "url": f"{STANDIN_HOST}/",
            "team": "Docket stand-in",
            "user": "docket",
            "team_id": self._team_id,
            "user_id": self._bot_user_id,
            "bot_id": self._bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: Params) -> Params:
        return {"ok": True, "url": self._socket_mode.open_url()}

    def _chat_post_message(self, params: Params) -> Params:
        channel = self._resolve_channel(_text(params, "channel"))
        if not channel:
            raise _SlackError("channel_not_found")
        self._check_member(channel)
        self._check_content(params)
        metadata = self._metadata(params)
        message: Params = {
            "type": "message",
            "user": self._bot_user_id,
            "bot_id": self._bot_id,
            "team": self._team_id,
            "text": _text(params, "text"),
            "ts": self._minter.next_ts(),
        }
        for key in ("blocks", "attachments"):
            if params.get(key) is not None:
                message[key] = params[key]
        if metadata is not None:
            message["metadata"] = metadata
        thread_ts = _text(params, "thread_ts")
        if thread_ts:
            message["thread_ts"] = thread_ts
        self._messages.setdefault(channel, []).append(message)
        self._echo(channel, message)
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "message": copy.deepcopy(message),
        }

    def _chat_update(self, params: Params) -> Params:
        channel = self._resolve_channel(_text(params, "channel"))
        if not channel:
            raise _SlackError("channel_not_found")
        message = self._find_message(channel, _text(params, "ts"))
        if message is None:
            raise _SlackError("message_not_found")
        self._check_content(params, required=False)
        metadata = self._metadata(params)
        if "text" in params:
            message["text"] = _text(params, "text")
        # Fields left out of an update keep their value, as in Slack.
        for key in ("blocks", "attachments"):
            if params.get(key) is not None:
                message[key] = params[key]
        if metadata is not None:
            message["metadata"] = metadata
        message["edited"] = {"user": self._bot_user_id, "ts": self._minter.next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    @staticmethod
    def _metadata(params: Params) -> Params | None:
        """The message metadata sent, checked as Slack checks it; None when none was sent."""
        value = params.get("metadata")
        if value is None or value == "":
            return None
        try:
            return history.check_metadata(value)
        except history.HistoryError as exc:
            raise _SlackError(exc.error) from exc

    def _history_channel(self, params: Params) -> list[dict[str, Any]]:
        """The stored messages of the channel a history method reads; the caller holds the lock.

        The bot reads a DM it is part of and a channel it was added to; a public channel it is not
        in answers not_in_channel, a private one (or an unknown id) channel_not_found, as Slack.
        """
        channel = _text(params, "channel")
        if not channel:
            raise _SlackError("channel_not_found")
        if not channel.startswith("D"):
            members = self._members.get(channel)
            if self._bot_user_id not in (members or set()):
                known = members is not None and channel not in self._private
                raise _SlackError("not_in_channel" if known else "channel_not_found")
        return self._messages.get(channel, [])

    def _conversations_history(self, params: Params) -> Params:
        messages = self._history_channel(params)
        try:
            return history.history(messages, params)
        except history.HistoryError as exc:
            raise _SlackError(exc.error) from exc

    def _conversations_replies(self, params: Params) -> Params:
        messages = self._history_channel(params)
        ts = _text(params, "ts")
        if not ts:
            raise _SlackError("invalid_arguments")
        try:
            return history.replies(messages, params, ts)
        except history.HistoryError as exc:
            raise _SlackError(exc.error) from exc

    def _chat_post_ephemeral(self, params: Params) -> Params:
        if not _text(params, "channel"):
            raise _SlackError("channel_not_found")
        if not _text(params, "user"):
            raise _SlackError("user_not_found")
        self._check_content(params)
        return {"ok": True, "message_ts": self._minter.next_ts()}

    def _chat_get_permalink(self, params: Params) -> Params:
        channel = _text(params, "channel")
        ts = _text(params, "message_ts")
        if not channel:
            raise _SlackError("channel_not_found")
        if not ts:
            raise _SlackError("message_not_found")
        permalink = f"{STANDIN_HOST}/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": permalink}

    def _reaction_target(self, params: Params) -> tuple[tuple[str, str], str]:
        channel, ts, name = (
            _text(params, "channel"),
            _text(params, "timestamp"),
            _text(params, "name"),
        )
        if not channel or not ts:
            raise _SlackError("no_item_specified")
        if not name:
            raise _SlackError("invalid_name")
        return (channel, ts), name

    def _reactions_add(self, params: Params) -> Params:
        key, name = self._reaction_target(params)
        names = self._reactions.setdefault(key, set())
        if name in names:
            raise _SlackError("already_reacted")
        names.add(name)
        return {"ok": True}

    def _reactions_remove(self, params: Params) -> Params:
        key, name = self._reaction_target(params)
        names = self._reactions.get(key, set())
        if name not in names:
            raise _SlackError("no_reaction")
        names.discard(name)
        return {"ok": True}

    def _users_info(self, params: Params) -> Params:
        user = self._users.get(_text(params, "user"))
        if user is None:
            raise _SlackError("user_not_found")
        found = self._user_object(user)
        if _text(params, "include_locale").lower() in ("1", "true"):
            found["locale"] = user.get("locale") or "en-US"
        return {"ok": True, "user": found}

    def _users_lookup_by_email(self, params: Params) -> Params:
        email = _text(params, "email").strip().lower()
        for user in self._users.values():
            if user.get("team_id") not in (None, self._team_id):
                continue  # Slack finds only the workspace's own members by e-mail
            if email and (user["email"] or "").lower() == email:
                return {"ok": True, "user": self._user_object(user)}
        raise _SlackError("users_not_found")

    def _conversations_open(self, params: Params) -> Params:
        users = [user.strip() for user in _text(params, "users").split(",") if user.strip()]
        if users:
            return {"ok": True, "channel": {"id": dm_channel_id(users)}}
        if _text(params, "channel"):
            return {"ok": True, "channel": {"id": _text(params, "channel")}}
        raise _SlackError("users_list_not_supplied")

    def _conversations_info(self, params: Params) -> Params:
        channel = _text(params, "channel")
        if not channel:
            raise _SlackError("channel_not_found")
        is_im = channel.startswith("D")
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": self._channel_names.get(channel, channel.lower()),
                "is_channel": not is_im,
                "is_im": is_im,
                "is_private": channel in self._private,
                "is_archived": False,
                "is_member": is_im or self._bot_user_id in self._members.get(channel, set()),
            },
        }

    # -- views and conversations (App Home, modals, private groups) -----------------------------

    def _view_object(self, view: Any, view_id: str, **extra: Any) -> Params:
        try:
            check_view(view)
        except Refusal as refusal:
            raise _SlackError(refusal.error, refusal.messages) from refusal
        return {"id": view_id, "team_id": self._team_id, **view, **extra}

    def _views_open(self, params: Params) -> Params:
        trigger_id = _text(params, "trigger_id")
        if not trigger_id:
            raise _SlackError("invalid_trigger_id")
        # The view is checked before the trigger is spent: a refused view leaves it usable.
        view_id = random_id("V")
        view = self._view_object(params.get("view"), view_id)
        try:
            self._trigger_ids.exchange(trigger_id)
        except TriggerError as exc:
            raise _SlackError(exc.error) from exc
        self._views[view_id] = view
        return {"ok": True, "view": view}

    def _views_update(self, params: Params) -> Params:
        view_id = _text(params, "view_id")
        if view_id not in self._views:
            raise _SlackError("not_found")
        view = self._view_object(params.get("view"), view_id)
        self._views[view_id] = view
        return {"ok": True, "view": view}

    def _views_publish(self, params: Params) -> Params:
        user = _text(params, "user_id")
        if not user:
            raise _SlackError("invalid_arguments")
        view = self._view_object(params.get("view"), random_id("V"))
        if view["type"] != "home":
            raise _SlackError("invalid_arguments")
        self._home_views[user] = view
        return {"ok": True, "view": view}

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The App Home last published for `user_id`, as Slack would show it."""
        with self._lock:
            return self._home_views.get(user_id)

    def _conversations_create(self, params: Params) -> Params:
        # Slack's own checks, in its order and with its error codes: a name is required, at
        # most 80 characters, only lowercase letters, digits, hyphens and underscores, not
        # punctuation alone, and not taken by another channel of the workspace.
        name = _text(params, "name")
        if not name:
            raise _SlackError("invalid_name_required")
        if len(name) > 80:
            raise _SlackError("invalid_name_maxlength")
        if any(c not in _CHANNEL_NAME_CHARACTERS for c in name):
            raise _SlackError("invalid_name_specials")
        if not any(c.isalnum() for c in name):
            raise _SlackError("invalid_name_punctuation")
        if name in self._channel_names.values():
            raise _SlackError("name_taken")
        is_private = str(params.get("is_private")).lower() in ("true", "1")
        # Slack has given private channels "C" ids like public ones since 2021 ("G" is legacy).
        channel = random_id("C")
        self._channel_names[channel] = name
        self._members[channel] = {self._bot_user_id}
        self._created[channel] = (self._bot_user_id, int(self._clock()))
        if is_private:
            self._private.add(channel)
        return {"ok": True, "channel": self._channel_object(channel)}

    def _channel_object(self, channel: str) -> Params:
        """A channel as conversations.create and conversations.invite describe it."""
        name = self._channel_names.get(channel, channel.lower())
        is_private = channel in self._private
        return {
            "id": channel,
            "name": name,
            "name_normalized": name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_private": is_private,
            "is_archived": False,
            "is_general": False,
            "is_member": self._bot_user_id in self._members.get(channel, set()),
            "creator": self._created.get(channel, (ADMIN_USER_ID, 0))[0],
            "created": self._created.get(channel, (ADMIN_USER_ID, int(self._clock())))[1],
        }

    def _conversations_list(self, params: Params) -> Params:
        # Slack's paging (limit up to 1000, default 100; an opaque next_cursor) over the
        # conversations of the asked `types` (public_channel by default).  A private channel is
        # listed only to its members; direct messages are not kept here as conversations.
        types = {t.strip() for t in (_text(params, "types") or "public_channel").split(",")}
        unknown = types - {"public_channel", "private_channel", "mpim", "im"}
        if unknown or not types:
            raise _SlackError("invalid_types")
        channels = sorted(set(self._members) | set(self._channel_names))
        shown = [
            c
            for c in channels
            if not c.startswith("D")
            and (
                (
                    "private_channel" in types
                    and c in self._private
                    and self._bot_user_id in self._members.get(c, set())
                )
                or ("public_channel" in types and c not in self._private)
            )
        ]
        start = 0
        cursor = _text(params, "cursor")
        if cursor:
            try:
                start = shown.index(
                    base64.b64decode(cursor, validate=True).decode().removeprefix("next_id:")
                )
            except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
                raise _SlackError("invalid_cursor") from exc
        try:
            limit = int(_text(params, "limit") or 100)
        except ValueError:
            limit = 100
        limit = min(limit, 1000) if limit > 0 else 100
        page = shown[start : start + limit]
        after = shown[start + limit : start + limit + 1]
        next_cursor = base64.b64encode(f"next_id:{after[0]}".encode()).decode() if after else ""
        return {
            "ok": True,
            "channels": [self._channel_object(c) for c in page],
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _conversations_invite(self, params: Params) -> Params:
        # Without force, one user who cannot be invited fails the whole call and nobody is
        # invited; the answer lists each failure in `errors`.  With force=true the others are
        # invited, and the call still fails when nobody could be.
        channel = _text(params, "channel")
        users = [u.strip() for u in _text(params, "users").split(",") if u.strip()]
        if channel not in self._members:
            raise _SlackError("channel_not_found")
        if not users:
            raise _SlackError("no_user")
        members = self._members[channel]
        failures = []
        for user in users:
            if user == self._bot_user_id:
                failures.append({"user": user, "ok": False, "error": "cant_invite_self"})
            elif user in members:
                failures.append({"user": user, "ok": False, "error": "already_in_channel"})
        failed = {f["user"] for f in failures}
        invitable = [u for u in users if u not in failed]
        force = str(params.get("force")).lower() in ("true", "1")
        if failures and (not force or not invitable):
            raise _SlackInviteError(failures)
        members.update(invitable)
        answer: Params = {"ok": True, "channel": self._channel_object(channel)}
        if failures:
            answer["errors"] = failures
        return answer

    def members(self, channel: str) -> set[str]:
        with self._lock:
            return set(self._members.get(channel, set()))

    def _files_get_upload_url_external(self, params: Params) -> Params:
        filename = _text(params, "filename")
        try:
            length = int(_text(params, "length"))
        except ValueError as exc:
            raise _SlackError("invalid_arguments") from exc
        if not filename or length < 0:
            raise _SlackError("invalid_arguments")
        file_id = random_id("F")
        self._pending_files[file_id] = {"filename": filename, "length": length}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, params: Params) -> Params:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise _SlackError("invalid_arguments")
        completed = []
        for entry in files:
            file_id = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(file_id, str) or file_id not in self._uploads:
                raise _SlackError("file_not_found")
            filename = self._pending_files[file_id]["filename"]
            completed.append(
                {
                    "id": file_id,
                    "name": filename,
                    "title": entry.get("title") or filename,
                    "mimetype": mimetypes.guess_type(filename)[0] or "application/octet-stream",
                    "size": len(self._uploads[file_id]),
                    "user": self._bot_user_id,
                    "permalink": f"{STANDIN_HOST}/files/{self._bot_user_id}/{file_id}/{filename}",
                }
            )
        return {"ok": True, "files": completed}
