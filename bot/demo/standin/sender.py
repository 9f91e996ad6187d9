"""The other half of the Slack stand-in: what Slack sends to the app.

SlackSender delivers Events API callbacks and slash commands to the app under test the way Slack
does: the same payload shapes, signed with the signing secret, over real HTTP. Tests and the
offline demo use it to play the delegates, the chair and the secretariat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import string
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.client import HTTPConnection, HTTPSConnection
from typing import Any
from urllib.parse import urlencode, urlsplit

from bot.demo.standin.server import SlackStandIn, TsMinter, random_id
from bot.demo.standin.triggers import TRIGGER_IDS, TriggerIds

# Slash commands still carry the legacy verification token; Bolt ignores it but apps may log it.
LEGACY_VERIFICATION_TOKEN = "standinVerificationT0ken"
TEAM_DOMAIN = "docket-standin"
# Made-up hosts, so nothing the sender hands out can reach the real Slack by mistake.
RESPONSE_URL_HOST = "https://hooks.standin.slack.local"
FILES_HOST = "https://files.standin.slack.local"
SLACK_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
_URL_IN_TEXT = re.compile(r"<(https?://[^|>]+)(?:\|[^>]*)?>|(https?://\S+)")
_BLOCK_ID_ALPHABET = string.ascii_letters + string.digits
# Slack gives an app 3 seconds to acknowledge a request, then gives up (and retries events).
ACK_WINDOW = 3.0


@dataclass(frozen=True)
class Delivery:
    """What the app answered to one delivery."""

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float
    event_id: str | None
    ts: str | None
    # Kept so redeliver() can resend the identical bytes, as Slack's retries do.
    request_body: bytes = field(default=b"", repr=False)

    def json(self) -> Any:
        """The answer's body parsed as JSON, or {} when the app answered with an empty body."""
        return json.loads(self.body) if self.body.strip() else {}


def _rich_text_blocks(text: str) -> list[dict[str, Any]]:
    """The rich_text block Slack's clients attach to a typed message.

    Plain text only: Slack would split out links and mentions, which the app reads from `text`.
    The block holds the characters as typed, while `text` carries Slack's &amp; &lt; &gt; escapes.
    """
    typed = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    block_id = "".join(secrets.choice(_BLOCK_ID_ALPHABET) for _ in range(5))
    return [
        {
            "type": "rich_text",
            "block_id": block_id,
            "elements": [
                {"type": "rich_text_section", "elements": [{"type": "text", "text": typed}]}
            ],
        }
    ]


def _event_context(event: dict[str, Any], team_id: str, api_app_id: str) -> str:
    # Slack's event_context is "4-" and a base64 JSON summary; apps only pass it back, never parse.
    summary = {
        "et": event.get("type"),
        "tid": team_id,
        "aid": api_app_id,
        "cid": event.get("channel"),
    }
    encoded = base64.urlsafe_b64encode(json.dumps(summary, separators=(",", ":")).encode())
    return "4-" + encoded.decode().rstrip("=")


