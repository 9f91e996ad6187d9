"""The summary record: known meetings in, exact figures out."""

import csv
import zipfile
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from bot.cli import main
from bot.clock.scheduler import run_due
from bot.core.clock import datetime_to_ts
from bot.core.db import session_scope
from bot.domain.summary import SummaryRecord, build_summary
from bot.slack.api import ChannelPacer, Outbound, make_client
from models import Meeting
from tests.conftest import IN_SESSION, Bot
from tests.conftest import Meeting as Posted


def summary(bot: Bot, now: datetime = IN_SESSION) -> SummaryRecord:
    with session_scope(bot.database.engine) as session:
        meeting = session.exec(select(Meeting)).one()
        return build_summary(session, meeting_id=meeting.id or 0, now=now)


def say(bot: Bot, posted: Posted, user: str, text: str, item: int, at: datetime) -> str:
    delivery = bot.sender.reply(
        channel=posted.channel,
        user=user,
        text=text,
        thread_ts=posted.roots[item],
        ts=datetime_to_ts(at),
    )
    assert delivery.status == 200 and delivery.ts
    return delivery.ts


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def session_with_comments(bot: Bot, meeting: Posted) -> Bot:
    """Item 3 (closes 17 July) and item 4 (31 July); first opening 3 July, a Friday."""
    week1 = datetime(2020, 7, 6, 10, 0, tzinfo=UTC)  # Monday of meeting week 1
    week2 = datetime(2020, 7, 13, 10, 0, tzinfo=UTC)
    week3 = datetime(2020, 7, 20, 10, 0, tzinfo=UTC)
    edited = say(bot, meeting, "U0AU00001", "Australia: draft", 3, week1)
    bot.sender.edit(
        channel=meeting.channel,
        user="U0AU00001",
        ts=edited,
        thread_ts=meeting.roots[3],
        text="Australia: final",
        previous_text="Australia: draft",
    )
    # Every Slack message has its own ts: minutes apart within a week.
    say(bot, meeting, "U0AUJANE1", "Australia again", 3, week2)
    gone = say(bot, meeting, "U0CI00001", "Côte d'Ivoire, withdrawn", 3, week2 + minutes(1))
    bot.sender.delete(
        channel=meeting.channel,
        ts=gone,
        thread_ts=meeting.roots[3],
        user="U0CI00001",
        previous_text="Côte d'Ivoire, withdrawn",
    )
    say(bot, meeting, "U0UPU0001", "UPU view", 4, week2 + minutes(2))
    say(bot, meeting, "U0CHAIR01", "Chair: thanks", 4, week3)
    say(bot, meeting, "U0SEC0001", "Secretariat: late note", 3, week3 + minutes(1))  # late
    say(bot, meeting, "U0STRANGER", "not on the roster", 4, week3 + minutes(2))
    bot.clock.now = datetime(2020, 7, 20, 12, 0, tzinfo=UTC)
    for text in ("3 First", "3 Second", "4 silence 2020-07-24T17:00"):
        bot.sender.command(command="/approve", text=text, user="U0CHAIR01", channel=meeting.channel)
    bot.settle()
    out = Outbound(make_client(bot.settings), ChannelPacer(0))
    run_due(bot.database.engine, out, now=datetime(2020, 7, 24, 15, 1, tzinfo=UTC))
    return bot


def test_figures_count_by_kind_item_and_week_with_withdrawn_apart(session_with_comments: Bot):
    record = summary(session_with_comments, now=datetime(2020, 8, 1, tzinfo=UTC))
    f = record.figures
    assert f.by_kind == {"member": 2, "observer": 1, "chair": 1, "secretariat": 1}
    assert f.comments == 5 and f.withdrawn == 1 and f.edited == 1 and f.late == 1
    assert f.by_item == {
        3: {"member": 2, "observer": 0, "chair": 0, "secretariat": 1},
        4: {"member": 0, "observer": 1, "chair": 1, "secretariat": 0},
        5: {"member": 0, "observer": 0, "chair": 0, "secretariat": 0},
    }
    assert {w: sum(c.values()) for w, c in f.by_week.items()} == {1: 1, 2: 2, 3: 2}
    assert f.registered == 7 and f.took_part == 5  # Jane counts; the withdrawn author does not
    assert f.members_taking_part == ["Australia"] and f.observers_taking_part == [
        "Universal Postal Union"
    ]
    assert f.kept_aside == 1
    assert record.week_starts[1].date().isoformat() == "2020-07-03"


