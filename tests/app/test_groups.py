"""Drafting mini-groups: `/group` and its form, the private channel, and the group's record.

Through the real Bolt app: signed slash commands and `payload=` interactivity in, the Web API
calls out to the Slack stand-in over HTTP (which creates the channel and keeps its members), and
the database the messages in the group's channel are recorded in.
"""

import csv
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from slack_sdk import WebClient
from sqlalchemy import update
from sqlmodel import col, func, select

from bot.clock.digest import send_digest
from bot.clock.groups import set_up_group
from bot.core.db import session_scope
from bot.demo.standin import Delivery
from bot.domain.groups import channel_name, group_slug
from bot.domain.record_rows import comment_rows
from bot.domain.summary import build_summary
from bot.parse.group import parse_group
from bot.record.csv import CONTRACT_COLUMNS, write_csv
from bot.record.html import render_html
from bot.record.markdown import render_markdown
from bot.record.xlsx import write_xlsx
from bot.slack.api import ChannelPacer, Outbound, make_client
from models import (
    AuditEntry,
    Comment,
    DraftingGroup,
    DraftingGroupMember,
    GroupContribution,
)
from models import Meeting as MeetingRow
from tests.conftest import IN_SESSION, Bot, Meeting

SECRETARY = "U0SEC0001"
AUSTRALIA = "U0AU00001"
IVORY_COAST = "U0CI00001"
OBSERVER = "U0UPU0001"  # on the roster, not a member of the group
STRANGER = "U0NOBODY1"  # not on the roster at all
ROP = f'3 "Rules of procedure" <@{AUSTRALIA}|alice> <@{IVORY_COAST}|kofi> Draft new rules'
CHANNEL_NAME = "test-ptc-rules-of-procedure"


def group_command(bot: Bot, text: str, *, user: str = SECRETARY) -> Delivery:
    delivery = bot.sender.command(command="/group", text=text, user=user, channel="C0TEST0001")
    assert delivery.status == 200
    bot.settle()
    return delivery


def private_answer(delivery: Delivery) -> str:
    answer = delivery.json()
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


def groups(bot: Bot) -> list[DraftingGroup]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(DraftingGroup).order_by(col(DraftingGroup.id))))


def only_group(bot: Bot) -> DraftingGroup:
    [group] = groups(bot)
    return group


def contributions(bot: Bot) -> list[GroupContribution]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(GroupContribution).order_by(col(GroupContribution.ts))))


