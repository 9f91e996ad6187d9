"""CPU per captured reply, in one process, for Docket and the apps it is measured against.

    .venv/bin/python -m bench.capture_profile                       # SQLite, 2,000 replies each
    .venv/bin/python -m bench.capture_profile --database postgresql --profile docket

Each app is built as gunicorn builds it (its factory, with the environment pointing at a Slack
stand-in in this process) and called as a WSGI app from one thread, request after request, with
the signed Events API replies `bench.capture_bench` sends.  What is counted is the process's CPU
time (every thread: the request, the receipts sent after it, the stand-in answering them) from
the first request to the last receipt, divided by the replies.  No sockets between the sender
and the app and no gunicorn, so it is steadier than the HTTP benchmark on a busy machine and
points at the app's own cost; `--profile NAME` adds cProfile's top functions for one app.
Results go to stdout; the apps' log lines to stderr (`2>/dev/null` to drop them).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench import capture_bench as cb

APPS = {
    "receipt-in-request": "bench.bare_bolt_app:receipt_in_request",
    "plain": "bench.plain_bot:create_app",
    "docket": "bot.app:create_app",
}


def _factory(spec: str) -> Callable[[], Any]:
    module, _, name = spec.partition(":")
    return getattr(__import__(module, fromlist=[name]), name)  # type: ignore[no-any-return]


def _environ(body: bytes) -> dict[str, Any]:
    headers = cb.signed_headers(body)
    return {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_TYPE": headers["Content-Type"],
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers["X-Slack-Request-Timestamp"],
        "HTTP_X_SLACK_SIGNATURE": headers["X-Slack-Signature"],
        "HTTP_USER_AGENT": headers["User-Agent"],
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def run(
    app: Any,
    standin: Any,
    *,
    replies: int,
    first: int,
    roots: tuple[str, ...],
    channel: str,
    profile: cProfile.Profile | None,
) -> tuple[float, float]:
    """CPU ms per reply, from the first request to the last receipt: the whole process's, and
    the request thread's until the answer is written (receipts go out on other threads, or,
    Docket's, on the request thread once the response is closed, as a WSGI server does)."""
    bodies = [cb.comment_body(i, "EvPROF", roots, channel) for i in range(first, first + replies)]
    standin.clear_calls()
    statuses: list[str] = []

    def start_response(status: str, _headers: Iterable[Any], _exc: Any = None) -> None:
        statuses.append(status)

    cpu = time.process_time()
    if profile:
        profile.enable()
    request_cpu = 0.0
    for body in bodies:
        started = time.thread_time()
        response = app(_environ(body), start_response)
        for _ in response:
            pass
        request_cpu += time.thread_time() - started
        if hasattr(response, "close"):
            response.close()  # PEP 3333: the server closes what it has written
    while len(standin.calls_to("reactions.add")) < replies:
        time.sleep(0.001)
    if profile:
        profile.disable()
    cpu = time.process_time() - cpu
    bad = [s for s in statuses if not s.startswith("200")]
    if bad:
        raise SystemExit(f"error: {len(bad)} requests answered {bad[0]}")
    return 1000 * cpu / replies, 1000 * request_cpu / replies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url", default=os.environ.get(cb.POSTGRES_ENV) or cb.DEFAULT_POSTGRES
    )
    parser.add_argument("--profile", choices=sorted(APPS), default=None)
    parser.add_argument("--apps", nargs="+", choices=sorted(APPS), default=list(APPS))
    args = parser.parse_args(argv)
    from bot.demo.standin import SlackStandIn

    standin = SlackStandIn(clock=cb.IN_SESSION.timestamp)
    standin.add_user("U0AUJANE1", email="jane.doe@customs.example", real_name="Jane Doe")
    standin.add_bot_to(cb.CHANNEL)
    standin.start()
    drops: list[Callable[[], None]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="docket-profile-") as tmp:
            results = {}
            for name in args.apps:
                folder = Path(tmp) / name
                folder.mkdir()
                if name == "docket":
                    ready = cb.prepare_database(
                        args.database, args.postgres_url, folder, standin.api_url, standin.token
                    )
                    channel = cb.CHANNEL
                elif name == "plain":
                    ready = cb.prepare_plain(args.database, args.postgres_url, folder)
                    channel = "C0PROFPLAIN"
                else:
                    ready = None
                    channel = "C0PROFFLOOR"
                if ready is not None:
                    drops.append(ready.drop)
                os.environ.update(
                    DATABASE_URL=ready.url if ready else "sqlite:///:memory:",
                    SLACK_BOT_TOKEN=standin.token,
                    SLACK_SIGNING_SECRET=cb.SIGNING_SECRET,
                    SLACK_API_URL=standin.api_url,
                )
                app = _factory(APPS[name])()
                roots = ready.roots if ready else cb.FLOOR_ROOTS
                run(app, standin, replies=50, first=0, roots=roots, channel=channel, profile=None)
                profile = cProfile.Profile(time.thread_time) if args.profile == name else None
                ms, request_ms = run(
                    app,
                    standin,
                    replies=args.replies,
                    first=50,
                    roots=roots,
                    channel=channel,
                    profile=profile,
                )
                results[name] = ms
                print(
                    f"{name:20s} {ms:6.3f} ms CPU per reply ({args.database}), "
                    f"{request_ms:6.3f} ms of it in the request thread",
                    flush=True,
                )
                if profile:
                    out = io.StringIO()
                    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
                    stats.print_stats(45)
                    print(out.getvalue())
                    out = io.StringIO()
                    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
                    print(out.getvalue())
            if "docket" in results:
                for name, ms in results.items():
                    if name != "docket":
                        print(f"docket / {name}: {results['docket'] / ms:.2f}x the CPU per reply")
    finally:
        standin.stop()
        for drop in drops:
            drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
