"""`python -m bot load|post|export`, run as a real subprocess against the Slack stand-in.

Each command runs in tmp_path (so no stray .env is read) with its settings in the environment;
the database is the test's own SQLite file, read back with SQLModel to see what was written.
"""

import csv
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from bot.core.clock import datetime_to_ts, ts_to_datetime
from bot.core.config import Settings
from bot.core.db import create_schema, make_engine
from bot.demo.standin import SlackStandIn
from models import (
    AgendaItem,
    AuditEntry,
    Comment,
    Delegation,
    Document,
    Meeting,
    Participant,
    StrayReply,
)
from tests.conftest import DATA, Bot
from tests.conftest import Meeting as PostedMeeting

SMALL = (DATA / "small.yaml").read_text(encoding="utf-8")
CHANNEL = "C0TEST0001"
CSV_HEADER = (
    "item,comment_id,delegation,delegation_kind,user,role,posted_at,status,late,text,revisions"
    ",kind"  # after the contract's columns: the comment's classification
    ",phase"  # then whether it is a comment or a final concern on a revised document
    ",author"  # then the person's name (their user id when no name is known)
)


@dataclass
class Cli:
    """Runs `python -m bot ...` the way an operator would, in a directory without a .env."""

    cwd: Path
    env: dict[str, str]
    database_url: str

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def write(self, name: str, text: str) -> Path:
        path = self.cwd / name
        path.write_text(text, encoding="utf-8")
        return path

    def query(self, read: Callable[[Session], Any]) -> Any:
        engine = make_engine(self.database_url)
        create_schema(engine)  # a command that failed early may not have created the file
        try:
            with Session(engine) as session:
                return read(session)
        finally:
            engine.dispose()

    def count(self, model: type[SQLModel]) -> int:
        return int(self.query(lambda s: s.exec(select(func.count()).select_from(model)).one()))

    def counts(self) -> dict[str, int]:
        tables = (
            Meeting,
            Delegation,
            Participant,
            AgendaItem,
            Document,
            Comment,
            StrayReply,
            AuditEntry,
        )
        return {model.__name__: self.count(model) for model in tables}


@pytest.fixture
def cli(standin: SlackStandIn, settings: Settings, tmp_path: Path) -> Iterator[Cli]:
    env = {k: v for k, v in os.environ.items() if k not in ("SLACK_APP_TOKEN", "PORT")}
    env.update(
        SLACK_BOT_TOKEN=standin.token,
        SLACK_API_URL=standin.api_url,
        DATABASE_URL=settings.database_url,
        SLACK_SIGNING_SECRET="anything",
    )
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    yield Cli(cwd=workdir, env=env, database_url=settings.database_url)


def variant(old: str, new: str, text: str = SMALL) -> str:
    assert old in text, f"anchor {old!r} not in the base file"
    return text.replace(old, new, 1)


def load_small(cli: Cli) -> None:
    result = cli("load", str(DATA / "small.yaml"))
    assert result.returncode == 0, result.stderr


def item(cli: Cli, number: int) -> AgendaItem:
    return cli.query(lambda s: s.exec(select(AgendaItem).where(AgendaItem.number == number)).one())


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every text a reader sees in a message's blocks, in order."""
    texts: list[str] = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text")
            texts += [text["text"] if isinstance(text, dict) else text] if text else []
    return texts


# -- load -------------------------------------------------------------------------------------


def test_load_creates_the_meeting_and_prints_what_it_created(cli: Cli, standin: SlackStandIn):
    result = cli("load", str(DATA / "small.yaml"))
    assert result.returncode == 0, result.stderr
    assert "test-ptc: created: 3 items, 3 delegations, 7 participants" in result.stdout
    assert cli.counts() == {
        "Meeting": 1,
        "Delegation": 3,
        "Participant": 7,
        "AgendaItem": 3,
        "Document": 2,
        "Comment": 0,
        "StrayReply": 0,
        "AuditEntry": 1,
    }
    jane = cli.query(
        lambda s: s.exec(select(Participant).where(Participant.user_id == "U0AUJANE1")).one()
    )
    assert (jane.email, jane.role, jane.active) == ("jane.doe@customs.example", "member", True)
    [lookup] = standin.calls_to("users.lookupByEmail")  # the e-mail was asked of Slack itself
    assert lookup.params["email"] == "jane.doe@customs.example"
    assert item(cli, 3).opens_at == datetime(2020, 7, 3, 7, 0, tzinfo=UTC)