def audit(bot: Bot, action: str = "group") -> list[AuditEntry]:
    with session_scope(bot.database.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def slack_calls(bot: Bot) -> list[str]:
    """The Web API methods called, but Bolt's own auth.test on its first request."""
    return [c.method for c in bot.standin.calls if c.method != "auth.test"]


def dm_texts(bot: Bot, user: str) -> list[str]:
    return [
        c.params["text"]
        for c in bot.standin.calls_to("chat.postMessage")
        if c.params["channel"] == user
    ]


@pytest.fixture
def group(bot: Bot, meeting: Meeting) -> DraftingGroup:
    """The rules-of-procedure group on item 3, set up; the stand-in's calls cleared."""
    group_command(bot, ROP)
    made = only_group(bot)
    assert made.set_up_at is not None and made.channel is not None
    bot.standin.clear_calls()
    return made


# -- setting a group up ---------------------------------------------------------------------------


def test_secretariat_sets_up_a_group_on_an_item_in_one_line(bot: Bot, meeting: Meeting) -> None:
    answer = private_answer(group_command(bot, ROP))

    assert "Setting up the drafting group “Rules of procedure”" in answer
    [created] = bot.standin.calls_to("conversations.create")
    assert created.params["name"] == CHANNEL_NAME
    assert str(created.params["is_private"]).lower() in ("true", "1")
    group = only_group(bot)
    assert group.channel is not None and group.channel_name == CHANNEL_NAME
    assert group.purpose == "Draft new rules" and group.set_up_at is not None
    assert bot.standin.members(group.channel) == {
        bot.standin.bot_user_id,
        AUSTRALIA,
        IVORY_COAST,
        SECRETARY,  # the convener is invited too
    }
    welcome = bot.standin.messages[group.channel][0]
    assert "Rules of procedure" in welcome["text"] and group.welcome_ts == welcome["ts"]
    [link] = [
        m for m in bot.standin.messages[meeting.channel] if m.get("thread_ts") == meeting.roots[3]
    ]
    link_text = json.dumps(link["blocks"])
    assert f"<#{group.channel}>" in link_text and f"<@{AUSTRALIA}>" in link_text
    assert group.link_ts == link["ts"]
    [report] = dm_texts(bot, SECRETARY)
    assert "is ready" in report and f"<#{group.channel}>" in report
    [entry] = audit(bot)
    assert entry.outcome == "ok" and entry.actor == SECRETARY


def test_group_alone_opens_the_form_and_submitting_it_sets_up_a_topic_group(
    bot: Bot, meeting: Meeting
) -> None:
    delivery = group_command(bot, "")
    assert delivery.body == ""  # no text: the form opens instead
    [opened] = bot.standin.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "drafting_group"
    items = next(b for b in view["blocks"] if b.get("block_id") == "item")["element"]["options"]
    assert [o["value"] for o in items] == ["3", "4", "5"]

    submitted = submit_form(
        bot,
        view,
        name="Customs and pandemics",
        topic="Lessons from 2020",
        members=[AUSTRALIA],
        purpose="A short paper for the next session.",
    )

    assert submitted.status == 200 and submitted.body == ""  # the form closes
    bot.settle()
    group = only_group(bot)
    assert group.item_id is None and group.topic == "Lessons from 2020"
    assert group.channel is not None
    assert bot.standin.members(group.channel) >= {AUSTRALIA, SECRETARY}
    # No item: the link goes to the meeting channel itself, not into a thread.
    [link] = [m for m in bot.standin.messages[meeting.channel] if m["ts"] == group.link_ts]
    assert "thread_ts" not in link
    assert any("is ready" in text for text in dm_texts(bot, SECRETARY))


def test_group_with_a_number_opens_the_form_with_the_item_chosen(
    bot: Bot, meeting: Meeting
) -> None:
    group_command(bot, "4")
    [opened] = bot.standin.calls_to("views.open")
    item = next(b for b in opened.params["view"]["blocks"] if b.get("block_id") == "item")
    assert item["element"]["initial_option"]["value"] == "4"


def test_the_form_shows_what_is_wrong_under_each_field_and_writes_nothing(
    bot: Bot, meeting: Meeting
) -> None:
    group_command(bot, "")
    view = bot.standin.calls_to("views.open")[0].params["view"]

    submitted = submit_form(bot, view, name="  ", topic="", members=[AUSTRALIA, STRANGER])

    errors = submitted.json()["errors"]
    assert submitted.json()["response_action"] == "errors"
    assert set(errors) == {"name", "topic", "members"}
    assert "not on the roster" in errors["members"] and "<@" not in errors["members"]
    assert groups(bot) == [] and bot.standin.calls_to("conversations.create") == []


def test_a_delegate_cannot_set_up_a_group_and_the_refusal_is_audited(
    bot: Bot, meeting: Meeting
) -> None:
    answer = private_answer(group_command(bot, ROP, user=AUSTRALIA))
    assert "Only the secretariat" in answer and "/group" in answer
    form = private_answer(group_command(bot, "", user=AUSTRALIA))
    assert "Only the secretariat" in form
    assert bot.standin.calls_to("views.open") == []  # no form for them either

    assert groups(bot) == [] and bot.standin.calls_to("conversations.create") == []
    refusals = audit(bot)
    assert [e.outcome for e in refusals] == ["refused", "refused"]
    assert {e.actor for e in refusals} == {AUSTRALIA}


def test_a_form_submitted_by_someone_not_secretariat_is_refused(bot: Bot, meeting: Meeting) -> None:
    group_command(bot, "")
    view = bot.standin.calls_to("views.open")[0].params["view"]
    # Roles can change while a form is open: the submission is checked again.
    submitted = submit_form(
        bot, view, name="Rules", topic="Rules", members=[AUSTRALIA], user=OBSERVER
    )
    assert "Only the secretariat" in submitted.json()["errors"]["name"]
    assert groups(bot) == [] and [e.outcome for e in audit(bot)] == ["refused"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('3 "Rules of procedure"', "Name the members with @mentions"),
        ('3 "Rules" @alice @kofi', "pick each one from the list"),
        ("3 <@U0AU00001|alice>", "Give the group a name"),
        ('3 "Rules" <!subteam^S0DRAFTERS|@drafters>', "user groups are not expanded"),
        (f'9 "Rules" <@{AUSTRALIA}>', "has no agenda item 9"),
        (
            f'3 "Rules" <@{STRANGER}|nobody>',
            f"Not on the roster of Test Committee, written session: <@{STRANGER}>",
        ),
        (f'3 "{"x" * 81}" <@{AUSTRALIA}>', "at most 80 characters"),
        ("help", "/group 11"),
    ],
)
def test_bad_input_is_answered_privately_with_the_usage_and_nothing_is_set_up(
    bot: Bot, meeting: Meeting, text: str, expected: str
) -> None:
    answer = private_answer(group_command(bot, text))

    assert expected in answer
    assert "`/group list`" in answer  # the usage comes with it
    assert groups(bot) == [] and slack_calls(bot) == []


