"""The floors Docket is measured against: bare Bolt apps, served as the Procfile serves Docket.

    gunicorn ... 'bench.bare_bolt_app:ack_only()'
    gunicorn ... 'bench.bare_bolt_app:ack_and_receipt()'

`bench.capture_bench` takes the Procfile's `web:` command and swaps only the app, so worker and
thread counts, timeouts and the bind are Docket's.  Both apps keep Bolt's defaults (among them
process_before_response=False: an event is acknowledged at once and the listener then runs in
Bolt's thread pool) and read the same environment as Docket: SLACK_BOT_TOKEN,
SLACK_SIGNING_SECRET and SLACK_API_URL (the stand-in).

- `ack_only`: acknowledges every message event and does nothing else.
- `ack_and_receipt`: acknowledges, then adds the receipt reaction to the message, the least
  Slack I/O any bot that confirms comments must do.
- `receipt_in_request`: the same receipt with `process_before_response=True`, so it is added
  inside the request, before the acknowledgement (as Docket and `bench.plain_bot` do).
"""

import os
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

RECEIPT_REACTION = (
    "white_check_mark"  # the name does not change the cost; Docket's is in bot.views.messages
)


def _app(*, process_before_response: bool = False) -> App:
    api_url = os.environ.get("SLACK_API_URL", "https://slack.com/api/")
    token = os.environ["SLACK_BOT_TOKEN"]
    return App(
        client=WebClient(token=token, base_url=api_url if api_url.endswith("/") else api_url + "/"),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=process_before_response,
    )


def ack_only() -> SlackRequestHandler:
    app = _app()

    @app.event("message")
    def acknowledge() -> None:
        """Bolt acknowledges events by itself; this listener has nothing to add."""

    return SlackRequestHandler(app)


def ack_and_receipt() -> SlackRequestHandler:
    return _with_receipt(_app())


def receipt_in_request() -> SlackRequestHandler:
    return _with_receipt(_app(process_before_response=True))


def _with_receipt(app: App) -> SlackRequestHandler:

    @app.event("message")
    def receipt(event: dict[str, Any], client: WebClient) -> None:
        if event.get("subtype") is None and event.get("thread_ts"):
            client.reactions_add(
                channel=event["channel"], timestamp=event["ts"], name=RECEIPT_REACTION
            )

    return SlackRequestHandler(app)
