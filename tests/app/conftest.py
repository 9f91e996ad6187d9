"""Fixtures shared by the app tests that race requests through several processes."""

import os
import signal
from collections.abc import Iterator

import pytest

from bot.demo.standin import SlackSender
from tests.cli.test_processes import free_port, procfile_command, start, wait_until_healthy
from tests.conftest import SIGNING_SECRET, Bot, Meeting

WORKERS = 3


@pytest.fixture
def workers(bot: Bot, meeting: Meeting, database_url: str) -> Iterator[SlackSender]:
    """The Procfile's web line with three gunicorn workers on the test's PostgreSQL schema, and
    a sender signing requests to it (its ts from the stand-in, so replies follow their roots)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several web workers share one database in production: PostgreSQL")
    port = free_port()
    process = start(procfile_command("web"), bot, port, workers=WORKERS)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield SlackSender(url + "/slack/events", SIGNING_SECRET, ts_source=bot.standin.next_ts)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