@pytest.mark.expect_refusals("name_taken")
def test_a_name_slack_has_taken_is_suffixed(bot: Bot, meeting: Meeting) -> None:
    client = make_client(bot.settings)
    client.conversations_create(name=CHANNEL_NAME, is_private=True)  # someone else's channel
    bot.standin.clear_calls()

    group_command(bot, ROP)

    names = [c.params["name"] for c in bot.standin.calls_to("conversations.create")]
    assert names == [CHANNEL_NAME, f"{CHANNEL_NAME}-2"]
    assert only_group(bot).channel_name == f"{CHANNEL_NAME}-2"


def test_the_same_name_again_is_refused_once_the_group_is_set_up(
    bot: Bot, group: DraftingGroup
) -> None:
    answer = private_answer(group_command(bot, f'4 "RULES of Procedure!" <@{OBSERVER}>'))

    assert "already has a drafting group named “Rules of procedure”" in answer
    assert f"<#{group.channel}>" in answer
    assert len(groups(bot)) == 1 and bot.standin.calls_to("conversations.create") == []


def test_a_retry_after_a_failed_set_up_finishes_it_without_a_second_channel(
    bot: Bot, meeting: Meeting
) -> None:
    bot.standin.fail("chat.postMessage", error="restricted_action")  # the welcome is refused

    group_command(bot, ROP)

    first = only_group(bot)
    assert first.channel is not None and first.set_up_at is None and first.welcome_ts is None
    assert "restricted_action" in first.note
    [report] = dm_texts(bot, SECRETARY)
    assert "not set up yet" in report and "run the same `/group` again" in report

    answer = private_answer(group_command(bot, ROP))

    assert "had not finished: finishing it now" in answer
    assert len(bot.standin.calls_to("conversations.create")) == 1
    # Each member invited once: the second run only does what the first did not.
    invited = [c.params["users"] for c in bot.standin.calls_to("conversations.invite")]
    assert sorted(invited) == sorted([AUSTRALIA, IVORY_COAST, SECRETARY])
    done = only_group(bot)
    assert done.channel == first.channel and done.set_up_at is not None
    assert done.welcome_ts is not None and done.link_ts is not None


def test_a_claimed_set_up_is_left_alone_until_its_claim_goes_stale(
    bot: Bot, meeting: Meeting
) -> None:
    bot.standin.fail("chat.postMessage", error="restricted_action")
    group_command(bot, ROP)
    group = only_group(bot)
    assert group.id is not None and group.channel is not None
    client = WebClient(token=bot.settings.slack_bot_token, base_url=bot.settings.slack_api_url)
    now = bot.clock.now

    def hold(claimed_at: object) -> None:
        with session_scope(bot.database.engine) as session:
            session.execute(
                update(DraftingGroup)
                .where(col(DraftingGroup.id) == group.id)
                .values(claimed_at=claimed_at, claim_token="another-worker")
            )

    hold(now - timedelta(minutes=1))  # another worker is at it
    busy = set_up_group(bot.database.engine, client, group_id=group.id, now=now)
    assert busy.outcome == "busy"

    hold(now - timedelta(minutes=6))  # that worker died after Slack made the channel
    done = set_up_group(bot.database.engine, client, group_id=group.id, now=now)

    assert done.outcome == "done" and done.channel == group.channel
    assert len(bot.standin.calls_to("conversations.create")) == 1


