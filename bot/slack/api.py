"""Outbound Slack: the Web API client and the calls made after a request is acknowledged.

The client retries what Slack asks to be retried: 429 with its Retry-After, 5xx answers and
dropped connections.  Listeners describe their Web API calls as `Call` values and send them
after acknowledging, so Slack's 3-second limit never waits on our own Web API traffic.
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.core.config import Settings
from bot.core.metrics import count_rate_limited, count_web_api_error
from bot.slack.transport import AnswerLost, PooledWebClient
from bot.views.messages import SlackMessage

log = logging.getLogger(__name__)


# Slack errors that no retry will cure: the message itself, the channel, the token or the app's
# scopes must change first.  Retrying them at every beat only fills the log; the delivery is
# marked failed and the secretariat told what to do.  Anything else (ratelimited, 5xx answers,
# fatal_error, timeouts, dropped connections) may pass and is retried at the next beat.
PERMANENT_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "missing_scope",
        "user_not_found",
        "invalid_arguments",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "not_authed",
    }
)

ErrorClass = Literal["permanent", "transient"]


def _answer(exc: SlackApiError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body of the answer `exc` carries (a SlackResponse, or the
    bare dict some callers raise it with)."""
    response: Any = exc.response
    data = getattr(response, "data", response)
    status = getattr(response, "status_code", 200)
    return int(status or 200), data if isinstance(data, dict) else {}


def error_code(exc: SlackApiError) -> str:
    """Slack's error code (`not_in_channel`), or the HTTP status when the answer had none."""
    status, data = _answer(exc)
    error = data.get("error")
    return str(error) if error else f"http_{status}"


def classify_error(exc: SlackApiError) -> ErrorClass:
    """Whether retrying `exc` later may succeed (transient) or never will (permanent)."""
    status, _ = _answer(exc)
    if status >= 500 or status == 429:
        return "transient"
    return "permanent" if error_code(exc) in PERMANENT_ERRORS else "transient"


def error_detail(exc: SlackApiError) -> str:
    """The code with what Slack adds to it: the scope `missing_scope` needed, say."""
    code = error_code(exc)
    needed = _answer(exc)[1].get("needed")
    return f"{code} (needed {needed})" if code == "missing_scope" and needed else code


@dataclass(frozen=True)
class ChannelCheck:
    """Whether the bot is in a channel: True, False, or None when Slack would not say."""

    channel: str
    member: bool | None
    name: str  # the channel's name, or its id when Slack did not give it
    error: str = ""  # Slack's error when it would not say (missing_scope, say)


def check_membership(client: WebClient, channel: str) -> ChannelCheck:
    """conversations.info's `is_member`.  A private channel the bot was not invited to is
    invisible to it: Slack answers channel_not_found, which means "not in it" here too."""
    try:
        found = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as exc:
        error = error_detail(exc)
        if error_code(exc) == "channel_not_found":
            return ChannelCheck(channel, False, channel, error)
        return ChannelCheck(channel, None, channel, error)
    name = str(found.get("name") or channel)
    return ChannelCheck(channel, bool(found.get("is_member")), name)


class CountingRateLimitHandler(RateLimitErrorRetryHandler):
    """Slack's 429s retried as usual, each one counted (docket_web_api_rate_limited_total)."""

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            count_rate_limited(_method_of(request.url))
        return super().can_retry(state=state, request=request, response=response, error=error)


# Calls that create something each time they are made: after an answer is lost (AnswerLost)
# they are not sent again blindly, since Slack may have acted, and a second chat.postMessage is a
# second message (an item posted twice splits its thread).  The caller learns of the failure;
# an item's post is then reconciled with the channel's history before it is retried
# (bot/clock/posting.py).  Everything else (reactions, updates, reads) is safe to repeat.
NOT_REPEATABLE = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "chat.meMessage",
        "files.upload",
        "files.completeUploadExternal",
        "conversations.create",
    }
)