def test_load_reads_names_from_slack_profiles_and_again_only_when_they_change(
    cli: Cli, standin: SlackStandIn
):
    load_small(cli)
    names = cli.query(lambda s: {p.user_id: p.profile_name for p in s.exec(select(Participant))})
    assert names["U0AU00001"] == "Alex Adler" and names["U0AUJANE1"] == "Jane Doe"
    assert cli.query(lambda s: s.exec(select(Meeting)).one().channel_name) is not None
    asked = len(standin.calls_to("users.info"))
    assert asked == 7  # once per person at load; never on a reply
    standin.add_user("U0AU00001", real_name="Alex Adler-Berg")  # renamed in Slack
    again = cli("load", str(DATA / "small.yaml"))
    assert again.returncode == 0, again.stderr
    assert "test-ptc: unchanged" in again.stdout
    assert "names from Slack: 1 new or changed" in again.stdout
    renamed = cli.query(
        lambda s: s.exec(select(Participant).where(Participant.user_id == "U0AU00001")).one()
    )
    assert renamed.profile_name == "Alex Adler-Berg"


def test_loading_the_same_file_again_is_unchanged_and_writes_nothing(cli: Cli):
    load_small(cli)
    before = cli.counts()
    first_update = cli.query(lambda s: s.exec(select(Meeting)).one().updated_at)
    again = cli("load", str(DATA / "small.yaml"))
    assert again.returncode == 0, again.stderr
    assert "test-ptc: unchanged" in again.stdout
    assert "created" not in again.stdout and "updated" not in again.stdout
    assert cli.counts() == before
    assert cli.query(lambda s: s.exec(select(Meeting)).one().updated_at) == first_update


def test_reloading_the_same_meeting_with_times_written_in_utc_is_unchanged(cli: Cli):
    load_small(cli)
    before = cli.counts()
    # 09:00 in Brussels on 3 July 2020 is 07:00 UTC: the same meeting, written another way.
    same = variant("opens: 2020-07-03T09:00", "opens: 2020-07-03T07:00Z")
    again = cli("load", str(cli.write("utc.yaml", same)))
    assert again.returncode == 0, again.stderr
    assert "test-ptc: unchanged" in again.stdout, again.stdout
    assert cli.counts() == before


def test_load_prints_unknown_keys_as_warnings_and_loads(cli: Cli):
    path = cli.write(
        "extra.yaml", variant("channel: C0TEST0001\n", "channel: C0TEST0001\nvenue: x\n")
    )
    result = cli("load", str(path))
    assert result.returncode == 0, result.stderr
    assert f"warning: {path}: line 5: venue: unknown key ignored" in result.stderr
    assert "test-ptc: created" in result.stdout
    assert cli.count(Meeting) == 1


@pytest.mark.expect_refusals("invalid_auth")
def test_load_with_a_token_slack_rejects_exits_2_saying_so(cli: Cli):
    result = cli("load", str(DATA / "small.yaml"), SLACK_BOT_TOKEN="xoxb-revoked")
    assert result.returncode == 2
    assert "Slack refused users.lookupByEmail (invalid_auth)" in result.stderr
    assert "SLACK_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert cli.count(Meeting) == 0


def test_changed_file_updates_in_place_keeps_comments_and_retires_dropped_delegate(
    bot: Bot, meeting: PostedMeeting, cli: Cli
):
    reply = bot.sender.reply(
        channel=meeting.channel, user="U0CI00001", text="We support.", thread_ts=meeting.roots[3]
    )
    assert reply.status == 200
    ids_before = cli.query(lambda s: {i.number: i.id for i in s.exec(select(AgendaItem))})
    [comment_before] = cli.query(lambda s: list(s.exec(select(Comment))))
    changed = variant("title: Strategic foresight", "title: Strategic foresight, 2030-2035")
    changed = variant(
        "delegates: [U0AU00001, jane", "delegates: [U0AU00001, U0AU00002, jane", changed
    )
    changed = variant("delegates: [U0CI00001]", "delegates: [U0CI00002]", changed)

    result = cli("load", str(cli.write("changed.yaml", changed)))
    assert result.returncode == 0, result.stderr
    assert "test-ptc: updated: 3 items, 3 delegations, 8 participants" in result.stdout
    assert "updated item 5: title" in result.stdout
    assert "added U0AU00002 as member" in result.stdout
    assert "removed U0CI00001 from the roster (comments kept)" in result.stdout

    assert cli.count(Meeting) == 1
    assert cli.query(lambda s: {i.number: i.id for i in s.exec(select(AgendaItem))}) == ids_before
    assert item(cli, 5).title == "Strategic foresight, 2030-2035"
    assert item(cli, 3).post_ts == meeting.roots[3]  # still the same posted thread
    [comment_after] = cli.query(lambda s: list(s.exec(select(Comment))))
    assert comment_after == comment_before  # same row, same item, same author, same text
    people = cli.query(
        lambda s: {p.user_id: (p.active, p.role) for p in s.exec(select(Participant))}
    )
    assert people["U0CI00001"] == (False, "member")
    assert people["U0CI00002"] == (True, "member")
    assert people["U0AU00002"] == (True, "member")
    # The dropped delegate's comment is still in the record.
    out = cli.cwd / "record.csv"
    assert cli("export", "--format", "csv", "--out", str(out)).returncode == 0
    [row] = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert (row["user"], row["delegation"], row["text"]) == (
        "U0CI00001",
        "Côte d'Ivoire",
        "We support.",
    )