def test_invitations_slack_refuses_are_reported_and_do_not_stop_the_others(
    bot: Bot, meeting: Meeting
) -> None:
    bot.standin.fail("conversations.invite", error="cant_invite")  # the first member: a guest

    group_command(bot, ROP)

    group = only_group(bot)
    assert group.set_up_at is not None and group.channel is not None
    assert bot.standin.members(group.channel) >= {IVORY_COAST, SECRETARY}
    with session_scope(bot.database.engine) as session:
        [refused] = session.exec(
            select(DraftingGroupMember).where(DraftingGroupMember.invite_error != "")
        ).all()
    assert refused.user_id == AUSTRALIA and refused.invited_at is None
    [report] = dm_texts(bot, SECRETARY)
    assert f"Slack would not invite <@{AUSTRALIA}> (cant_invite)" in report


def test_group_list_shows_the_meetings_groups(bot: Bot, group: DraftingGroup) -> None:
    answer = private_answer(group_command(bot, "list"))
    assert "Rules of procedure" in answer and f"<#{group.channel}>" in answer


# -- what the group writes ------------------------------------------------------------------------


def test_members_messages_in_the_group_channel_are_recorded_once(
    bot: Bot, group: DraftingGroup
) -> None:
    channel = group.channel
    assert channel is not None and group.welcome_ts is not None
    reply = bot.sender.reply(
        channel=channel, user=AUSTRALIA, text="Rule 1: quorum.", thread_ts=group.welcome_ts
    )
    top = bot.sender.post(channel=channel, user=IVORY_COAST, text="A first draft of rule 2.")
    bot.sender.redeliver(reply)  # Slack's retry: same event id
    bot.sender.reply(  # the same message under a new event id
        channel=channel,
        user=AUSTRALIA,
        text="Rule 1: quorum.",
        thread_ts=group.welcome_ts,
        ts=reply.ts,
    )
    bot.settle()

    recorded = contributions(bot)
    assert [(c.ts, c.user_id, c.member) for c in recorded] == [
        (reply.ts, AUSTRALIA, True),
        (top.ts, IVORY_COAST, True),
    ]
    assert recorded[0].thread_ts == group.welcome_ts and recorded[1].thread_ts is None
    assert bot.standin.reactions(channel, reply.ts or "") == {"white_check_mark"}
    with session_scope(bot.database.engine) as session:  # no formal comment on the item
        assert session.exec(select(func.count()).select_from(Comment)).one() == 0


def test_edits_keep_every_version_and_deletions_withdraw_but_keep_the_text(
    bot: Bot, group: DraftingGroup
) -> None:
    channel = group.channel
    assert channel is not None
    first = bot.sender.post(channel=channel, user=AUSTRALIA, text="Quorum: half.")
    ts = first.ts or ""
    bot.sender.edit(
        channel=channel,
        user=AUSTRALIA,
        ts=ts,
        thread_ts=None,
        text="Quorum: a third.",
        previous_text="Quorum: half.",
    )
    bot.sender.unfurl(
        channel=channel, user=AUSTRALIA, ts=ts, thread_ts=None, text="Quorum: a third."
    )
    second = bot.sender.post(channel=channel, user=IVORY_COAST, text="Wrong channel, sorry.")
    bot.sender.delete(
        channel=channel,
        ts=second.ts or "",
        thread_ts=None,
        user=IVORY_COAST,
        previous_text="Wrong channel, sorry.",
    )
    bot.settle()

    edited, deleted = contributions(bot)
    assert edited.text == "Quorum: a third." and edited.revisions == 1  # the unfurl is no edit
    assert deleted.status == "withdrawn" and deleted.text == "Wrong channel, sorry."


def test_messages_from_people_outside_the_group_are_kept_apart_and_they_are_told(
    bot: Bot, group: DraftingGroup
) -> None:
    channel = group.channel
    assert channel is not None
    observer = bot.sender.post(channel=channel, user=OBSERVER, text="May I suggest a rule?")
    stranger = bot.sender.post(channel=channel, user=STRANGER, text="Hello all")
    secretary = bot.sender.post(channel=channel, user="U0SEC0002", text="Template attached.")
    bot.sender.redeliver(observer)
    bot.settle()

    by_ts = {c.ts: c for c in contributions(bot)}
    assert by_ts[observer.ts or ""].member is False and by_ts[observer.ts or ""].role == "observer"
    assert by_ts[stranger.ts or ""].member is False and by_ts[stranger.ts or ""].role is None
    assert by_ts[secretary.ts or ""].member is True  # the secretariat runs every group
    notices = bot.standin.calls_to("chat.postEphemeral")
    assert sorted(n.params["user"] for n in notices) == sorted([OBSERVER, STRANGER])  # once each
    assert "kept, but apart" in notices[0].params["text"]
    assert bot.standin.reactions(channel, observer.ts or "") == set()  # no receipt