class RepeatSafeConnectionErrorRetryHandler(ConnectionErrorRetryHandler):
    """slack_sdk's connection-error retries, except a lost answer to a call that is not safe
    to repeat (NOT_REPEATABLE): a request that never left is always sent again."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _maybe_sent(error) and _method_of(request.url) in NOT_REPEATABLE:
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def _maybe_sent(error: Exception | None) -> bool:
    """Whether the connection failed once the request was out: AnswerLost from our pooled
    transport; from urllib (a plain WebClient), a reset or a hang-up that URLError does not
    wrap (URLError itself is a failure to connect: nothing was sent)."""
    if isinstance(error, AnswerLost):
        return True
    return isinstance(error, ConnectionResetError) and not isinstance(error, URLError)


def _method_of(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


class MeteredWebClient(PooledWebClient):
    """A WebClient on the process's keep-alive connections (bot/slack/transport.py) that
    counts the calls that fail after its retries (docket_web_api_errors_total, by Slack's method
    name and error code)."""

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict | None = None,
        data: dict | None = None,
        params: dict | None = None,
        json: dict | None = None,
        headers: dict | None = None,
        auth: dict | None = None,
    ) -> SlackResponse:
        try:
            return super().api_call(
                api_method,
                http_verb=http_verb,
                files=files,
                data=data,
                params=params,
                json=json,
                headers=headers,
                auth=auth,
            )
        except SlackApiError as exc:
            count_web_api_error(api_method, _error_label(exc))
            raise
        except Exception as exc:
            count_web_api_error(api_method, type(exc).__name__)
            raise


def _error_label(exc: SlackApiError) -> str:
    try:
        return error_code(exc)
    except Exception:  # noqa: BLE001  (an odd answer must not hide the original error)
        return "unknown_error"


def make_client(settings: Settings, *, token: str | None = None) -> WebClient:
    return MeteredWebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            RepeatSafeConnectionErrorRetryHandler(max_retry_count=2),
            CountingRateLimitHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def delivery_metadata(event_type: str, **payload: str | int) -> dict[str, Any]:
    """Slack message metadata naming what a channel post is (`docket_item_posted`, the meeting,
    the item, the delivery), so that it can be found again in the channel's history."""
    return {"event_type": event_type, "event_payload": payload}


# How far back before a claim the history is read: the claim's time is the clock's, the
# message's ts is Slack's, and the two machines' clocks may differ a little.
RECONCILE_MARGIN_SECONDS = 120
RECONCILE_PAGES = 10  # of 200 top-level messages: more than a channel gets in a claim timeout


def find_posted(
    client: WebClient,
    channel: str,
    metadata: dict[str, Any],
    *,
    since: datetime,
    thread_ts: str | None = None,
) -> str | None:
    """The ts of a message in `channel` (in the thread of `thread_ts`, if given) posted since
    `since` carrying exactly this metadata, or None.  Used before posting again something whose
    first post may have reached Slack although its answer never reached us.  Needs
    `channels:history` (and `groups:history` for a private channel).  When the history cannot
    be read (that scope missing, say), None: the caller posts, since a second post is the
    lesser harm than none, and the warning says what to fix."""
    if since.tzinfo is None:  # SQLite returns naive UTC
        since = since.replace(tzinfo=UTC)
    try:
        return _find_posted(client, channel, metadata, since.timestamp(), thread_ts)
    except SlackApiError as exc:
        log.warning(
            "could not read %s's history to look for an earlier post (%s); posting",
            channel,
            error_detail(exc),
        )
        return None


