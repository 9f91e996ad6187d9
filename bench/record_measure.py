"""One operation on the generated meeting, timed and measured in a process of its own.

    DOCKET_BENCH_URL=... python -m bench.record_measure OP MEETING_ID NOW RUNS DIR [--traced]

Prints one JSON object: the seconds of each run, the peak memory, the SQL statements sent.  The
bot's modules are imported before the memory baseline is taken, so the peak is the operation's.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
import tracemalloc
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event

from bench.record_bench import NEEDS_RECORD, OPS, TEAM_URL, TRANSACTION_CONTROL, URL_ENV
from bot.clock.digest import send_digest
from bot.core.db import make_engine, session_scope
from bot.domain.digest import build_digest
from bot.domain.record_rows import comment_rows
from bot.domain.summary import SummaryRecord, build_summary
from bot.record.charts import render_charts
from bot.record.csv import write_csv
from bot.record.html import write_html
from bot.record.markdown import write_markdown
from bot.record.xlsx import write_xlsx
from bot.slack.api import Outbound
from bot.views.digest import digest_message
from bot.views.messages import SlackMessage
from handlers.home import refresh_home_calls
from models import Meeting

# The 2020 session's chair and first secretariat member (examples/ptc-2020.yaml): the workload
# multiplies the delegations, not them.
CHAIR = "U0CHAIR01"
SECRETARIAT = "U0SEC0001"


class QueryCounter:
    """The SQL statements an engine sends while `counting()` is open, transaction control apart:
    how many, and the first few (kept cheap: it runs inside the timed section)."""

    SAMPLE = 20

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.sample: list[str] = []
        self.active = False
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Connection, _cursor: Any, statement: str, *_rest: Any) -> None:
        if self.active and not statement.lstrip()[:9].upper().startswith(TRANSACTION_CONTROL):
            self.count += 1
            if len(self.sample) < self.SAMPLE:
                self.sample.append(statement)

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.count, self.sample, self.active = 0, [], True
        try:
            yield
        finally:
            self.active = False


class GcTimer:
    """Time spent in the cyclic garbage collector (all generations) while `timing()` is open."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0
        self._active = False
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, _info: dict[str, Any]) -> None:
        if not self._active:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections += 1

    @contextmanager
    def timing(self) -> Iterator[None]:
        self.seconds, self.collections, self._active = 0.0, 0, True
        try:
            yield
        finally:
            self._active = False