def test_decisions_with_procedure_and_superseded_history(session_with_comments: Bot):
    record = summary(session_with_comments)
    items = {i.number: i for i in record.items}
    three, four = items[3], items[4]
    assert three.decision is not None and three.decision.text == "Second"
    assert [d.superseded for d in three.history] == [True, False]
    assert four.decision is not None and four.decision.procedure == "silence"
    assert items[5].decision is None and items[5].comments == []
    withdrawn = [c for c in three.comments if c.status == "withdrawn"]
    assert [c.text for c in withdrawn] == ["Côte d'Ivoire, withdrawn"]  # kept where it stands
    groups = [c.delegation for c in three.comments]
    assert groups == ["Australia", "Australia", "Côte d'Ivoire", "Secretariat"]  # roster order


def test_empty_meeting_gives_a_sensible_record(bot: Bot, meeting: Posted, tmp_path: Path):
    from bot.record.charts import render_charts
    from bot.record.export import write_all

    record = summary(bot)
    assert record.figures.comments == 0 and record.figures.by_week == {}
    assert all(i.decision is None for i in record.items)
    paths = write_all(record, tmp_path, "empty")
    assert (
        "No comments" in paths["html"].read_text(encoding="utf-8")
        or "no comments" in paths["html"].read_text(encoding="utf-8").lower()
    )
    assert all(png.startswith(b"\x89PNG") for png in render_charts(record).values())


def test_export_writes_every_format_from_the_command_line(
    session_with_comments: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", session_with_comments.settings.database_url)
    for fmt in ("csv", "md", "html", "xlsx"):
        assert main(["export", "--format", fmt, "--out", str(tmp_path / f"record.{fmt}")]) == 0
    with (tmp_path / "record.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and sum(r["status"] == "withdrawn" for r in rows) == 1
    html = unescape((tmp_path / "record.html").read_text(encoding="utf-8"))
    assert "data:image/png;base64," in html and "Côte d'Ivoire, withdrawn" in html
    assert "adopted by silence procedure" in html
    book = openpyxl.load_workbook(tmp_path / "record.xlsx")
    assert {"Comments", "Figures"} <= set(book.sheetnames)
    assert book["Comments"].max_row == 1 + 6
    assert zipfile.is_zipfile(tmp_path / "record.xlsx")
    assert "## " in (tmp_path / "record.md").read_text(encoding="utf-8")


def test_the_record_names_people_and_shows_their_mentions_and_links_as_text(
    bot: Bot, meeting: Posted, tmp_path: Path
):
    from bot.domain.meetings import update_names
    from bot.record.export import write_all

    with session_scope(bot.database.engine) as session:
        meeting_id = session.exec(select(Meeting)).one().id or 0
        names = {"U0AU00001": "Alex Adler", "U0SEC0001": "Sam Banda", "U0CHAIR01": "Ravi Kaur"}
        update_names(
            session, meeting_id=meeting_id, profiles=names, channel_name="ptc-test", now=IN_SESSION
        )
    text = (
        "<@U0SEC0001> see <https://example.org/a.pdf|the annex> in <#C0TEST0001|ptc-test> R&amp;D"
    )
    say(bot, meeting, "U0AU00001", text, 3, IN_SESSION + minutes(5))
    record = summary(bot)
    [comment] = record.items[0].comments
    assert comment.author == "Alex Adler" and comment.user == "U0AU00001"
    readable = "@Sam Banda see the annex (https://example.org/a.pdf) in #ptc-test R&D"
    assert comment.text == readable
    written = write_all(record, tmp_path, "record")
    for fmt in ("md", "html"):
        page = unescape(written[fmt].read_text(encoding="utf-8"))
        assert "Alex Adler" in page and "Ravi Kaur" in page and "#ptc-test" in page
        assert "<@U" not in page and "U0AU00001" not in page and "U0SEC0001" not in page
