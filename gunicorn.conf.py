"""Gunicorn's settings for Docket's `web` process (gunicorn reads ./gunicorn.conf.py by itself).

Metrics across workers: prometheus_client's multiprocess mode needs PROMETHEUS_MULTIPROC_DIR
set before a worker imports it, and each dead worker's live gauges marked.  When the operator
has not chosen a directory, the master makes a fresh empty one at start, so `GET /metrics`
sums every worker out of the box; a directory shared with the `clock` process (set it for both)
adds the clock's deliveries and lag.  The command-line flags of the Procfile still win.
"""

import os
import tempfile
from typing import Any

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def on_starting(server: Any) -> None:
    """In the master, before any worker forks (and so before any imports prometheus_client)."""
    if not os.environ.get(MULTIPROC_ENV):
        os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="docket-metrics-")


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended: its gauges no longer count (its counters do, as Prometheus expects)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
