"""Block Kit and text for drafting groups: the form, the welcome, the link, the answers.

Pure builders, like bot/views.py: domain objects in, views, blocks or text out.  The form's
block ids are the field names `bot.domain.groups.create_group` reports errors under.
"""

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.domain.attribution import attribution
from bot.views.messages import SlackMessage, escape
from models import AgendaItem, Delegation, DraftingGroup, Meeting, Participant

if TYPE_CHECKING:  # the report's type lives with the set-up; views only format it
    from bot.domain.groups import GroupRequest, SetUpReport

GROUP_FORM = "drafting_group"  # the modal's callback_id
NAME, ITEM, TOPIC, MEMBERS, PURPOSE = "name", "item", "topic", "members", "purpose"
ITEM_OPTIONS = 100  # Slack's limit on a static select's options

USAGE = """*/group*: set up a drafting group in a private channel (secretariat only).
• `/group`: the form (name, agenda item or topic, members, purpose)
• `/group 11`: the form, for item 11
• `/group 11 "Rules of procedure" @member @member … [purpose]`: at once, on item 11
• `/group "Customs and pandemics" @member … [purpose]`: on a free topic, its name
• `/group list`: the meeting's drafting groups
The members must be on the meeting's roster; you are invited too. Everything the members write \
in the group's channel is recorded under the group in the summary record."""


@dataclass(frozen=True)
class GroupMemberName:
    user_id: str
    delegation: str  # the delegation's name, or "Chair" / "Secretariat"
    role: str


def member_name(participant: Participant, delegation: Delegation | None) -> GroupMemberName:
    name, _ = attribution(participant.role, delegation)
    return GroupMemberName(participant.user_id, name, participant.role)


def _plain(text: str, limit: int = 150) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def _about(group: DraftingGroup, item: AgendaItem | None) -> str:
    if item is not None:
        topic = f" ({escape(group.topic)})" if group.topic else ""
        return f"item {item.number}: {escape(item.title)}{topic}"
    return escape(group.topic)


def _roll(members: list[GroupMemberName]) -> str:
    return ", ".join(f"<@{m.user_id}> ({escape(m.delegation)})" for m in members)


# -- in Slack --------------------------------------------------------------------------------------


def welcome_message(
    meeting: Meeting,
    group: DraftingGroup,
    item: AgendaItem | None,
    members: list[GroupMemberName],
) -> SlackMessage:
    """The first message in the group's channel: what the group is for and how it is recorded."""
    head = (
        f":writing_hand: *Drafting group “{escape(group.name)}”* of {escape(meeting.title)}, "
        f"on {_about(group, item)}. Set up by <@{group.created_by}>."
    )
    lines = [head]
    if group.purpose:
        lines.append(f"*Purpose:* {escape(group.purpose)}")
    lines.append(f"*Members:* {_roll(members)}")
    note = (
        "Everything the members write here, messages and thread replies, is recorded under the "
        "group in the meeting's summary record: edits keep every version and a deleted message "
        "is marked withdrawn. Messages from anyone else are kept aside. The group's drafting is "
        "not a delegation's formal comment: comment on the item in its thread."
    )
    text = "\n".join(lines)
    return SlackMessage(
        text=f"Drafting group “{group.name}”: {group.purpose or 'welcome'}",
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]},
        ],
    )


def link_message(
    group: DraftingGroup,
    channel: str,
    item: AgendaItem | None,
    members: list[GroupMemberName],
) -> SlackMessage:
    """The link from the item's thread (or the meeting channel) to the group's channel."""
    where = "this item" if item is not None else escape(group.topic)
    text = (
        f":busts_in_silhouette: A drafting group, *{escape(group.name)}*, works on {where} in "
        f"<#{channel}> (private). Members: {_roll(members)}."
    )
    if group.purpose:
        text += f"\n*Purpose:* {escape(group.purpose)}"
    return SlackMessage(
        text=f"Drafting group “{group.name}” set up in a private channel.",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}],
    )


def usage(error: str = "") -> str:
    return f"{error}\n\n{USAGE}" if error else USAGE