class StandInSlack(Outbound):
    """Takes the digest and says it was sent; nothing leaves the process."""

    def __init__(self) -> None:  # no WebClient, no pacing
        self.sent_bytes = 0

    def team_url(self) -> str | None:
        return TEAM_URL

    def post(self, channel: str, message: SlackMessage, *, thread_ts: str | None = None) -> str:
        self.sent_bytes += len(json.dumps({"text": message.text, "blocks": message.blocks}))
        return "1596000000.000100"


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _reset_peak() -> bool:
    """Linux: bring the high-water mark down to the resident size now, so the baseline does not
    carry the imports' passing peaks.  False where the kernel does not allow it."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def measure(
    op: str, url: str, meeting_id: int, now: datetime, repeat: int, work: Path, traced: bool
) -> dict[str, Any]:
    """Run `op` `repeat` times (then once more under tracemalloc if asked) in this process."""
    if op not in OPS:
        raise SystemExit(f"unknown operation {op!r}; choose from {', '.join(OPS)}")
    engine = make_engine(url)
    with engine.connect() as conn:  # connect and warm the dialect before the baseline
        conn.exec_driver_sql("SELECT 1")
    gc.collect()
    reset = _reset_peak()
    baseline = _maxrss_mib()
    counter = QueryCounter(engine)
    collector = GcTimer()
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"record-{op}.out"
    with session_scope(engine) as session:  # what build_digest is handed, as send_digest does
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
    record: SummaryRecord | None = None
    if op in NEEDS_RECORD:
        with session_scope(engine) as session:
            record = build_summary(session, meeting_id=meeting_id, now=now)
    input_mib = _maxrss_mib() - baseline
    last: dict[str, Any] = {}

    def run(attempt: int) -> int:
        """One run of the operation; the bytes it wrote or sent."""
        if op == "summary":
            with session_scope(engine) as session:
                last["summary"] = build_summary(session, meeting_id=meeting_id, now=now)
            return 0
        if op == "csv":
            with session_scope(engine) as session:
                rows = comment_rows(session, meeting_id=meeting_id)
            write_csv(rows, path)
            return path.stat().st_size
        if op == "digest":
            with session_scope(engine) as session:
                last["digest"] = build_digest(
                    session, meeting=meeting, recipient=SECRETARIAT, now=now, team_url=TEAM_URL
                )
            return 0
        if op == "digest-send":
            slack = StandInSlack()
            # A recipient no earlier run has reported to, in this process or an earlier one on
            # the same database, so every comment is new each time.
            send_digest(
                engine,
                slack,
                meeting_id=meeting_id,
                recipient=f"U0BENCH{uuid.uuid4().hex[:8].upper()}{attempt:03d}",
                now=now,
                forced=True,
            )
            return slack.sent_bytes
        if op == "home":
            return _build_homes(engine, now, last)
        assert record is not None
        if op == "markdown":
            write_markdown(record, path)
        elif op == "html":
            write_html(record, path, render_charts(record))
        else:
            write_xlsx(record, path)
        return path.stat().st_size

    seconds: list[float] = []
    queries: list[int] = []
    cpu_seconds: list[float] = []  # this process's CPU time: what other load cannot inflate much
    gc_seconds: list[float] = []
    statements: list[str] = []
    written = 0
    for attempt in range(repeat):
        last.clear()
        gc.collect()
        with counter.counting(), collector.timing():
            started, cpu_started = time.perf_counter(), time.process_time()
            written = run(attempt)
            seconds.append(time.perf_counter() - started)
            cpu_seconds.append(time.process_time() - cpu_started)
        queries.append(counter.count)
        gc_seconds.append(collector.seconds)
        statements = [" ".join(statement.split()) for statement in counter.sample]
    peak_mib = _maxrss_mib() - baseline

    result: dict[str, Any] = {
        "op": op,
        "seconds": seconds,
        "best": min(seconds),
        "cpu_seconds": cpu_seconds,
        "gc_seconds": gc_seconds,  # of each run's seconds, spent in the garbage collector
        "peak_mib": peak_mib,
        "input_mib": input_mib,
        "baseline_mib": baseline,
        "peak_reset": reset,
        "traced_mib": None,
        "queries": queries,
        "statements": statements,
        "output_bytes": written,
    }
    if "summary" in last:
        result["figures"] = _figures(last["summary"])
    if "home_blocks" in last:  # of the last run: the chair's Home, the secretariat member's
        result["home_blocks"] = last["home_blocks"]
        result["home_cpu_seconds"] = last["home_cpu"]
    if "digest" in last:
        digest = last["digest"]
        result["new_comments"] = sum(item.totals.count for item in digest.items)
        message = digest_message(digest)
        result["message_bytes"] = len(json.dumps({"text": message.text, "blocks": message.blocks}))
    if traced:
        last.clear()
        gc.collect()
        tracemalloc.start()
        started = time.perf_counter()
        run(repeat)
        result["traced_seconds"] = time.perf_counter() - started
        result["traced_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    engine.dispose()
    return result


def _build_homes(engine: Engine, now: datetime, last: dict[str, Any]) -> int:
    """The chair's Home, then a secretariat member's, each built as opening it builds it (the
    values, then the view in the viewer's language) in a session of its own; the size of the
    two views.  The views.publish call is not made.  Each Home's CPU time and block count go
    in `last`: the budget is per Home."""
    size = 0
    for user in (CHAIR, SECRETARIAT):
        started = time.process_time()
        with session_scope(engine, read_only=True) as session:
            [call] = refresh_home_calls(session, user_ids=[user], now=now, team_url=TEAM_URL)
        last.setdefault("home_cpu", []).append(time.process_time() - started)
        view = call.args["view"]
        last.setdefault("home_blocks", []).append(len(view["blocks"]))
        size += len(json.dumps(view))
    return size


def _figures(record: SummaryRecord) -> dict[str, Any]:
    f = record.figures
    return {
        "registered": f.registered,
        "took_part": f.took_part,
        "comments": f.comments,
        "withdrawn": f.withdrawn,
        "edited": f.edited,
        "late": f.late,
        "kept_aside": f.kept_aside,
        "by_kind": f.by_kind,
        "weeks": sorted(f.by_week),
        "members_taking_part": len(f.members_taking_part),
        "observers_taking_part": len(f.observers_taking_part),
        "decided_items": sum(item.decision is not None for item in record.items),
        "by_silence": sum(
            item.decision is not None and item.decision.procedure == "silence"
            for item in record.items
        ),
    }


def main(argv: Sequence[str]) -> int:
    args = [a for a in argv if a != "--traced"]
    if len(args) != 5:
        print(
            "usage: DOCKET_BENCH_URL=... python -m bench.record_measure OP MEETING_ID NOW RUNS "
            "DIR [--traced]",
            file=sys.stderr,
        )
        return 2
    op, meeting_id, now, runs, work = args
    result = measure(
        op,
        os.environ[URL_ENV],
        int(meeting_id),
        datetime.fromisoformat(now),
        int(runs),
        Path(work),
        "--traced" in argv,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
