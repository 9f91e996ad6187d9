"""The deployment's process types, started as a platform starts them, serve real Slack traffic."""

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core.db import session_scope
from bot.demo.standin import SlackSender
from models import Comment
from tests.conftest import SIGNING_SECRET, Bot, Meeting

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def procfile_command(kind: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == kind:
            return command.strip()
    raise AssertionError(f"Procfile has no {kind}: line")


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], limit: float = 30.0) -> None:
    """Poll until the process serves /healthz: start-up time, not a deadline being waited out."""
    give_up = time.monotonic() + limit
    while time.monotonic() < give_up:
        if process.poll() is not None:
            raise AssertionError(f"process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("process did not become healthy")


def start(command: str, bot: Bot, port: int, *, workers: int = 2) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        "PORT": str(port),
        "SLACK_BOT_TOKEN": bot.standin.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": bot.standin.api_url,
        "DATABASE_URL": bot.settings.database_url,
        "WEB_CONCURRENCY": str(workers),
    }
    env.pop("SLACK_APP_TOKEN", None)
    return subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def served(request: pytest.FixtureRequest, bot: Bot, meeting: Meeting) -> Iterator[str]:
    port = free_port()
    process = start(request.param, bot, port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@pytest.mark.parametrize(
    "served",
    [procfile_command("web"), f"{shlex.quote(sys.executable)} -m bot run"],
    ids=["procfile-web-gunicorn", "run-single-process"],
    indirect=True,
)
def test_process_records_a_signed_reply_and_sends_the_receipt(
    served: str, bot: Bot, meeting: Meeting
):
    sender = SlackSender(served + "/slack/events", SIGNING_SECRET, ts_source=bot.standin.next_ts)
    delivery = sender.reply(
        channel=meeting.channel,
        user="U0AU00001",
        text="Via the process.",
        thread_ts=meeting.roots[3],
    )
    assert delivery.status == 200
    with session_scope(bot.database.engine) as session:
        [comment] = session.exec(select(Comment))
    assert comment.text == "Via the process."
    [receipt] = bot.standin.wait_for("reactions.add", timeout=10)
    assert receipt.params["timestamp"] == delivery.ts


def run_cli(
    *args: str, database_url: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-not-used",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        **(env_extra or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT / "tests",  # no .env there
    )


def test_migrate_brings_an_empty_database_to_head_once(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    first = run_cli("migrate", database_url=url)
    assert first.returncode == 0 and "migrated from empty to revision" in first.stdout
    again = run_cli("migrate", database_url=url)
    assert again.returncode == 0 and "nothing to do" in again.stdout


@pytest.mark.parametrize("kind", ["clock", "web"])
def test_web_and_clock_refuse_a_database_that_is_behind(kind: str, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    result = run_cli(kind, database_url=url, env_extra={"PORT": str(free_port())})
    assert result.returncode == 2
    assert "python -m bot migrate" in result.stderr and "Traceback" not in result.stderr


def test_procfile_release_web_and_clock_lines():
    assert procfile_command("release") == "python -m bot migrate"
    assert "gunicorn" in procfile_command("web") and "--threads" in procfile_command("web")
    assert "--max-requests" not in procfile_command("web")  # no recycling mid-write
    assert procfile_command("clock") == "python -m bot clock"


def _metric(text: str, name: str, labels: str) -> float:
    for line in text.splitlines():
        if line.startswith((f"{name}{{", f"{name} ")) and labels in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_of_the_procfile_web_process_sum_every_worker(bot: Bot, meeting: Meeting):
    """gunicorn.conf.py gives the workers one multiprocess directory: whichever worker answers
    GET /metrics counts the requests every worker served.  (How the kernel spreads the
    connections is its own affair; the sign that the scrape is the workers' sum and not one
    worker's registry is that it holds no per-process collector, such as `python_info`.)"""
    port = free_port()
    process = start(procfile_command("web"), bot, port, workers=3)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        sender = SlackSender(url + "/slack/events", SIGNING_SECRET, ts_source=bot.standin.next_ts)
        replies = 12  # spread over the three workers by the kernel's accept queue
        for number in range(replies):
            delivery = sender.reply(
                channel=meeting.channel,
                user="U0AU00001",
                text=f"Reply {number}.",
                thread_ts=meeting.roots[3],
            )
            assert delivery.status == 200
        scrapes = []
        for _ in range(3):  # each scrape may be answered by another worker: all agree
            with urllib.request.urlopen(url + "/metrics", timeout=5) as response:
                scrapes.append(response.read().decode())
        for text in scrapes:
            assert "python_info" not in text  # multiprocess mode: the workers' files, summed
            assert _metric(text, "docket_comments_captured_total", "") == replies
            assert _metric(text, "docket_slack_requests_total", 'kind="event"') == replies
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
