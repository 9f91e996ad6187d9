"""Prometheus metrics, served by the web process on GET /metrics.

Every name starts with `docket_`.  Gunicorn runs several worker processes, each with its own
counters: with PROMETHEUS_MULTIPROC_DIR set (an empty directory, writable, shared by `web` and
`clock`, emptied before they start), prometheus_client writes each process's values to files
there and `render_metrics` sums them on each scrape.  Without it, the process's own registry
is served (one process: `run`, the tests).

Counting never breaks what is counted: the `count_*` and `observe_*` helpers log and swallow
any error of the metrics library.
"""

import logging
import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

SLACK_REQUESTS = Counter(
    "docket_slack_requests",
    "Requests from Slack on /slack/events, by kind and by the class of our HTTP answer.",
    ["kind", "outcome"],
)
ACK_SECONDS = Histogram(
    "docket_ack_seconds",
    "Time to answer a Slack request (Slack gives up after 3 s), by kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
)
COMMENTS_CAPTURED = Counter(
    "docket_comments_captured",
    "Replies in agenda-item threads recorded as new formal comments.",
)
DELIVERIES = Counter(
    "docket_deliveries",
    "Clock deliveries (reminders, notices, digests, ...) by kind and outcome "
    "(sent, failed: Slack refused, skipped: no longer useful).",
    ["kind", "outcome"],
)
WEB_API_ERRORS = Counter(
    "docket_web_api_errors",
    "Slack Web API calls that failed after the client's retries, by method and error.",
    ["method", "error"],
)
WEB_API_RATE_LIMITED = Counter(
    "docket_web_api_rate_limited",
    "Slack Web API answers 429 (rate limited), each one, retried or not, by method.",
    ["method"],
)
CLOCK_JOB_ERRORS = Counter(
    "docket_clock_job_errors",
    "Clock jobs that failed in a beat (the beat's later jobs still ran), by job.",
    ["job"],
)
CLOCK_LAG = Gauge(
    "docket_clock_lag_seconds",
    "At the clock's latest beat, how long after falling due its most overdue delivery was "
    "handled (0 when nothing was due).",
    multiprocess_mode="mostrecent",
)

REQUEST_KINDS = ("event", "command", "action", "view", "options", "other")
_INTERACTIONS = {
    "block_actions": "action",
    "interactive_message": "action",
    "shortcut": "action",
    "message_action": "action",
    "view_submission": "view",
    "view_closed": "view",
    "block_suggestion": "options",
    "dialog_suggestion": "options",
}


def request_kind(description: str) -> str:
    """The kind label of a request from its log description (`describe_request`):
    "event message" -> event, "interaction view_submission" -> view, ..."""
    first, _, rest = description.partition(" ")
    if first in ("event", "command"):
        return first
    if first == "interaction":
        return _INTERACTIONS.get(rest, "other")
    return "other"


def status_outcome(status: int) -> str:
    """The outcome label of an HTTP answer: its class ("2xx", "4xx", ...), "error" if none."""
    return f"{status // 100}xx" if 100 <= status < 600 else "error"


def count_request(kind: str, status: int, seconds: float) -> None:
    try:
        SLACK_REQUESTS.labels(kind=kind, outcome=status_outcome(status)).inc()
        ACK_SECONDS.labels(kind=kind).observe(seconds)
    except Exception:  # metrics never break a request
        log.debug("metrics: request not counted", exc_info=True)


def count_comment() -> None:
    try:
        COMMENTS_CAPTURED.inc()
    except Exception:
        log.debug("metrics: comment not counted", exc_info=True)


def count_deliveries(kind: str, outcome: str, n: int = 1) -> None:
    try:
        if n > 0:
            DELIVERIES.labels(kind=kind, outcome=outcome).inc(n)
    except Exception:
        log.debug("metrics: delivery not counted", exc_info=True)


def count_web_api_error(method: str, error: str) -> None:
    try:
        WEB_API_ERRORS.labels(method=method, error=error).inc()
    except Exception:
        log.debug("metrics: Web API error not counted", exc_info=True)


def count_rate_limited(method: str) -> None:
    try:
        WEB_API_RATE_LIMITED.labels(method=method).inc()
    except Exception:
        log.debug("metrics: 429 not counted", exc_info=True)


def count_clock_job_error(job: str) -> None:
    try:
        CLOCK_JOB_ERRORS.labels(job=job).inc()
    except Exception:
        log.debug("metrics: clock job error not counted", exc_info=True)


def observe_clock_lag(seconds: float) -> None:
    try:
        CLOCK_LAG.set(max(0.0, seconds))
    except Exception:
        log.debug("metrics: clock lag not set", exc_info=True)


def render_metrics() -> tuple[bytes, str]:
    """The exposition text and its content type: summed over every process's files in
    multiprocess mode (a fresh registry per scrape, as prometheus_client requires), else
    this process's default registry."""
    path = os.environ.get(MULTIPROC_ENV)
    if path:
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry, path=path)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
