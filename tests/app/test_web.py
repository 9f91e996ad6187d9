"""The HTTP face and failure handling: health, unknown paths, and errors that lose nothing."""

import csv
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from bot.core.db import session_scope
from models import Comment, Decision
from tests.conftest import Bot, Meeting


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_healthz_answers_200_when_the_database_is_reachable(bot: Bot):
    assert get(bot.server.url + "/healthz") == (200, "ok\n")


def test_healthz_answers_503_when_the_database_is_not(bot: Bot, tmp_path: Path):
    from bot.core.db import make_engine

    # A database file in a folder that does not exist cannot be opened.
    bot.database.engine = make_engine(f"sqlite:///{tmp_path / 'gone' / 'x.db'}")
    status, body = get(bot.server.url + "/healthz")
    assert status == 503 and "database" in body


def test_other_paths_answer_404(bot: Bot):
    assert get(bot.server.url + "/")[0] == 404
    assert get(bot.server.url + "/slack/events")[0] == 404  # Slack only POSTs


def test_failed_write_answers_500_and_slacks_retry_records_the_reply(bot: Bot, meeting: Meeting):
    with session_scope(bot.database.engine) as session:
        session.execute(text("ALTER TABLE comment RENAME TO comment_away"))
    first = bot.sender.reply(
        channel=meeting.channel, user="U0AU00001", text="Kept.", thread_ts=meeting.roots[3]
    )
    assert first.status == 500  # so Slack redelivers instead of dropping the reply
    with session_scope(bot.database.engine) as session:
        session.execute(text("ALTER TABLE comment_away RENAME TO comment"))
    retry = bot.sender.redeliver(first, retry_num=1, retry_reason="http_error")
    assert retry.status == 200
    with session_scope(bot.database.engine) as session:
        [comment] = session.exec(select(Comment))
    assert comment.text == "Kept." and comment.ts == first.ts


def test_internal_error_in_a_command_answers_privately_and_writes_nothing(
    bot: Bot, meeting: Meeting
):
    with session_scope(bot.database.engine) as session:
        session.execute(text("ALTER TABLE decision RENAME TO decision_away"))
    delivery = bot.sender.command(
        command="/approve", text="3 Approved.", user="U0CHAIR01", channel=meeting.channel
    )
    assert delivery.status == 200
    answer = delivery.json()
    assert answer["response_type"] == "ephemeral" and "Nothing was recorded" in answer["text"]
    assert "Traceback" not in delivery.body
    with session_scope(bot.database.engine) as session:
        session.execute(text("ALTER TABLE decision_away RENAME TO decision"))
        assert list(session.exec(select(Decision))) == []
    bot.settle()
    assert bot.standin.calls_to("chat.postMessage") == []


def test_demo_runs_offline_and_prints_its_summary(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # 139 on the roster, and the delegate who asks to join from Slack and is approved.
    assert "140 registered" in out and "32/32 members" in out and "7/7 observers" in out
    # 390 replies, 2 final concerns, and the new delegate's reply kept aside then attached and
    # their reply once enrolled.
    assert "388 formal" in out and "6 withdrawn" in out
    assert "languages: 121 read en, 19 read fr (6 of them by their Slack locale)" in out
    assert "request to join: Mamadou Ndiaye (Senegal, not on the roster) asked to join" in out
    assert "1 reply kept aside attached as a formal comment" in out
    assert "importing it back changes nothing (0 problems)" in out
    assert "awaiting the chair: 11" in out and "CHECK FAILED" not in out
    assert "PC0601E1/Rev.1 on item 3" in out and "2 final concerns in the window" in out
    with (tmp_path / "out" / "ptc-2020-record.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 394  # every reply once, withdrawn ones included
    assert sum(r["status"] == "withdrawn" for r in rows) == 6
    assert len({r["comment_id"] for r in rows}) == 394
    assert sum(r["delegation"] == "Senegal" and r["author"] == "Mamadou Ndiaye" for r in rows) == 2
    assert sum(r["phase"] == "final_concerns" for r in rows) == 2
    # The record in every format, and the charts, in the folder it names.
    for stem in ("ptc-2020-record", "ptc-2020-record-fr"):  # in English and in French
        for name in ("md", "html", "xlsx", "comments-per-week.png", "comments-per-item.png"):
            suffix = name if "." in name else f".{name}"
            path = tmp_path / "out" / f"{stem}{'-' if '.' in name else ''}{suffix}"
            assert path.is_file() and path.stat().st_size > 0, path
    french = (tmp_path / "out" / "ptc-2020-record-fr.md").read_text(encoding="utf-8")
    assert french.startswith("# Compte rendu analytique : Comité technique permanent")
    assert "silence procedures: item 7 broken, item 8 adopted" in out
    assert "9 items closed at their deadlines" in out
    # The Slack-native round: shortcut and modal, the Home, /agenda; kinds reach the CSV.
    assert "116 comments classified with the message shortcut (24 by the secretariat" in out
    assert "App Home published for 5 people" in out and "/agenda answered 2 times" in out
    kinds = [r["kind"] for r in rows if r["kind"]]
    assert len(kinds) == 116 and set(kinds) <= {"general", "drafting", "support", "reservation"}
    # The mini-group drafting new rules of procedure: its channel, members and messages.
    assert "drafting group “Rules of Procedure drafting group” on item 11" in out
    assert "5 members invited, 6 messages recorded under the group" in out
    markdown = (tmp_path / "out" / "ptc-2020-record.md").read_text(encoding="utf-8")
    assert "## Drafting groups" in markdown and "Draft Rule 14bis" in markdown
