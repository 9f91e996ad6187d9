"""The composition root of the web side: the Bolt app, for HTTP (gunicorn or the local server)
and Socket Mode, and `create_app()`, gunicorn's entry point (the Procfile's `web:` line).

`process_before_response=True`: each listener's ack half (database write plus the private
answer) completes before Slack gets its response, so an acknowledged comment is a committed
comment, and a failure answers 500 so Slack retries rather than losing it.  Web API calls
run in lazy listeners after the response.
"""

import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.clock.claims import configure_claims
from bot.core.clock import utcnow
from bot.core.config import ConfigError, Settings, load_settings
from bot.core.db import Database, make_engine
from bot.core.executor import DrainableExecutor
from bot.core.logs import configure_logging
from bot.core.schema import pending
from bot.slack.api import AfterAck, AfterResponse, make_client
from bot.slack.http import DocketWSGI, LocalServer
from handlers import register_all
from handlers.messages import handle_message_event

log = logging.getLogger("docket")

INTERNAL_ERROR_TEXT = (
    "Sorry, Docket could not complete that because of an internal error. Nothing was "
    "recorded; please try again in a moment, and tell the secretariat if it happens again."
)


class _KnownClientWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns that the client we
    pass (built from that same token, with our retry handlers and API URL) takes precedence."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def build_app(
    settings: Settings,
    database: Database,
    *,
    client: WebClient | None = None,
    executor: Executor | None = None,
    socket_mode: bool = False,
    clock: Callable[[], datetime] = utcnow,
    after_ack: AfterAck | None = None,
) -> App:
    """The app; `clock` gives each request its `now` (the demo runs on a simulated clock)."""
    settings.require("SLACK_BOT_TOKEN", *(() if socket_mode else ("SLACK_SIGNING_SECRET",)))
    executor = executor or _listener_pool()
    after_ack = after_ack or AfterAck(executor)
    app = App(
        client=client or make_client(settings),
        signing_secret=settings.slack_signing_secret,
        process_before_response=True,
        listener_executor=executor,
        # Checked lazily on the first request (auth.test), not at construction, so building
        # the app needs no network.
        token_verification_enabled=False,
        request_verification_enabled=not socket_mode,
        logger=_bolt_logger(),
    )

    app.middleware(RequestContext(database, after_ack, clock, app.client))

    @app.error
    def report_error(error: Exception, body: dict[str, Any], logger: logging.Logger) -> Any:
        logger.error("listener failed", exc_info=error)
        if isinstance(body, dict) and body.get("command"):
            # The transaction was rolled back; say so privately instead of Slack's bare error.
            return BoltResponse(
                status=200,
                body=json.dumps({"response_type": "ephemeral", "text": INTERNAL_ERROR_TEXT}),
                headers={"content-type": ["application/json;charset=utf-8"]},
            )
        return None  # events keep the 500, so Slack redelivers them

    register_all(app)
    return app


class RequestContext(Middleware):
    """What every listener finds in its context: the database, the request's `now` and the
    after-ack sender.  A Middleware class rather than a decorated function: Bolt inspects a
    function middleware's parameters on every request to inject them, which cost more than the
    middleware's own work (BENCHMARKS.md, the capture's profile)."""

    def __init__(
        self,
        database: Database,
        after_ack: AfterAck,
        clock: Callable[[], datetime],
        client: WebClient,
    ) -> None:
        self.database = database
        self.after_ack = after_ack
        self.clock = clock
        self.client = client

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        context = req.context
        context["db"] = self.database
        context["now"] = self.clock()
        # For the writes that must read the time once they hold their lock (a decision:
        # bot/domain/decisions.py), not when the request arrived.
        context["clock"] = self.clock
        context["after_ack"] = self.after_ack
        # The app's own client for every listener: Bolt makes a plain WebClient per request,
        # which would open a connection per call and miss our transport's rules (a lost answer
        # to a post is not resent) and its metrics.  Docket never changes a client's token.
        context["client"] = self.client
        next()
        return resp


def _listener_pool() -> Executor:
    """One pool runs Bolt's lazy listeners and our own after-ack sends (Bolt's default size)."""
    return ThreadPoolExecutor(max_workers=10, thread_name_prefix="docket-listener")


def build_web(
    settings: Settings,
    database: Database,
    *,
    client: WebClient | None = None,
    executor: Executor | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> DocketWSGI:
    """The HTTP face: Bolt for every request, except message events, which go straight to the
    capture (`handlers.messages.handle_message_event`) once their signature is checked.  They
    are nearly all of Slack's traffic in a meeting, and Bolt's dispatch (its middleware chain,
    every listener's matchers, the arguments it injects) cost as much CPU as the capture itself
    (BENCHMARKS.md, the capture's profile).  Socket Mode keeps Bolt's listener for them."""
    executor = executor or _listener_pool()
    client = client or make_client(settings)
    after_ack = AfterAck(executor)
    bolt = build_app(
        settings, database, client=client, executor=executor, clock=clock, after_ack=after_ack
    )

    # The demo's and the tests' executor: draining it also waits for receipts sent after a
    # response, which run on the request's thread, not on the executor.
    hold = executor.hold if isinstance(executor, DrainableExecutor) else None

    def on_message(event: dict[str, Any]) -> Callable[[], None] | None:
        later = AfterResponse()  # the receipt: sent once the 200 has gone (bot/slack/api.py)
        handle_message_event(event, database=database, now=clock(), after_ack=later, client=client)
        if not later.pending:
            return None
        if hold is None:
            return later.flush
        done = hold()

        def flush() -> None:
            try:
                later.flush()
            finally:
                done()

        return flush

    return DocketWSGI(
        bolt, database, signing_secret=settings.slack_signing_secret or "", on_message=on_message
    )


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("docket.bolt")
    if not any(isinstance(f, _KnownClientWarning) for f in logger.filters):
        logger.addFilter(_KnownClientWarning())
    return logger


def create_app() -> DocketWSGI:
    """gunicorn's entry point: settings from the environment and .env."""
    try:
        settings = load_settings()
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    except ConfigError as exc:
        raise SystemExit(f"error: {exc}") from None  # a clear line, not a worker traceback
    configure_logging(secrets=settings.secrets())
    configure_claims(settings.claim_timeout)  # web workers claim the deliveries sent after acks
    engine = make_engine(settings.database_url)
    behind = pending(engine)
    if behind is not None:  # the release step migrates; web workers never race to do it
        raise SystemExit(f"error: {behind}")
    return build_web(settings, Database(engine))


def serve_locally(
    settings: Settings,
    database: Database,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    client: WebClient | None = None,
    executor: Executor | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> LocalServer:
    """The app over real HTTP from a thread of this process: `run`, the demo and the tests."""
    wsgi = build_web(settings, database, client=client, executor=executor, clock=clock)
    return LocalServer(wsgi, host=host, port=port)