class SlackSender:
    """Sends signed Events API callbacks and slash commands to an app's /slack/events URL."""

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        team_id: str = "T0DOCKET01",
        api_app_id: str = "A0DOCKET01",
        bot_user_id: str = "U0DOCKETBT",
        clock: Callable[[], float] = time.time,
        timeout: float = ACK_WINDOW,
        ts_source: Callable[[], str] | None = None,
        slack: SlackStandIn | None = None,
    ) -> None:
        """`slack`, the stand-in the app talks to, lends its ts sequence, its trigger_ids and
        what it knows of channels (a private channel's events say channel_type "group")."""
        self.url = url
        self._signing_secret = signing_secret
        self._team_id = team_id
        self._api_app_id = api_app_id
        self._bot_user_id = bot_user_id
        self._clock = clock
        self._timeout = timeout
        self._slack = slack
        if ts_source is None:
            ts_source = slack.next_ts if slack is not None else TsMinter(clock).next_ts
        self._ts_source = ts_source
        self._trigger_ids: TriggerIds = slack.trigger_ids if slack is not None else TRIGGER_IDS
        # An edit or deletion names the same client_msg_id as the message it changes, as in Slack.
        self._client_msg_ids: dict[tuple[str, str], str] = {}

    def next_ts(self) -> str:
        return self._ts_source()

    # -- messages ---------------------------------------------------------------------------

    def reply(
        self,
        *,
        channel: str,
        user: str,
        text: str,
        thread_ts: str,
        ts: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        subtype: str | None = None,
        files: list[dict[str, Any]] | None = None,
    ) -> Delivery:
        """A user's reply in a thread (the reply to an agenda item)."""
        ts = ts or self.next_ts()
        event = self._user_message(
            channel=channel, user=user, text=text, ts=ts, thread_ts=thread_ts
        )
        if subtype is not None:
            event["subtype"] = subtype
        if subtype == "thread_broadcast":
            # "Also send to #channel": Slack attaches a summary of the thread's parent.
            event["root"] = {
                "type": "message",
                "user": self._bot_user_id,
                "text": "",
                "ts": thread_ts,
                "thread_ts": thread_ts,
                "reply_count": 1,
                "reply_users": [user],
                "reply_users_count": 1,
                "latest_reply": ts,
                "is_locked": False,
                "subscribed": False,
            }
        if subtype == "file_share" or files is not None:
            event["files"] = files if files is not None else [self._file_object(user, ts)]
            event["upload"] = False
            event["display_as_bot"] = False
        return self.event(
            self._in_channel(event, channel),
            event_id=event_id,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )

    def post(
        self,
        *,
        channel: str,
        user: str,
        text: str,
        ts: str | None = None,
        event_id: str | None = None,
    ) -> Delivery:
        """A user's top-level message in a channel."""
        ts = ts or self.next_ts()
        event = self._user_message(channel=channel, user=user, text=text, ts=ts, thread_ts=None)
        return self.event(self._in_channel(event, channel), event_id=event_id)

    def bot_message(
        self,
        *,
        channel: str,
        text: str,
        thread_ts: str | None = None,
        bot_id: str = "B0OTHERBOT",
    ) -> Delivery:
        """A message from another integration: subtype bot_message, a bot_id and no user."""
        event: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": text,
            "ts": self.next_ts(),
            "bot_id": bot_id,
            "username": "Other integration",
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return self.event(self._in_channel(event, channel))

    def edit(
        self,
        *,
        channel: str,
        user: str,
        ts: str,
        thread_ts: str | None,
        text: str,
        previous_text: str,
        edited_ts: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> Delivery:
        """A user's edit of their message: message_changed with an "edited" marker."""
        edited_ts = edited_ts or self.next_ts()
        message = self._user_message(
            channel=channel, user=user, text=text, ts=ts, thread_ts=thread_ts
        )
        message["edited"] = {"user": user, "ts": edited_ts}
        previous = self._user_message(
            channel=channel, user=user, text=previous_text, ts=ts, thread_ts=thread_ts
        )
        return self._changed(channel, message, previous, edited_ts, event_id, retry_num)

    def unfurl(
        self,
        *,
        channel: str,
        user: str,
        ts: str,
        thread_ts: str | None,
        text: str,
        event_id: str | None = None,
    ) -> Delivery:
        """The message_changed Slack sends when it adds a link preview: same text, not edited."""
        match = _URL_IN_TEXT.search(text)
        url = (match.group(1) or match.group(2)) if match else "https://example.org/"
        message = self._user_message(
            channel=channel, user=user, text=text, ts=ts, thread_ts=thread_ts
        )
        message["attachments"] = [
            {
                "id": 1,
                "from_url": url,
                "original_url": url,
                "title": "Link preview",
                "title_link": url,
                "text": "A page the message links to.",
                "fallback": f"Link preview: {url}",
                "service_name": urlsplit(url).hostname or url,
            }
        ]
        previous = self._user_message(
            channel=channel, user=user, text=text, ts=ts, thread_ts=thread_ts
        )
        return self._changed(channel, message, previous, self.next_ts(), event_id, None)

    def delete(
        self,
        *,
        channel: str,
        ts: str,
        thread_ts: str | None,
        user: str,
        previous_text: str,
        event_id: str | None = None,
    ) -> Delivery:
        """A user's deletion of their message: message_deleted with the text it had."""
        event_ts = self.next_ts()
        previous = self._user_message(
            channel=channel, user=user, text=previous_text, ts=ts, thread_ts=thread_ts
        )
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": ts,
            "previous_message": previous,
            "ts": event_ts,
        }
        return self.event(self._in_channel(event, channel), event_id=event_id)

    # -- slash commands ---------------------------------------------------------------------

    def command(
        self,
        *,
        text: str,
        user: str,
        channel: str,
        command: str = "/approve",
        response_url: str | None = None,
        user_name: str | None = None,
        channel_name: str = "meeting",
    ) -> Delivery:
        """A slash command, form-encoded with the fields Slack sends."""
        digits = "".join(secrets.choice(string.digits) for _ in range(13))
        form = {
            "token": LEGACY_VERIFICATION_TOKEN,
            "team_id": self._team_id,
            "team_domain": TEAM_DOMAIN,
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": user_name or user.lower(),
            "command": command,
            "text": text,
            "api_app_id": self._api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url
            or f"{RESPONSE_URL_HOST}/commands/{self._team_id}/{digits}/{secrets.token_hex(12)}",
            "trigger_id": self._trigger_id(),
        }
        return self.send(urlencode(form).encode(), content_type="application/x-www-form-urlencoded")

    # -- interactivity: buttons, shortcuts, modals --------------------------------------------

    def _actor(self, user: str) -> dict[str, Any]:
        return {
            "id": user,
            "username": user.lower(),
            "name": user.lower(),
            "team_id": self._team_id,
        }

    def _trigger_id(self) -> str:
        # Issued where views.open will look for it: good once, for 3 seconds from now.
        return self._trigger_ids.issue()

    def interaction(self, payload: dict[str, Any]) -> Delivery:
        """Any interactivity payload, form-encoded as `payload=<json>` as Slack sends it."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.send(body, content_type="application/x-www-form-urlencoded")

    def message_shortcut(
        self,
        *,
        callback_id: str,
        user: str,
        channel: str,
        ts: str,
        thread_ts: str | None,
        message_user: str,
        text: str,
    ) -> Delivery:
        """A message shortcut ("More actions" on a message): type message_action."""
        message: dict[str, Any] = {"type": "message", "user": message_user, "ts": ts, "text": text}
        if thread_ts:
            message["thread_ts"] = thread_ts
        return self.interaction(
            {
                "type": "message_action",
                "token": LEGACY_VERIFICATION_TOKEN,
                "action_ts": self.next_ts(),
                "team": {"id": self._team_id, "domain": TEAM_DOMAIN},
                "user": self._actor(user),
                "channel": {"id": channel, "name": "meeting"},
                "is_enterprise_install": False,
                "callback_id": callback_id,
                "trigger_id": self._trigger_id(),
                "response_url": f"{RESPONSE_URL_HOST}/app/{self._team_id}/{secrets.token_hex(8)}",
                "message_ts": ts,
                "message": message,
            }
        )

    def button(
        self,
        *,
        action_id: str,
        value: str,
        user: str,
        channel: str | None = None,
        message_ts: str | None = None,
        view: dict[str, Any] | None = None,
        response_url: str | None = None,
    ) -> Delivery:
        """A button click (block_actions), on a message in `channel` or in a view (App Home)."""
        payload: dict[str, Any] = {
            "type": "block_actions",
            "token": LEGACY_VERIFICATION_TOKEN,
            "team": {"id": self._team_id, "domain": TEAM_DOMAIN},
            "user": self._actor(user),
            "api_app_id": self._api_app_id,
            "trigger_id": self._trigger_id(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": action_id,
                    "value": value,
                    "action_ts": self.next_ts(),
                }
            ],
        }
        if channel is not None:
            payload["channel"] = {"id": channel, "name": "meeting"}
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
            }
            payload["message"] = {"type": "message", "ts": message_ts}
            payload["response_url"] = (
                response_url or f"{RESPONSE_URL_HOST}/actions/{secrets.token_hex(8)}"
            )
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0HOME")}
        return self.interaction(payload)

    def view_submission(
        self,
        *,
        callback_id: str,
        user: str,
        values: dict[str, dict[str, dict[str, Any]]],
        private_metadata: str = "",
        view_id: str = "V0MODAL01",
    ) -> Delivery:
        """A modal's submit: `values` as Slack nests them (block_id -> action_id -> value)."""
        return self.interaction(
            {
                "type": "view_submission",
                "team": {"id": self._team_id, "domain": TEAM_DOMAIN},
                "user": self._actor(user),
                "api_app_id": self._api_app_id,
                "token": LEGACY_VERIFICATION_TOKEN,
                "trigger_id": self._trigger_id(),
                "view": {
                    "id": view_id,
                    "team_id": self._team_id,
                    "type": "modal",
                    "callback_id": callback_id,
                    "private_metadata": private_metadata,
                    "state": {"values": values},
                    "hash": secrets.token_hex(8),
                },
                "response_urls": [],
                "is_enterprise_install": False,
            }
        )

    def app_home_opened(self, user: str, *, tab: str = "home") -> Delivery:
        """The user opens the app's Home (or Messages) tab: `channel` is their DM with the app."""
        return self.event(
            {
                "type": "app_home_opened",
                "user": user,
                "channel": f"D{user[1:]}"[:11],
                "tab": tab,
                "event_ts": self.next_ts(),
            }
        )

    # -- envelopes and the wire -------------------------------------------------------------

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Delivery:
        """Any event, wrapped in Slack's event_callback envelope."""
        event_id = event_id or random_id("Ev")
        event_ts = event.get("event_ts") or event.get("ts")
        envelope = {
            "token": LEGACY_VERIFICATION_TOKEN,
            "team_id": self._team_id,
            "context_team_id": self._team_id,
            "context_enterprise_id": None,
            "api_app_id": self._api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(float(event_ts)) if event_ts else int(self._clock()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self._team_id,
                    "user_id": self._bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": _event_context(event, self._team_id, self._api_app_id),
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        delivery = self.send(
            json.dumps(envelope).encode(), content_type="application/json", extra_headers=headers
        )
        ts = event.get("ts")
        return replace(delivery, event_id=event_id, ts=ts if isinstance(ts, str) else None)

    def redeliver(
        self, delivery: Delivery, *, retry_num: int = 1, retry_reason: str = "http_timeout"
    ) -> Delivery:
        """Send an earlier event again, byte for byte, with Slack's retry headers."""
        if delivery.event_id is None or not delivery.request_body:
            raise ValueError("only Events API deliveries are retried by Slack")
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        again = self.send(
            delivery.request_body, content_type="application/json", extra_headers=headers
        )
        return replace(again, event_id=delivery.event_id, ts=delivery.ts)

    def sign(self, body: bytes, *, timestamp: int) -> str:
        """Slack's request signature: v0= HMAC-SHA256 of "v0:{timestamp}:{body}"."""
        base = b"v0:" + str(timestamp).encode() + b":" + body
        digest = hmac.new(self._signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return f"v0={digest}"

    def send(
        self,
        body: bytes,
        *,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Delivery:
        """POST a signed body; any HTTP status comes back as a Delivery, never as an exception."""
        # The wall clock, not self._clock: Bolt rejects signatures more than 5 minutes old, and a
        # simulated clock may be years away from the real one.
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type,
            "User-Agent": SLACK_USER_AGENT,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature or self.sign(body, timestamp=timestamp),
            **(extra_headers or {}),
        }
        # http.client rather than urllib: no proxy settings from the environment, no raising on
        # non-2xx answers.
        url = urlsplit(self.url)
        connection_class = HTTPSConnection if url.scheme == "https" else HTTPConnection
        connection = connection_class(url.hostname or "127.0.0.1", url.port, timeout=self._timeout)
        target = (url.path or "/") + (f"?{url.query}" if url.query else "")
        started = time.perf_counter()
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        return Delivery(
            status=response.status,
            body=answer.decode("utf-8", errors="replace"),
            headers=dict(response.getheaders()),
            elapsed=time.perf_counter() - started,
            event_id=None,
            ts=None,
            request_body=body,
        )

    # -- payload pieces ---------------------------------------------------------------------

    def _user_message(
        self, *, channel: str, user: str, text: str, ts: str, thread_ts: str | None
    ) -> dict[str, Any]:
        """A message as a user's Slack client writes it (without the channel-level keys)."""
        client_msg_id = self._client_msg_ids.setdefault((channel, ts), str(uuid.uuid4()))
        message: dict[str, Any] = {
            "type": "message",
            "client_msg_id": client_msg_id,
            "text": text,
            "user": user,
            "ts": ts,
            "team": self._team_id,
            "blocks": _rich_text_blocks(text),
        }
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
            message["parent_user_id"] = self._bot_user_id
        return message

    def _in_channel(self, event: dict[str, Any], channel: str) -> dict[str, Any]:
        """Add the keys a message event carries beyond the message itself."""
        event["channel"] = channel
        event["event_ts"] = event["ts"]
        if channel.startswith("D"):
            event["channel_type"] = "im"
        elif self._slack is not None:
            event["channel_type"] = self._slack.channel_type(channel)
        else:
            event["channel_type"] = "channel"
        return event

    def _changed(
        self,
        channel: str,
        message: dict[str, Any],
        previous: dict[str, Any],
        event_ts: str,
        event_id: str | None,
        retry_num: int | None,
    ) -> Delivery:
        event = {
            "type": "message",
            "subtype": "message_changed",
            "message": message,
            "previous_message": previous,
            "hidden": True,
            "ts": event_ts,
        }
        return self.event(self._in_channel(event, channel), event_id=event_id, retry_num=retry_num)

    def _file_object(self, user: str, ts: str) -> dict[str, Any]:
        file_id = random_id("F")
        created = int(float(ts))
        return {
            "id": file_id,
            "created": created,
            "timestamp": created,
            "name": "comment.pdf",
            "title": "comment.pdf",
            "mimetype": "application/pdf",
            "filetype": "pdf",
            "pretty_type": "PDF",
            "user": user,
            "mode": "hosted",
            "size": 1024,
            "url_private": f"{FILES_HOST}/files-pri/{self._team_id}-{file_id}/comment.pdf",
            "permalink": f"{FILES_HOST}/files/{user}/{file_id}/comment.pdf",
        }