def test_bad_file_exits_2_lists_every_problem_and_loads_nothing(cli: Cli):
    bad = variant("kind: observer", "kind: guest")
    bad = variant("  - number: 4", "  - number: 3", bad)
    bad = variant("timezone: Europe/Brussels", "timezone: Mars/Olympus", bad)
    bad = variant('url: "https://example.org/PC0601E1.pdf"', 'url: "ftp://example.org/x"', bad)
    path = cli.write("bad.yaml", bad)
    result = cli("load", str(path))
    assert result.returncode == 2
    problems = [line for line in result.stderr.splitlines() if line.startswith(f"{path}: line ")]
    assert len(problems) == 4, result.stderr
    for key, expected in [
        ("delegations[2].kind", "expected member or observer"),
        ("agenda[1].number", "duplicate item number 3"),
        ("timezone", "unknown time zone 'Mars/Olympus'"),
        ("agenda[0].documents[0].url", "expected an http(s) link"),
    ]:
        assert any(f": {key}: " in p and expected in p for p in problems), result.stderr
    assert "nothing was loaded" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli.count(Meeting) == 0 and cli.count(AgendaItem) == 0


@pytest.mark.expect_refusals("users_not_found")
def test_load_with_an_email_nobody_has_exits_2_naming_it(cli: Cli, standin: SlackStandIn):
    path = cli.write("nobody.yaml", variant("jane.doe@customs.example", "nobody@customs.example"))
    result = cli("load", str(path))
    assert result.returncode == 2
    assert "no Slack user has the e-mail nobody@customs.example" in result.stderr
    assert [c.params["email"] for c in standin.calls_to("users.lookupByEmail")] == [
        "nobody@customs.example"
    ]
    assert cli.count(Meeting) == 0


def test_load_with_an_email_and_no_token_says_to_set_slack_bot_token(cli: Cli):
    result = cli("load", str(DATA / "small.yaml"), SLACK_BOT_TOKEN="")
    assert result.returncode == 2
    assert "jane.doe@customs.example is an e-mail; set SLACK_BOT_TOKEN" in result.stderr
    assert cli.count(Meeting) == 0


# -- post -------------------------------------------------------------------------------------


def test_post_posts_opened_items_and_reports_the_one_not_open(cli: Cli, standin: SlackStandIn):
    load_small(cli)
    result = cli("post")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(" ts ")[0] for line in lines] == [
        "item 3: posted",
        "item 4: posted",
        "item 5: not open opens 2030-01-01 08:00 UTC",
    ]
    posts = standin.calls_to("chat.postMessage")
    assert [p.params["channel"] for p in posts] == [CHANNEL, CHANNEL]
    roots = [m["ts"] for m in standin.messages[CHANNEL]]
    assert [item(cli, 3).post_ts, item(cli, 4).post_ts] == roots
    assert item(cli, 5).post_ts is None


def test_second_post_posts_nothing(cli: Cli, standin: SlackStandIn):
    load_small(cli)
    assert cli("post").returncode == 0
    roots = (item(cli, 3).post_ts, item(cli, 4).post_ts)
    again = cli("post")
    assert again.returncode == 0, again.stderr
    assert "posted" not in again.stdout.replace("not open", "")
    assert len(standin.calls_to("chat.postMessage")) == 2
    assert (item(cli, 3).post_ts, item(cli, 4).post_ts) == roots
    # Naming an item already posted does not post it again either.
    named = cli("post", "3")
    assert named.returncode == 0 and "item 3: already posted" in named.stdout
    assert len(standin.calls_to("chat.postMessage")) == 2