def test_messages_outside_group_channels_are_still_ignored(bot: Bot, meeting: Meeting) -> None:
    bot.sender.post(channel=meeting.channel, user=AUSTRALIA, text="A top-level message")
    bot.sender.post(channel="C0ELSEWHERE", user=AUSTRALIA, text="Another channel")
    bot.settle()
    assert contributions(bot) == [] and slack_calls(bot) == []


# -- the one-line syntax and the channel's name ---------------------------------------------------


def test_parse_group_reads_quoted_and_unquoted_names_members_and_purpose() -> None:
    quoted = parse_group("11 “Rules of procedure” <@U0AU00001|a> <@U0CI00001> \u2013 for summer")
    assert (quoted.item_number, quoted.name, quoted.members, quoted.purpose) == (
        11,
        "Rules of procedure",
        ("U0AU00001", "U0CI00001"),
        "for summer",
    )
    bare = parse_group("Customs and pandemics <@U0AU00001|a> <@U0AU00001|a>")
    assert (bare.item_number, bare.name, bare.topic, bare.members) == (
        None,
        "Customs and pandemics",
        "Customs and pandemics",
        ("U0AU00001",),
    )
    assert parse_group("").action == "form" and parse_group("7").item_number == 7
    assert parse_group("list").action == "list"


def test_channel_names_are_what_slack_accepts() -> None:
    assert group_slug("Règles de procédure (2020)!") == "regles-de-procedure-2020"
    assert group_slug("起草小组").startswith("group-")
    long = channel_name("ptc-2020", group_slug("x" * 200), attempt=12)
    assert len(long) == 80 and long.endswith("-12")
    assert channel_name("PTC 2020", "rules") == "ptc-2020-rules"


def submit_form(
    bot: Bot,
    view: dict[str, Any],
    *,
    name: str,
    topic: str = "",
    members: list[str],
    purpose: str = "",
    item: str | None = None,
    user: str = SECRETARY,
) -> Delivery:
    values: dict[str, dict[str, dict[str, Any]]] = {
        "name": {"name": {"type": "plain_text_input", "value": name}},
        "item": {
            "item": {
                "type": "static_select",
                "selected_option": {"value": item} if item else None,
            }
        },
        "topic": {"topic": {"type": "plain_text_input", "value": topic or None}},
        "members": {"members": {"type": "multi_users_select", "selected_users": members}},
        "purpose": {"purpose": {"type": "plain_text_input", "value": purpose or None}},
    }
    return bot.sender.view_submission(
        callback_id=view["callback_id"],
        user=user,
        private_metadata=view["private_metadata"],
        values=values,
    )


# -- the record -----------------------------------------------------------------------------------


