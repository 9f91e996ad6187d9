"""The App Home per role: published when opened, and the secretariat's buttons."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import event
from sqlmodel import select

from bot.clock.posting import post_items
from bot.core.db import session_scope
from bot.domain.home import build_homes, viewers_concerned
from bot.domain.meetings import load_meeting, update_names
from bot.parse.meeting_file import read_meeting_file
from bot.slack.api import make_client
from bot.views.home import MAX_BLOCKS, home_view
from handlers.home import refresh_home_calls
from models import AuditEntry, Delegation, HomeViewer, Meeting
from tests.conftest import DATA, IN_SESSION, Bot
from tests.conftest import Meeting as Posted

CHAIR = "U0CHAIR01"
SECRETARIAT = "U0SEC0001"


# -- helpers --------------------------------------------------------------------------------------


def open_home(bot: Bot, user: str, tab: str = "home") -> dict[str, Any] | None:
    delivery = bot.sender.app_home_opened(user, tab=tab)
    assert delivery.status == 200
    bot.settle()
    return bot.standin.home_view(user)


def texts(view: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for block in view["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            if isinstance(element.get("text"), dict):
                found.append(element["text"]["text"])
            elif isinstance(element.get("text"), str):
                found.append(element["text"])
    return found


def home_text(view: dict[str, Any]) -> str:
    return "\n".join(texts(view))


def line_for(view: dict[str, Any], number: int) -> str:
    lines = [line for line in home_text(view).splitlines() if f"Item {number}:" in line]
    assert len(lines) == 1, lines
    return lines[0]


def reply(bot: Bot, posted: Posted, user: str, text: str, item: int = 3) -> str:
    delivery = bot.sender.reply(
        channel=posted.channel, user=user, text=text, thread_ts=posted.roots[item]
    )
    assert delivery.status == 200
    assert delivery.ts is not None
    return delivery.ts


def command(bot: Bot, name: str, text: str, user: str) -> str:
    delivery = bot.sender.command(command=name, text=text, user=user, channel="C0TEST0001")
    assert delivery.status == 200
    bot.settle()
    return str(delivery.json()["text"])


def buttons(view: dict[str, Any]) -> dict[str, str]:
    return {
        element["action_id"]: element["value"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    }


def press(bot: Bot, action_id: str, value: str, user: str) -> None:
    bot.standin.clear_calls()
    delivery = bot.sender.button(
        action_id=action_id, value=value, user=user, view={"id": "V0HOME", "type": "home"}
    )
    assert delivery.status == 200
    bot.settle()


def load_file(bot: Bot, path: Path) -> None:
    client = make_client(bot.settings)
    spec = read_meeting_file(path, lambda email: None)
    with session_scope(bot.database.engine) as session:
        load_meeting(session, spec=spec, now=IN_SESSION)
    post_items(bot.database.engine, client, meeting_key=spec.key, numbers=None, now=IN_SESSION)
    bot.standin.clear_calls()


def brussels(local: str) -> str:
    """The start of the Slack date token for a meeting-local time."""
    moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Europe/Brussels"))
    return f"<!date^{int(moment.timestamp())}^"


# -- delegates ------------------------------------------------------------------------------------


def test_delegate_home_lists_open_items_deadlines_links_and_whether_the_delegation_commented(
    bot: Bot, meeting: Posted
):
    reply(bot, meeting, "U0AU00001", "Australia supports the proposals.")
    # Jane is the other Australian delegate: her delegation has commented on item 3.
    view = open_home(bot, "U0AUJANE1")
    assert view is not None and view["type"] == "home"
    three, four = line_for(view, 3), line_for(view, 4)
    assert "commented" in three and "not yet" not in three
    assert "not yet" in four
    assert brussels("2020-07-17T17:00") in three and brussels("2020-07-31T17:00") in four
    root = meeting.roots[3].replace(".", "")
    assert f"https://standin.slack.local/archives/C0TEST0001/p{root}" in three
    assert "Item 5:" not in home_text(view)  # not posted yet: not open for comments
    assert "Test Committee, written session" in home_text(view)
    assert "delegate of Australia (member)" in home_text(view)
    other = open_home(bot, "U0CI00001")
    assert other is not None and "not yet" in line_for(other, 3)


def test_withdrawn_comment_does_not_count_as_commented(bot: Bot, meeting: Posted):
    ts = reply(bot, meeting, "U0CI00001", "We have a reservation.", item=4)
    view = open_home(bot, "U0CI00001")
    assert view is not None and "commented" in line_for(view, 4)
    deleted = bot.sender.delete(
        channel=meeting.channel,
        ts=ts,
        thread_ts=meeting.roots[4],
        user="U0CI00001",
        previous_text="We have a reservation.",
    )
    assert deleted.status == 200
    view = open_home(bot, "U0CI00001")
    assert view is not None and "not yet" in line_for(view, 4)


def test_messages_tab_opened_publishes_nothing(bot: Bot, meeting: Posted):
    assert open_home(bot, "U0AU00001", tab="messages") is None
    assert bot.standin.calls_to("views.publish") == []


# -- the chair ------------------------------------------------------------------------------------


def test_chair_home_lists_awaiting_items_and_a_running_silence_procedure(bot: Bot, meeting: Posted):
    answer = command(bot, "/approve", "3 silence 2020-07-14T17:00", CHAIR)
    assert "silence" in answer.lower()
    command(bot, "/approve", "4 note", CHAIR)
    view = open_home(bot, CHAIR)
    assert view is not None
    text = home_text(view)
    assert "Awaiting your decision* (1)" in text
    [awaiting] = [line for line in text.splitlines() if line.startswith("• *Item")]
    assert "Item 3:" in awaiting and "in silence until" in awaiting
    assert "Item 4:" not in text  # decided: no longer awaiting
    [silence] = [line for line in text.splitlines() if "adopted unless" in line]
    assert "Item 3:" in silence and brussels("2020-07-14T17:00") in silence
    assert "you are chair" in text


def test_member_delegate_sees_a_running_silence_procedure_with_how_to_object(
    bot: Bot, meeting: Posted
):
    command(bot, "/approve", "3 silence 2020-07-14T17:00", CHAIR)
    view = open_home(bot, "U0CI00001")
    assert view is not None
    assert "`/object 3 reason`" in home_text(view)


# -- the secretariat ------------------------------------------------------------------------------


def meeting_id(bot: Bot, key: str = "test-ptc") -> int:
    with session_scope(bot.database.engine) as session:
        found = session.exec(select(Meeting).where(Meeting.key == key)).one()
        assert found.id is not None
        return found.id


def test_secretariat_home_shows_live_figures_and_the_digest_and_record_buttons(
    bot: Bot, meeting: Posted
):
    reply(bot, meeting, "U0AU00001", "Australia supports.")
    reply(bot, meeting, "U0UPU0001", "The UPU notes the proposals.")
    ts = reply(bot, meeting, "U0CI00001", "Withdrawn later.", item=4)
    bot.sender.delete(
        channel=meeting.channel,
        ts=ts,
        thread_ts=meeting.roots[4],
        user="U0CI00001",
        previous_text="Withdrawn later.",
    )
    view = open_home(bot, SECRETARIAT)
    assert view is not None
    text = home_text(view)
    assert "7 registered, 2 took part" in text
    assert "*Comments:* 2 (members 1, observers 1, chair 0, secretariat 0)" in text
    assert "1 withdrawn, counted apart" in text
    assert "1 of 2 members, 1 of 1 observers" in text
    assert buttons(view) == {
        "home_digest": str(meeting_id(bot)),
        "home_record": str(meeting_id(bot)),
    }


def test_secretariat_figures_count_the_chair_and_the_secretariat_apart_and_late_comments(
    bot: Bot, meeting: Posted
):
    from bot.core.clock import datetime_to_ts

    after_deadline = datetime_to_ts(datetime(2020, 7, 18, 9, 0, tzinfo=UTC))  # item 3: 17 July
    reply(bot, meeting, "U0AU00001", "Australia supports.")
    reply(bot, meeting, "U0AU00001", "Australia on item 4.", item=4)
    reply(bot, meeting, CHAIR, "The chair notes the support.")
    reply(bot, meeting, SECRETARIAT, "The secretariat will revise the annex.", item=4)
    late = bot.sender.reply(
        channel=meeting.channel,
        user="U0CI00001",
        text="Côte d'Ivoire, after the deadline.",
        thread_ts=meeting.roots[3],
        ts=after_deadline,
    )
    assert late.status == 200
    view = open_home(bot, SECRETARIAT)
    assert view is not None
    text = home_text(view)
    assert "7 registered, 4 took part" in text
    assert "*Comments:* 5 (members 3, observers 0, chair 1, secretariat 1)" in text
    assert "0 withdrawn, counted apart; 1 late" in text
    assert "2 of 2 members, 0 of 1 observers" in text


def test_the_chair_home_reads_no_comment(bot: Bot, meeting: Posted):
    reply(bot, meeting, "U0AU00001", "Australia supports.")
    bot.settle()
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split()))

    event.listen(bot.database.engine, "before_cursor_execute", seen)
    try:
        with session_scope(bot.database.engine) as session:
            [call] = refresh_home_calls(session, user_ids=[CHAIR], now=IN_SESSION, team_url=None)
    finally:
        event.remove(bot.database.engine, "before_cursor_execute", seen)
    assert "Awaiting your decision" in home_text(call.args["view"])
    assert statements and not [s for s in statements if "FROM comment" in s]


def test_digest_button_sends_the_secretariat_member_the_digest_by_direct_message(
    bot: Bot, meeting: Posted
):
    reply(bot, meeting, "U0AU00001", "Australia supports.")
    view = open_home(bot, SECRETARIAT)
    assert view is not None
    press(bot, "home_digest", buttons(view)["home_digest"], SECRETARIAT)
    [sent] = bot.standin.calls_to("chat.postMessage")
    assert sent.params["channel"] == SECRETARIAT
    assert "Digest" in sent.params["text"] and "1 new comment(s)" in sent.params["text"]


def test_record_button_uploads_the_record_to_the_secretariat_member(bot: Bot, meeting: Posted):
    press(bot, "home_record", str(meeting_id(bot)), "U0SEC0002")
    [opened] = bot.standin.calls_to("conversations.open")
    assert opened.params["users"] == "U0SEC0002"
    assert len(bot.standin.calls_to("files.completeUploadExternal")) == 1


def test_digest_button_by_a_delegate_is_refused_privately_and_audited(bot: Bot, meeting: Posted):
    press(bot, "home_digest", str(meeting_id(bot)), "U0AU00001")
    [sent] = bot.standin.calls_to("chat.postMessage")
    assert sent.params["channel"] == "U0AU00001"  # a direct message: a Home has no ephemeral
    assert "Only the secretariat" in sent.params["text"]
    assert "Digest" not in sent.params["text"]
    with session_scope(bot.database.engine) as session:
        [entry] = session.exec(
            select(AuditEntry).where(AuditEntry.actor == "U0AU00001", AuditEntry.action == "digest")
        ).all()
    assert entry.outcome == "refused"


def test_button_for_an_unknown_meeting_is_refused_privately_and_audited(bot: Bot, meeting: Posted):
    press(bot, "home_record", "9999", SECRETARIAT)
    [sent] = bot.standin.calls_to("chat.postMessage")
    assert sent.params["channel"] == SECRETARIAT and "no longer has" in sent.params["text"]
    assert bot.standin.calls_to("files.completeUploadExternal") == []
    with session_scope(bot.database.engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).one()
    assert entry.actor == SECRETARIAT and entry.action == "record"


# -- no role, several meetings, size --------------------------------------------------------------


def test_someone_on_no_roster_is_told_what_docket_is_and_that_they_are_on_none(
    bot: Bot, meeting: Posted
):
    view = open_home(bot, "U0NOBODY1")
    assert view is not None
    text = home_text(view)
    assert "written (document-based) meetings" in text
    assert "not on the roster of any meeting" in text
    assert buttons(view) == {}


def second_meeting(tmp_path: Path, **changes: Any) -> Path:
    spec = yaml.safe_load((DATA / "small.yaml").read_text())
    spec.update(
        key="other-ptc",
        title="Second Committee, written session",
        channel="C0OTHER001",
        chair=["U0AU00001"],
        secretariat=["U0SEC0001"],
        delegations=[{"name": "Belgium", "kind": "member", "delegates": ["U0BE00001"]}],
    )
    spec.update(changes)
    path = tmp_path / f"{spec['key']}.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True))
    return path


def test_person_in_two_meetings_sees_a_section_for_each(bot: Bot, meeting: Posted, tmp_path: Path):
    load_file(bot, second_meeting(tmp_path))
    view = open_home(bot, "U0AU00001")
    assert view is not None
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Second Committee, written session", "Test Committee, written session"]
    text = home_text(view)
    assert "you are chair" in text and "delegate of Australia (member)" in text
    assert "Awaiting your decision* (2)" in text  # items 3 and 4 of the second meeting
    assert "Open for comments* (2)" in text


def big_meeting(tmp_path: Path, items: int) -> Path:
    title = "A rather long agenda item title about customs procedures and co-operation " * 2
    agenda = [
        {
            "number": n,
            "title": f"{title}{n}",
            "proposal": "The PTC is invited to take note.",
            "opens": "2020-07-03T09:00",
            "deadline": "2020-07-31T17:00",
        }
        for n in range(1, items + 1)
    ]
    return second_meeting(
        tmp_path,
        key="big-ptc",
        title="Big Committee",
        channel="C0BIG00001",
        chair=["U0BIGCHR1"],
        secretariat=["U0BIGSEC1"],
        delegations=[{"name": "Brazil", "kind": "member", "delegates": ["U0BR00001"]}],
        agenda=agenda,
    )


def within_slack_limits(view: dict[str, Any]) -> None:
    assert len(view["blocks"]) <= MAX_BLOCKS
    for block in view["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150


def test_home_stays_within_slack_limits_for_a_meeting_with_sixty_items(
    bot: Bot, meeting: Posted, tmp_path: Path
):
    load_file(bot, big_meeting(tmp_path, 60))
    for user in ("U0BR00001", "U0BIGCHR1", "U0BIGSEC1"):
        view = open_home(bot, user)
        assert view is not None
        within_slack_limits(view)
        assert len(json.dumps(view)) < 250_000
    delegate = open_home(bot, "U0BR00001")
    assert delegate is not None
    text = home_text(delegate)
    assert "Open for comments* (60)" in text and "… and 20 more" in text


def test_many_meetings_share_the_hundred_blocks_and_each_keeps_its_header(
    bot: Bot, meeting: Posted, tmp_path: Path
):
    load_file(bot, big_meeting(tmp_path, 60))
    with session_scope(bot.database.engine) as session:
        [one] = build_homes(
            session, user_ids=["U0BR00001"], now=IN_SESSION, team_url="https://x.slack.com/"
        ).values()
    assert one.meetings
    many = type(one)(
        user_id=one.user_id,
        now=one.now,
        meetings=[one.meetings[0]] * 15,
    )
    view = home_view(many)
    within_slack_limits(view)
    assert sum(b["type"] == "header" for b in view["blocks"]) == 15
    assert "More than this tab can show" in home_text(view)


# -- refreshing and cost --------------------------------------------------------------------------


def test_refresh_reaches_the_delegation_and_the_secretariat_of_a_comment(bot: Bot, meeting: Posted):
    test_ptc = meeting_id(bot)
    # Only Homes someone opened are republished: everyone here has opened theirs.
    for user in ("U0AU00001", "U0AUJANE1", "U0SEC0001", "U0SEC0002", "U0CI00001", CHAIR):
        open_home(bot, user)
    with session_scope(bot.database.engine) as session:
        australia = session.exec(select(Delegation).where(Delegation.name == "Australia")).one()
        users = viewers_concerned(session, meeting_id=test_ptc, delegation_id=australia.id)
        calls = refresh_home_calls(session, user_ids=users, now=IN_SESSION, team_url=None)
    assert sorted(users) == ["U0AU00001", "U0AUJANE1", "U0SEC0001", "U0SEC0002"]
    assert [c.method for c in calls] == ["views_publish"] * 4
    assert {c.args["user_id"] for c in calls} == set(users)
    assert all(c.args["view"]["type"] == "home" for c in calls)


def test_a_change_for_everyone_republishes_only_the_homes_people_opened(bot: Bot, meeting: Posted):
    assert open_home(bot, "U0AU00001") is not None
    assert open_home(bot, SECRETARIAT) is not None
    bot.standin.clear_calls()
    command(bot, "/approve", "3 silence 2020-07-14T17:00", CHAIR)  # concerns the whole roster
    bot.settle()
    published = {c.params["user_id"] for c in bot.standin.calls_to("views.publish")}
    assert published == {"U0AU00001", SECRETARIAT}  # of seven on the roster
    with session_scope(bot.database.engine) as session:
        viewers = set(session.exec(select(HomeViewer.user_id)))
    assert viewers == {"U0AU00001", SECRETARIAT}


def test_a_home_names_its_viewer_with_the_delegation(bot: Bot, meeting: Posted):
    with session_scope(bot.database.engine) as session:
        names = {"U0AU00001": "Alex Adler"}
        update_names(session, meeting_id=meeting_id(bot), profiles=names, now=IN_SESSION)
    view = open_home(bot, "U0AU00001")
    assert view is not None
    assert "you are Alex Adler, delegate of Australia" in home_text(view)


def count_queries(bot: Bot, build: Callable[[], object]) -> int:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(bot.database.engine, "before_cursor_execute", count)
    try:
        build()
    finally:
        event.remove(bot.database.engine, "before_cursor_execute", count)
    return len(statements)


def test_homes_take_a_fixed_number_of_queries_whatever_the_size(
    bot: Bot, meeting: Posted, tmp_path: Path
):
    viewers = ["U0AU00001", "U0CI00001", CHAIR, SECRETARIAT, "U0NOBODY1"]

    def build() -> None:
        with session_scope(bot.database.engine) as session:
            build_homes(session, user_ids=viewers, now=IN_SESSION, team_url=None)

    reply(bot, meeting, "U0AU00001", "One.")
    bot.settle()  # the after-ack Home refreshes query too: let them finish before counting
    small = count_queries(bot, build)
    for n in range(12):
        user = ("U0AU00001", "U0CI00001", "U0UPU0001", CHAIR)[n % 4]
        reply(bot, meeting, user, f"Comment {n}", item=3 + n % 2)
    command(bot, "/approve", "3 silence 2020-07-14T17:00", CHAIR)
    load_file(bot, second_meeting(tmp_path))
    bot.settle()
    assert count_queries(bot, build) == small


def test_closed_deadline_moves_an_item_out_of_the_delegate_home(bot: Bot, meeting: Posted):
    bot.clock.now = datetime(2020, 7, 17, 15, 0, tzinfo=UTC) + timedelta(minutes=1)
    view = open_home(bot, "U0AU00001")
    assert view is not None
    text = home_text(view)
    assert "Item 3:" not in text and "Item 4:" in text