def set_up_text(report: "SetUpReport") -> str:
    """The private report to the convener once the set-up has run."""
    name = escape(report.name)
    if report.outcome != "done":
        return (
            f":warning: The drafting group “{name}” is not set up yet: Slack refused "
            f"{report.error}. Nothing is lost: run the same `/group` again to finish it."
        )
    text = (
        f":white_check_mark: The drafting group “{name}” is ready in <#{report.channel}> "
        f"(private), linked from {report.linked_in}. Invited: "
        + (", ".join(f"<@{u}>" for u in report.invited) or "nobody")
        + "."
    )
    if report.not_invited:
        failed = ", ".join(f"<@{u}> ({error})" for u, error in report.not_invited)
        text += f"\nSlack would not invite {failed}: add them to the channel by hand."
    return text


def group_list(meeting: Meeting, groups: list[tuple[DraftingGroup, AgendaItem | None]]) -> str:
    if not groups:
        return f"{escape(meeting.title)} has no drafting groups yet. `/group help` says how."
    lines = [f"*Drafting groups of {escape(meeting.title)}*"]
    for group, item in groups:
        where = f"<#{group.channel}>" if group.channel else "no channel yet"
        state = "" if group.set_up_at else " (set-up not finished: run its `/group` again)"
        lines.append(f"• *{escape(group.name)}*, on {_about(group, item)}: {where}{state}")
    return "\n".join(lines)


def outsider_notice(group_name: str, secretariat: tuple[str, ...]) -> str:
    """To someone who writes in a group's channel without being a member of the group."""
    ask = ", ".join(f"<@{u}>" for u in secretariat) or "the secretariat"
    return (
        f"Your message is kept, but apart: only the members of the drafting group "
        f"“{escape(group_name)}” write its record. Ask {ask} if you should be a member."
    )


# -- the form --------------------------------------------------------------------------------------


def group_modal(
    meeting: Meeting, items: list[AgendaItem], *, item_number: int | None = None
) -> dict[str, Any]:
    """The secretariat's form: name, item (or a topic), members, purpose."""
    options = [
        {"text": _plain(f"{i.number}. {i.title}", 75), "value": str(i.number)}
        for i in items[:ITEM_OPTIONS]
    ]
    item_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": ITEM,
        "placeholder": _plain("An agenda item"),
        "options": options,
    }
    chosen = [o for o in options if o["value"] == str(item_number)]
    if chosen:
        item_select["initial_option"] = chosen[0]

    def text_input(block: str, label: str, *, limit: int, optional: bool, **extra: Any) -> dict:
        return {
            "type": "input",
            "block_id": block,
            "optional": optional,
            "label": _plain(label),
            "element": {
                "type": "plain_text_input",
                "action_id": block,
                "max_length": limit,
                **extra,
            },
        }

    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(meeting.title)}*"}},
        text_input(NAME, "Name", limit=80, optional=False),
        {
            "type": "input",
            "block_id": ITEM,
            "optional": True,
            "label": _plain("Agenda item"),
            "element": item_select,
        },
        text_input(
            TOPIC,
            "Topic",
            limit=160,
            optional=True,
            placeholder=_plain("Without an item: what the group drafts"),
        ),
        {
            "type": "input",
            "block_id": MEMBERS,
            "label": _plain("Members"),
            "element": {"type": "multi_users_select", "action_id": MEMBERS},
            "hint": _plain("Registered participants; you are invited too."),
        },
        text_input(PURPOSE, "Purpose", limit=1000, optional=True, multiline=True),
    ]
    return {
        "type": "modal",
        "callback_id": GROUP_FORM,
        "private_metadata": json.dumps({"meeting_id": meeting.id}),
        "title": _plain("Drafting group", 24),
        "submit": _plain("Set up"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def read_group_form(view: dict[str, Any]) -> "tuple[int | None, GroupRequest]":
    """(meeting id, the request) from a submitted form, unchecked."""
    from bot.domain.groups import GroupRequest

    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    meeting_id = meta.get("meeting_id") if isinstance(meta, dict) else None
    values = (view.get("state") or {}).get("values") or {}

    def field(block: str) -> dict[str, Any]:
        found = (values.get(block) or {}).get(block)
        return found if isinstance(found, dict) else {}

    item = (field(ITEM).get("selected_option") or {}).get("value")
    members = field(MEMBERS).get("selected_users") or []
    request = GroupRequest(
        "create",
        name=field(NAME).get("value") or "",
        item_number=int(item) if isinstance(item, str) and item.isdigit() else None,
        topic=field(TOPIC).get("value") or "",
        members=tuple(m for m in members if isinstance(m, str)),
        purpose=field(PURPOSE).get("value") or "",
        from_form=True,
    )
    return (meeting_id if isinstance(meeting_id, int) else None), request