def test_post_named_item_posts_it_before_it_opens(cli: Cli, standin: SlackStandIn):
    load_small(cli)
    result = cli("post", "5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("item 5: posted")
    [post] = standin.calls_to("chat.postMessage")
    assert block_texts(post.params["blocks"])[0] == "Item 5: Strategic foresight"
    assert item(cli, 5).post_ts == post_ts(standin)
    assert item(cli, 3).post_ts is None  # only the named item


def post_ts(standin: SlackStandIn) -> str:
    [message] = standin.messages[CHANNEL]
    return str(message["ts"])


def test_post_unknown_item_exits_1_naming_it(cli: Cli, standin: SlackStandIn):
    load_small(cli)
    result = cli("post", "99")
    assert result.returncode == 1
    assert "item 99: unknown no such item (items: 3, 4, 5)" in result.stdout
    assert standin.calls_to("chat.postMessage") == []


def test_posted_message_shows_item_documents_proposal_deadline_and_how_to_reply(
    cli: Cli, standin: SlackStandIn
):
    load_small(cli)
    assert cli("post", "3").returncode == 0
    [post] = standin.calls_to("chat.postMessage")
    texts = block_texts(post.params["blocks"])
    text = "\n".join(texts)
    assert texts[0] == "Item 3: COVID-19: the WCO's role in the disaster management cycle"
    assert "<https://example.org/PC0601E1.pdf|PC0601E1> Disaster management" in text
    assert "<https://example.org/PC0602E1.pdf|PC0602E1> Gap analysis &amp; tools" in text
    assert "The PTC is invited to endorse the proposals." in text
    deadline = int(datetime(2020, 7, 17, 15, 0, tzinfo=UTC).timestamp())  # 17:00 in Brussels
    assert f"<!date^{deadline}^" in text
    # Its 2020 deadline has passed, so the message says so and that replies count as late.
    assert "Comments closed" in text and "marked late" in text
    assert post.params["channel"] == CHANNEL
    assert post.params["text"].startswith("Item 3: COVID-19")  # the notification fallback


def test_posted_open_item_invites_replies_in_its_thread(cli: Cli, standin: SlackStandIn):
    load_small(cli)
    assert cli("post", "5").returncode == 0  # opens in 2030, deadline ahead
    [post] = standin.calls_to("chat.postMessage")
    text = "\n".join(block_texts(post.params["blocks"]))
    assert "Reply in this thread" in text and "Deadline for comments" in text


def test_failed_post_exits_1_and_the_next_post_posts_the_item(cli: Cli, standin: SlackStandIn):
    load_small(cli)
    standin.fail("chat.postMessage", error="channel_not_found")
    first = cli("post")
    assert first.returncode == 1
    assert "item 3: failed channel_not_found" in first.stdout
    assert "item 4: posted" in first.stdout
    assert item(cli, 3).post_ts is None
    second = cli("post")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "item 3: posted" in second.stdout and "item 4" not in second.stdout
    assert len(standin.calls_to("chat.postMessage")) == 3  # failed, item 4, item 3
    assert len(standin.messages[CHANNEL]) == 2
    assert item(cli, 3).post_ts is not None


def test_rate_limited_post_is_retried_and_posts_once(cli: Cli, standin: SlackStandIn):
    load_small(cli)
    standin.rate_limit("chat.postMessage", retry_after=1)
    result = cli("post", "3")
    assert result.returncode == 0, result.stderr
    assert [c.status for c in standin.calls_to("chat.postMessage")] == [429, 200]
    assert item(cli, 3).post_ts == post_ts(standin)


def test_post_without_slack_bot_token_exits_2_naming_it(cli: Cli, standin: SlackStandIn):
    load_small(cli)
    result = cli("post", SLACK_BOT_TOKEN="")
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "Traceback" not in result.stderr
    assert standin.calls_to("chat.postMessage") == []


def test_post_and_export_with_two_meetings_need_the_meeting_key(cli: Cli, standin: SlackStandIn):
    load_small(cli)
    other = variant("key: test-ptc", "key: other-ptc")
    other = variant("channel: C0TEST0001", "channel: C0OTHER001", other)
    assert cli("load", str(cli.write("other.yaml", other))).returncode == 0
    out = cli.cwd / "record.csv"
    for args in (["post"], ["export", "--format", "csv", "--out", str(out)]):
        result = cli(*args)
        assert result.returncode == 2, args
        assert "--meeting" in result.stderr
        assert "other-ptc" in result.stderr and "test-ptc" in result.stderr
    assert standin.calls_to("chat.postMessage") == [] and not out.exists()
    chosen = cli("post", "4", "--meeting", "other-ptc")
    assert chosen.returncode == 0, chosen.stderr
    [post] = standin.calls_to("chat.postMessage")
    assert post.params["channel"] == "C0OTHER001"
    exported = cli("export", "--format", "csv", "--out", str(out), "--meeting", "test-ptc")
    assert exported.returncode == 0 and out.exists()


def test_post_or_export_before_any_load_exits_2_saying_to_load(cli: Cli):
    out = cli.cwd / "record.csv"
    for args in (["post"], ["export", "--format", "csv", "--out", str(out)]):
        result = cli(*args)
        assert result.returncode == 2, args
        assert "no meeting is loaded yet; run `python -m bot load FILE` first" in result.stderr
    assert not out.exists()


def test_post_with_an_unknown_meeting_key_exits_2_naming_the_loaded_ones(cli: Cli):
    load_small(cli)
    result = cli("post", "--meeting", "nope")
    assert result.returncode == 2
    assert "no meeting with key 'nope'; loaded: test-ptc" in result.stderr


# -- export -----------------------------------------------------------------------------------


@dataclass
class Recorded:
    plain: str
    edited: str
    withdrawn: str
    late: str
    chair: str
    escaped: str
    stray: str


@pytest.fixture
def recorded(bot: Bot, meeting: PostedMeeting) -> Recorded:
    """One comment of each kind the record must show, and a stray reply it must not."""

    def reply(user: str, text: str, item: int = 3, ts: str | None = None) -> str:
        delivery = bot.sender.reply(
            channel=meeting.channel, user=user, text=text, thread_ts=meeting.roots[item], ts=ts
        )
        assert delivery.status == 200 and delivery.ts is not None
        return delivery.ts

    plain = reply("U0AU00001", "Australia supports.")
    edited = reply("U0CI00001", "First draft", item=4)
    bot.sender.edit(
        channel=meeting.channel,
        user="U0CI00001",
        ts=edited,
        thread_ts=meeting.roots[4],
        text="Final text",
        previous_text="First draft",
    )
    withdrawn = reply("U0UPU0001", "We object.")
    bot.sender.delete(
        channel=meeting.channel,
        ts=withdrawn,
        thread_ts=meeting.roots[3],
        user="U0UPU0001",
        previous_text="We object.",
    )
    chair = reply("U0CHAIR01", "Thanks all")
    escaped = reply("U0AUJANE1", "Tariffs &amp; quotas: &lt;annex&gt; applies")
    stray = reply("U0STRANGER", "Can I comment?")
    # Item 3 closed on 17 July at 17:00 in Brussels; this one was written on the 18th.
    late = reply(
        "U0AU00001", "Sorry, late.", ts=datetime_to_ts(datetime(2020, 7, 18, 9, tzinfo=UTC))
    )
    bot.settle()
    return Recorded(plain, edited, withdrawn, late, chair, escaped, stray)


def export(cli: Cli, name: str = "record.csv") -> tuple[list[str], dict[str, dict[str, str]]]:
    out = cli.cwd / "out" / name
    result = cli("export", "--format", "csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"test-ptc: wrote 6 comments to {out}" in result.stdout
    with out.open(encoding="utf-8", newline="") as handle:
        header = handle.readline().rstrip("\r\n")
        handle.seek(0)
        rows = list(csv.DictReader(handle))
    return header.split(","), {row["comment_id"].rsplit("-", 1)[1]: row for row in rows}


def test_export_csv_header_is_the_contract_columns_in_order(cli: Cli, recorded: Recorded):
    header, _ = export(cli)
    assert ",".join(header) == CSV_HEADER


def test_export_csv_rows_hold_each_comments_record(cli: Cli, recorded: Recorded):
    _, rows = export(cli)
    assert set(rows) == {
        recorded.plain,
        recorded.edited,
        recorded.withdrawn,
        recorded.late,
        recorded.chair,
        recorded.escaped,
    }  # the stray reply from someone not on the roster is not in the record
    assert rows[recorded.plain] == {
        "item": "3",
        "comment_id": f"{CHANNEL}-{recorded.plain}",
        "delegation": "Australia",
        "delegation_kind": "member",
        "user": "U0AU00001",
        "role": "member",
        "posted_at": ts_to_datetime(recorded.plain).isoformat(),
        "status": "active",
        "late": "false",
        "text": "Australia supports.",
        "revisions": "0",
        "kind": "",
        "phase": "comments",
        "author": "U0AU00001",  # loaded without Slack's names: the id stands in
    }
    edited = rows[recorded.edited]
    assert (edited["item"], edited["delegation"], edited["text"], edited["revisions"]) == (
        "4",
        "Côte d'Ivoire",
        "Final text",
        "1",
    )
    withdrawn = rows[recorded.withdrawn]
    assert (withdrawn["status"], withdrawn["text"]) == ("withdrawn", "We object.")
    assert (withdrawn["delegation"], withdrawn["delegation_kind"], withdrawn["role"]) == (
        "Universal Postal Union",
        "observer",
        "observer",
    )
    late = rows[recorded.late]
    assert (late["late"], late["posted_at"]) == ("true", "2020-07-18T09:00:00+00:00")
    chair = rows[recorded.chair]
    assert (chair["delegation"], chair["delegation_kind"], chair["role"], chair["user"]) == (
        "Chair",
        "chair",
        "chair",
        "U0CHAIR01",
    )
    escaped = rows[recorded.escaped]
    assert escaped["text"] == "Tariffs & quotas: <annex> applies"
    assert escaped["delegation"] == "Australia" and escaped["user"] == "U0AUJANE1"
    for row in rows.values():
        posted = datetime.fromisoformat(row["posted_at"])
        assert row["posted_at"].endswith("+00:00") and posted.utcoffset() is not None
        assert posted == ts_to_datetime(row["comment_id"].rsplit("-", 1)[1])


def test_export_comment_ids_are_stable_across_exports(cli: Cli, recorded: Recorded):
    _, first = export(cli, "first.csv")
    _, second = export(cli, "second.csv")
    assert [r["comment_id"] for r in first.values()] == [r["comment_id"] for r in second.values()]
    assert (cli.cwd / "out" / "first.csv").read_bytes() == (
        cli.cwd / "out" / "second.csv"
    ).read_bytes()


# -- the bot's place in the meeting channel ------------------------------------------------------

NO_BOT = "C0NOBOT001"  # a channel nobody invited Docket to


def load_in_channel_without_the_bot(cli: Cli, standin: SlackStandIn) -> Any:
    standin.add_channel(NO_BOT, name="ptc-nobot")
    path = cli.write("nobot.yaml", variant(f"channel: {CHANNEL}", f"channel: {NO_BOT}"))
    return cli("load", str(path))


def test_load_in_a_channel_without_docket_loads_and_warns_to_invite_it(
    cli: Cli, standin: SlackStandIn
):
    result = load_in_channel_without_the_bot(cli, standin)
    assert result.returncode == 0, result.stderr
    assert "warning: Docket is not in the meeting channel #ptc-nobot" in result.stderr
    assert "invite @Docket to #ptc-nobot" in result.stderr
    assert cli.count(Meeting) == 1


def test_load_in_a_channel_with_docket_says_nothing_about_inviting(cli: Cli):
    result = cli("load", str(DATA / "small.yaml"))
    assert result.returncode == 0, result.stderr
    assert "invite" not in result.stderr


def test_post_in_a_channel_without_docket_posts_nothing_and_says_to_invite_it(
    cli: Cli, standin: SlackStandIn
):
    assert load_in_channel_without_the_bot(cli, standin).returncode == 0
    standin.clear_calls()
    result = cli("post")
    assert result.returncode == 1
    assert "invite @Docket to #ptc-nobot" in result.stderr
    assert "nothing was posted" in result.stderr
    assert standin.calls_to("chat.postMessage") == []
    assert item(cli, 3).post_ts is None

    standin.add_bot_to(NO_BOT)  # someone typed /invite @Docket in the channel
    again = cli("post")
    assert again.returncode == 0, again.stderr
    assert "invite" not in again.stderr
    assert item(cli, 3).post_ts is not None


@pytest.mark.expect_refusals("missing_scope")
def test_post_when_slack_will_not_say_whether_docket_is_in_the_channel_warns_and_posts(
    cli: Cli, standin: SlackStandIn
):
    load_small(cli)
    standin.fail("conversations.info", error="missing_scope")
    result = cli("post")
    assert result.returncode == 0, result.stderr
    assert "warning: could not check that Docket is in the meeting channel" in result.stderr
    assert "missing_scope" in result.stderr
    assert item(cli, 3).post_ts is not None