def _find_posted(
    client: WebClient,
    channel: str,
    metadata: dict[str, Any],
    since: float,
    thread_ts: str | None,
) -> str | None:
    cursor: str | None = None
    oldest = f"{max(0.0, since - RECONCILE_MARGIN_SECONDS):.6f}"
    for _ in range(RECONCILE_PAGES):
        if thread_ts is None:
            page = client.conversations_history(
                channel=channel, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
            )
        else:
            page = client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                oldest=oldest,
                include_all_metadata=True,
                limit=200,
                cursor=cursor,
            )
        for message in page.get("messages") or []:
            if message.get("metadata") == metadata:
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return None
    log.warning(
        "channel %s: no earlier post found in %s pages of history", channel, RECONCILE_PAGES
    )
    return None


DELIVERY_POSTED = "docket_delivery"  # the event_type of a claimed delivery's channel posts


@dataclass
class _Delivery:
    payload: dict[str, str | int]
    retaken_since: datetime | None
    posts: int = 0


_delivery: ContextVar[_Delivery | None] = ContextVar("docket_delivery", default=None)


@contextmanager
def delivering(
    key: str, *, meeting_id: int, item_id: int | None, retaken_since: datetime | None
) -> Iterator[None]:
    """While a claimed delivery (bot/clock/claims.py) is sent: its channel posts made through
    `Outbound.post` carry metadata naming it (and which of its posts each one is), and when
    the claim was retaken from a process that never finished (`retaken_since`, that claim's
    time), each post is first looked for in the channel and not made again if found."""
    payload: dict[str, str | int] = {"meeting": meeting_id, "delivery": key}
    if item_id is not None:
        payload["item"] = item_id
    token = _delivery.set(_Delivery(payload, retaken_since))
    try:
        yield
    finally:
        _delivery.reset(token)


def _is_channel(channel: str) -> bool:
    """A channel (C…, or G… private), not a person: direct messages are not reconciled."""
    return channel[:1] in ("C", "G")


@dataclass(frozen=True)
class Call:
    """One Web API call to make later, as plain data (Bolt deep-copies it to a lazy listener)."""

    method: str  # the WebClient method name, e.g. "chat_postMessage"
    args: dict[str, Any] = field(default_factory=dict)
    tolerate: tuple[str, ...] = ()  # Slack errors that mean "already done", e.g. already_reacted
    remember: str | None = None  # what the posted message is, to store its ts (see handlers)


def send_calls(
    client: WebClient,
    calls: Iterable[Call],
    on_sent: Callable[[Call, Any], None] | None = None,
) -> list[str]:
    """Make each call in order; one failure is logged and does not stop the others.

    `on_sent` sees each successful call with Slack's response.  Returns the errors met
    (empty when all went through), for the caller's log line.
    """
    errors: list[str] = []
    for call in calls:
        try:
            response = getattr(client, call.method)(**call.args)
            if on_sent is not None:
                on_sent(call, response)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            if error in call.tolerate:
                continue
            log.warning("Slack %s failed: %s", call.method, error)
            errors.append(f"{call.method}: {error}")
    return errors


class SendsCalls(Protocol):
    """Where a listener hands the Web API calls that go out beside its acknowledgement."""

    def send(self, client: WebClient, calls: Sequence[Call]) -> None: ...


def send_and_log(client: WebClient, calls: list[Call]) -> None:
    """`send_calls`, its failures logged: nobody waits on these calls to hear of them."""
    try:
        errors = send_calls(client, calls)
    except Exception:
        log.exception("after-ack Slack calls failed")
        return
    if errors:
        log.warning("after-ack Slack calls failed: %s", "; ".join(errors))


class AfterAck:
    """Web API calls sent on the listener executor once the listener has finished (Bolt's
    listeners: Socket Mode, commands, forms).

    Used instead of a Bolt lazy listener: Bolt deep-copies the whole request for each lazy
    listener, which cost about 8% of the web process's CPU per comment (see BENCHMARKS.md).
    Handed to listeners through Bolt's context, which Bolt also deep-copies, so copying returns
    the same object.
    """

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    def __deepcopy__(self, memo: dict[int, Any]) -> "AfterAck":
        return self

    def send(self, client: WebClient, calls: Sequence[Call]) -> None:
        if calls:
            self.executor.submit(send_and_log, client, list(calls))


