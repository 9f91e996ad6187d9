"""The words and forms of drafting groups, from domain values alone (no database, no Slack)."""

from bot.domain.groups import GroupCommand, GroupOutcome, GroupProblem, SetUpReport
from bot.domain.permissions import Permission, Refusal
from bot.parse.group import GroupRequest
from bot.views.groups import (
    USAGE,
    command_reply,
    created_reply,
    form_errors,
    group_list,
    group_modal,
    link_message,
    outsider_notice,
    read_group_form,
    set_up_failure,
    set_up_text,
)
from models import AgendaItem, DraftingGroup, Meeting

MEETING = Meeting(id=1, key="ptc", title="PTC <2020>", channel="C0MEET", timezone="UTC")
ITEM = AgendaItem(id=3, meeting_id=1, number=3, title="Rules & procedure")
GROUP = DraftingGroup(
    id=5, meeting_id=1, item_id=3, name="Rules", slug="rules", created_by="U0SEC", channel="C0GRP"
)
CREATE = GroupRequest("create", name="Rules", item_number=3, members=("U0AU",))


def submitted(view: dict, **values: dict) -> dict:
    return {**view, "state": {"values": {block: {block: v} for block, v in values.items()}}}


def test_a_created_group_is_announced_with_its_members_and_where_it_is_linked() -> None:
    on_item = GroupOutcome("created", GROUP, item=ITEM, members=("U0AU", "U0CI"))
    assert created_reply(MEETING, on_item) == (
        "Setting up the drafting group “Rules”: a private channel for <@U0AU>, <@U0CI> and you, "
        "linked from item 3's thread. I will tell you here when it is ready."
    )
    on_topic = GroupOutcome("created", GROUP, members=("U0AU",))
    assert "linked from the meeting channel." in created_reply(MEETING, on_topic)


def test_an_invalid_command_lists_each_problem_then_the_usage() -> None:
    outcome = GroupOutcome(
        "invalid",
        problems=(
            GroupProblem("item", "no_such_item", item_number=9),
            GroupProblem("members", "not_on_roster", users=("U0NO",)),
            GroupProblem("name", "name_taken", existing=GROUP),
        ),
    )
    assert created_reply(MEETING, outcome) == (
        "Nothing was set up:\n"
        "• PTC <2020> has no agenda item 9.\n"
        "• Not on the roster of PTC <2020>: <@U0NO>. Only registered participants can be "
        "members.\n"
        "• PTC <2020> already has a drafting group named “Rules” (<#C0GRP>). Choose another "
        f"name.\n\n{USAGE}"
    )


def test_the_form_shows_problems_under_their_fields_without_mentions() -> None:
    outcome = GroupOutcome(
        "invalid",
        problems=(
            GroupProblem("name", "name_missing"),
            GroupProblem("topic", "topic_missing"),
            GroupProblem("members", "not_on_roster", users=("U0NO", "U0NA")),
        ),
    )
    errors = form_errors(MEETING, outcome)
    assert list(errors) == ["name", "topic", "members"]
    assert errors["members"] == (
        "2 people chosen are not on the roster of PTC <2020>: only registered participants can "
        "be members."
    )
    taken = GroupOutcome("invalid", problems=(GroupProblem("name", "name_taken", existing=GROUP),))
    assert "<#" not in form_errors(MEETING, taken)["name"]
    assert form_errors(MEETING, GroupOutcome("created", GROUP)) == {}


def test_a_refusal_is_said_in_the_reply_and_under_the_forms_name() -> None:
    refusal = Refusal(Permission.MANAGE, "group", "PTC", "member")
    assert command_reply(MEETING, GroupCommand("refused", CREATE, refusal=refusal)) == (
        "Only the secretariat of PTC can use /group."
    )
    outcome = GroupOutcome("refused", refusal=refusal)
    assert form_errors(MEETING, outcome) == {"name": "Only the secretariat of PTC can use /group."}


def test_help_says_what_could_not_be_read_before_the_usage() -> None:
    help_ = GroupCommand("help", GroupRequest("help", error="no_name"))
    assert command_reply(MEETING, help_) == f"Give the group a name before its members.\n\n{USAGE}"
    assert command_reply(MEETING, GroupCommand("help", GroupRequest("help"))) == USAGE
    missing = GroupCommand("no_such_item", GroupRequest("form", item_number=8))
    assert command_reply(MEETING, missing).startswith("PTC <2020> has no agenda item 8.\n\n")


def test_the_list_escapes_names_and_flags_unfinished_set_ups() -> None:
    assert group_list(MEETING, []) == (
        "PTC &lt;2020&gt; has no drafting groups yet. `/group help` says how."
    )
    unfinished = DraftingGroup(meeting_id=1, topic="A<b", name="X", slug="x", created_by="U0SEC")
    text = group_list(MEETING, [(GROUP, ITEM), (unfinished, None)])
    assert "• *Rules*, on item 3: Rules &amp; procedure: <#C0GRP> (set-up not finished" in text
    assert "• *X*, on A&lt;b: no channel yet (set-up not finished" in text


def test_the_set_up_report_names_the_link_and_those_slack_would_not_invite() -> None:
    done = SetUpReport(
        "done",
        5,
        "Rules",
        "U0SEC",
        "C0GRP",
        invited=("U0CI", "U0SEC"),
        not_invited=(("U0AU", "cant_invite"),),
        linked_item=3,
    )
    assert set_up_text(done) == (
        ":white_check_mark: The drafting group “Rules” is ready in <#C0GRP> (private), linked "
        "from item 3's thread. Invited: <@U0CI>, <@U0SEC>.\nSlack would not invite <@U0AU> "
        "(cant_invite): add them to the channel by hand."
    )
    failed = SetUpReport("failed", 5, "Rules", failed_step="welcome", slack_error="restricted")
    assert "Slack refused posting the welcome: restricted. Nothing is lost" in set_up_text(failed)
    assert set_up_failure("create_channel", "name_taken") == (
        "creating the private channel: name_taken"
    )


def test_the_form_read_back_gives_the_meeting_and_the_request() -> None:
    view = group_modal(MEETING, [ITEM], item_number=3)
    item_block = next(b for b in view["blocks"] if b.get("block_id") == "item")
    assert item_block["element"]["initial_option"]["value"] == "3"
    meeting_id, request = read_group_form(
        submitted(
            view,
            name={"value": "Rules"},
            item={"selected_option": {"value": "3"}},
            members={"selected_users": ["U0AU", 7]},
        )
    )
    assert meeting_id == 1
    assert request == GroupRequest("create", name="Rules", item_number=3, members=("U0AU",))
    assert read_group_form({"private_metadata": "not json"})[0] is None


def test_the_link_and_the_outsider_notice_escape_what_people_typed() -> None:
    link = link_message(GROUP, "C0GRP", ITEM, [])
    assert "works on this item in <#C0GRP> (private)" in link.blocks[0]["text"]["text"]
    assert outsider_notice("A<B", ()) == (
        "Your message is kept, but apart: only the members of the drafting group “A&lt;B” "
        "write its record. Ask the secretariat if you should be a member."
    )