def test_the_record_shows_each_group_with_its_members_and_messages_in_order(
    bot: Bot, meeting: Meeting, group: DraftingGroup, tmp_path: Path
) -> None:
    channel, welcome = group.channel, group.welcome_ts
    assert channel is not None and welcome is not None
    draft = bot.sender.post(channel=channel, user=IVORY_COAST, text="Draft rule 2 &amp; its note")
    bot.sender.reply(channel=channel, user=AUSTRALIA, text="Rule 1: quorum.", thread_ts=welcome)
    bot.sender.reply(
        channel=channel, user=AUSTRALIA, text="Agree with rule 2.", thread_ts=draft.ts or ""
    )
    bot.sender.post(channel=channel, user=OBSERVER, text="Observer's view")
    bot.sender.reply(
        channel=meeting.channel, user=AUSTRALIA, text="A formal comment", thread_ts=meeting.roots[3]
    )
    bot.settle()

    with session_scope(bot.database.engine) as session:
        meeting_id = session.exec(select(DraftingGroup.meeting_id)).one()
        summary = build_summary(session, meeting_id=meeting_id, now=bot.clock.now)
        rows = comment_rows(session, meeting_id=meeting_id)

    [entry] = summary.groups
    assert (entry.name, entry.item, entry.purpose) == ("Rules of procedure", 3, "Draft new rules")
    assert [m.user for m in entry.members] == [AUSTRALIA, IVORY_COAST, SECRETARY]
    # Conversation order: the reply to the welcome first, then the draft and its reply.
    assert [c.text for c in entry.contributions] == [
        "Rule 1: quorum.",
        "Draft rule 2 & its note",
        "Agree with rule 2.",
    ]
    assert [c.text for c in entry.kept_apart] == ["Observer's view"]
    assert summary.figures.comments == 1  # the group's drafting is not counted as comments

    markdown = render_markdown(summary)
    section = markdown[markdown.index("## Drafting groups") : markdown.index("## Annex")]
    assert "### Rules of procedure" in section and "Item 3: COVID-19" in section
    assert section.index("Rule 1: quorum.") < section.index("Agree with rule 2.")
    assert "Kept apart" in section and "Observer's view" in section
    assert "A formal comment" not in section
    html = render_html(summary, {})
    assert 'id="drafting-groups"' in html and "Draft rule 2 &amp; its note" in html
    write_xlsx(summary, tmp_path / "record.xlsx")
    sheet = load_workbook(tmp_path / "record.xlsx")["Drafting groups"]
    assert sheet.max_row == 1 + 4 and sheet["L2"].value == "Rule 1: quorum."

    write_csv(rows, tmp_path / "record.csv")  # the CSV contract is untouched
    with (tmp_path / "record.csv").open(encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0][: len(CONTRACT_COLUMNS)] == CONTRACT_COLUMNS
    assert [r[CONTRACT_COLUMNS.index("text")] for r in table[1:]] == ["A formal comment"]


def test_a_record_without_groups_has_no_group_section(bot: Bot, meeting: Meeting) -> None:
    with session_scope(bot.database.engine) as session:
        meeting_id = session.exec(select(MeetingRow.id)).one()
        assert meeting_id is not None
        summary = build_summary(session, meeting_id=meeting_id, now=bot.clock.now)
    assert summary.groups == []
    assert "Drafting groups" not in render_markdown(summary)


def test_the_digest_counts_the_groups_new_messages_once(bot: Bot, group: DraftingGroup) -> None:
    channel = group.channel
    assert channel is not None
    bot.sender.post(channel=channel, user=AUSTRALIA, text="Rule 1: quorum.")
    bot.sender.post(channel=channel, user=IVORY_COAST, text="Rule 2: languages.")
    bot.sender.post(channel=channel, user=OBSERVER, text="May I suggest a rule?")  # kept apart
    bot.settle()
    with session_scope(bot.database.engine) as session:
        meeting_id = session.exec(select(MeetingRow.id)).one()
    assert meeting_id is not None

    def digest_text() -> str:
        bot.standin.clear_calls()
        out = Outbound(make_client(bot.settings), ChannelPacer(interval=0))
        sent = send_digest(
            bot.database.engine,
            out,
            meeting_id=meeting_id,
            recipient=SECRETARY,
            now=IN_SESSION,
            forced=True,
        )
        assert sent
        return json.dumps(
            [c.params.get("blocks") for c in bot.standin.calls_to("chat.postMessage")],
            ensure_ascii=False,
        )

    first = digest_text()
    assert "Rules of procedure: 2 new message(s)" in first  # the observer's is not the group's
    assert "Rules of procedure" not in digest_text()  # reported once


def test_members_and_the_secretariat_find_the_group_on_their_home(
    bot: Bot, meeting: Meeting
) -> None:
    for user in (AUSTRALIA, IVORY_COAST, SECRETARY, "U0SEC0002"):  # Homes are kept for openers
        assert bot.sender.app_home_opened(user).status == 200
    bot.settle()
    group_command(bot, ROP)
    made = only_group(bot)
    assert made.channel is not None
    line = f"<#{made.channel}> Rules of procedure · on item 3"

    def home(user: str) -> str:
        view = bot.standin.home_view(user)
        return json.dumps(view["blocks"], ensure_ascii=False) if view else ""

    # Republished for those who opened their Home once the channel exists.
    assert line in home(AUSTRALIA) and line in home(IVORY_COAST)
    assert line in home(SECRETARY) and line in home("U0SEC0002")  # the whole secretariat
    # A delegate outside the group: opening the Home shows no group.
    assert bot.sender.app_home_opened(OBSERVER).status == 200
    bot.settle()
    assert home(OBSERVER) and "Drafting groups" not in home(OBSERVER)