class AfterResponse:
    """Web API calls held until the HTTP response has gone out, then sent by the request's own
    thread (`flush`, from the WSGI response's close(): bot/slack/http.py).

    For a reply's receipt over HTTP: handing it to another thread (`AfterAck`) cost a thread
    switch per reply, and under load the capture ran about 10% faster without it
    (BENCHMARKS.md).  Slack has its 200 before `flush` starts, so the 3 seconds are untouched;
    the request thread is busy for the receipt's round trip instead of an executor thread.
    """

    def __init__(self) -> None:
        self.pending: list[tuple[WebClient, list[Call]]] = []

    def send(self, client: WebClient, calls: Sequence[Call]) -> None:
        if calls:
            self.pending.append((client, list(calls)))

    def flush(self) -> None:
        pending, self.pending = self.pending, []
        for client, calls in pending:
            send_and_log(client, calls)


class ChannelPacer:
    """Slack accepts about one message per second in a channel; fan-out waits its turn.

    Injected `sleep` and `clock` let tests check the pacing without waiting for it.
    """

    def __init__(
        self,
        interval: float = 1.0,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._sleep = sleep
        self._clock = clock
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        with self._lock:
            now = self._clock()
            ready = self._last.get(channel, now - self.interval) + self.interval
            if ready > now:
                self._sleep(ready - now)
                now = ready
            self._last[channel] = now


class Outbound:
    """The clock's Web API calls: paced per channel, retried by the client on 429 and 5xx.

    Errors that survive the retries propagate as SlackApiError; the caller's claim helper
    releases its claim so the next heartbeat tries again, unless `classify_error` calls the
    error permanent, when the delivery is marked failed and the secretariat told.
    """

    def __init__(self, client: WebClient, pacer: ChannelPacer | None = None) -> None:
        self.client = client
        self.pacer = pacer or ChannelPacer()
        self._team_url: str | None = None

    def team_url(self) -> str | None:
        """The workspace's URL (auth.test), to build message links without a call per link."""
        if self._team_url is None:
            try:
                self._team_url = str(self.client.auth_test()["url"])
            except SlackApiError:
                return None
        return self._team_url

    def upload(self, to: str, files: list[tuple[str, bytes, str]], *, comment: str) -> None:
        """Files (name, content, title) to a channel, or privately to a user (their DM).

        files_upload_v2 needs a conversation id, not a user id, hence conversations.open.
        """
        channel = to
        if to.startswith(("U", "W")):
            channel = str(self.client.conversations_open(users=to)["channel"]["id"])
        self.client.files_upload_v2(
            channel=channel,
            initial_comment=comment,
            file_uploads=[
                {"content": content, "filename": name, "title": title}
                for name, content, title in files
            ],
        )

    def post(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> str:
        extra: dict[str, Any] = {}
        current = _delivery.get()
        if current is not None and _is_channel(channel):
            current.posts += 1
            metadata = delivery_metadata(DELIVERY_POSTED, **current.payload, part=current.posts)
            extra["metadata"] = metadata
            if current.retaken_since is not None:
                found = find_posted(
                    self.client,
                    channel,
                    metadata,
                    since=current.retaken_since,
                    thread_ts=thread_ts,
                )
                if found is not None:
                    return found
        self.pacer.wait(channel)
        response = self.client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
            **extra,
        )
        return str(response["ts"])

    def update(self, channel: str, ts: str, message: SlackMessage) -> None:
        self.client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)

    def direct(self, user_id: str, message: SlackMessage) -> None:
        # Posting to a user id opens (or reuses) the bot's direct message with them.
        self.post(user_id, message)

    def permalink(self, channel: str, ts: str) -> str | None:
        try:
            return str(self.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
        except SlackApiError:
            return None  # a nudge without a link is still worth sending
