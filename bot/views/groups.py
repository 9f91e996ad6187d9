"""Block Kit and text for drafting groups: the form, the welcome, the link, the answers.

Pure builders: domain values in (bot/domain/groups.py's outcomes and rows), views, blocks or
text out.  The form's block ids are the field names `bot.domain.groups.GroupProblem` is under.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.attribution import attribution
from bot.domain.groups import (
    NAME_LIMIT,
    PURPOSE_LIMIT,
    TOPIC_LIMIT,
    GroupCommand,
    GroupOutcome,
    GroupProblem,
    SetUpReport,
    SetUpStep,
)
from bot.parse.group import GroupParseError, GroupRequest
from bot.views.fit import plain, sections
from bot.views.messages import SlackMessage, escape
from bot.views.refusals import refusal_text
from models import AgendaItem, Delegation, DraftingGroup, Meeting, Participant

GROUP_FORM = "drafting_group"  # the modal's callback_id
NAME, ITEM, TOPIC, MEMBERS, PURPOSE = "name", "item", "topic", "members", "purpose"
ITEM_OPTIONS = 100  # Slack's limit on a static select's options
EXPIRED_FORM = "This form is out of date: run /group again."  # its meeting is gone

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
            *sections(text),
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
        blocks=sections(text),
    )


def usage(error: str = "") -> str:
    return f"{error}\n\n{USAGE}" if error else USAGE


PARSE_ERRORS: dict[GroupParseError, str] = {
    "user_group": "Name each member with their own @mention: user groups are not expanded.",
    "no_name": "Give the group a name before its members.",
    "no_members": "Name the members with @mentions.",
    "unreadable_members": (
        "The members could not be read: pick each one from the list Slack shows as you "
        "type @, so that the name becomes a mention."
    ),
}


def command_reply(meeting: Meeting, command: GroupCommand) -> str:
    """The private answer to a `/group` that opens no form."""
    match command.outcome:
        case "refused":
            assert command.refusal is not None
            return refusal_text(command.refusal)
        case "no_such_item":
            return usage(f"{meeting.title} has no agenda item {command.request.item_number}.")
        case "list":
            return group_list(meeting, list(command.groups))
        case "help":
            error = command.request.error
            return usage(PARSE_ERRORS[error] if error is not None else "")
        case "create":
            assert command.created is not None
            return created_reply(meeting, command.created)
        case "form":  # answered by opening the form, not in words
            return ""


def created_reply(meeting: Meeting, outcome: GroupOutcome) -> str:
    """The private answer to a one-line `/group`: what is being set up, or why nothing is."""
    match outcome.outcome:
        case "created":
            assert outcome.group is not None
            item = outcome.item
            where = f"item {item.number}'s thread" if item is not None else "the meeting channel"
            return (
                f"Setting up the drafting group “{outcome.group.name}”: a private channel for "
                f"{_people(outcome.members)} and you, linked from {where}. I will tell you here "
                "when it is ready."
            )
        case "resumed":
            assert outcome.group is not None
            return (
                f"The drafting group “{outcome.group.name}” exists but its set-up had not "
                "finished: finishing it now, with the members first named. I will tell you here "
                "when it is ready."
            )
        case "invalid":
            lines = [f"• {problem_text(meeting, p, in_form=False)}" for p in outcome.problems]
            return "Nothing was set up:\n" + "\n".join(lines) + f"\n\n{USAGE}"
        case "refused":
            assert outcome.refusal is not None
            return refusal_text(outcome.refusal)


def form_errors(meeting: Meeting, outcome: GroupOutcome) -> dict[str, str]:
    """What the form shows under its fields when a submission is invalid or refused."""
    if outcome.refusal is not None:
        return {NAME: refusal_text(outcome.refusal)}
    return {p.field: problem_text(meeting, p, in_form=True) for p in outcome.problems}


def problem_text(meeting: Meeting, problem: GroupProblem, *, in_form: bool) -> str:
    """One problem in words.  A modal shows no mentions, so the form's are plain text."""
    match problem.code:
        case "name_missing":
            return "Give the group a name."
        case "name_too_long":
            return f"A name has at most {NAME_LIMIT} characters."
        case "name_taken":
            existing = problem.existing
            assert existing is not None
            channel = f" (<#{existing.channel}>)" if existing.channel and not in_form else ""
            return (
                f"{meeting.title} already has a drafting group named “{existing.name}”"
                f"{channel}. Choose another name."
            )
        case "no_such_item":
            return f"{meeting.title} has no agenda item {problem.item_number}."
        case "topic_missing":
            return "Choose the agenda item the group works on, or write its topic."
        case "topic_too_long":
            return f"A topic has at most {TOPIC_LIMIT} characters."
        case "purpose_too_long":
            return f"The purpose has at most {PURPOSE_LIMIT} characters."
        case "no_members":
            return "Choose at least one member."
        case "not_on_roster":
            return _not_on_roster(meeting, problem.users, plain=in_form)


def _not_on_roster(meeting: Meeting, unknown: tuple[str, ...], *, plain: bool) -> str:
    if plain:  # a modal shows no mentions: the list of names chosen is right above
        count = "One person" if len(unknown) == 1 else f"{len(unknown)} people"
        return (
            f"{count} chosen {'is' if len(unknown) == 1 else 'are'} not on the roster of "
            f"{meeting.title}: only registered participants can be members."
        )
    return (
        f"Not on the roster of {meeting.title}: {_people(unknown)}. Only registered "
        "participants can be members."
    )


def _people(user_ids: Sequence[str]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


SET_UP_STEPS: dict[SetUpStep, str] = {
    "create_channel": "creating the private channel",
    "invite": "inviting the members",
    "welcome": "posting the welcome",
    "link": "posting the link",
}


def set_up_failure(step: SetUpStep, slack_error: str) -> str:
    """The failed step and Slack's error, as the group's note keeps it and the report says it."""
    return f"{SET_UP_STEPS[step]}: {slack_error}"


def set_up_error(report: SetUpReport) -> str:
    """The failure in `report`, or "" when none."""
    if report.failed_step is None:
        return ""
    return set_up_failure(report.failed_step, report.slack_error)


def set_up_text(report: SetUpReport) -> str:
    """The private report to the convener once the set-up has run."""
    name = escape(report.name)
    if report.outcome != "done":
        return (
            f":warning: The drafting group “{name}” is not set up yet: Slack refused "
            f"{set_up_error(report)}. Nothing is lost: run the same `/group` again to finish it."
        )
    number = report.linked_item
    linked_in = f"item {number}'s thread" if number is not None else "the meeting channel"
    text = (
        f":white_check_mark: The drafting group “{name}” is ready in <#{report.channel}> "
        f"(private), linked from {linked_in}. Invited: "
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
    meeting: Meeting, items: Sequence[AgendaItem], *, item_number: int | None = None
) -> dict[str, Any]:
    """The secretariat's form: name, item (or a topic), members, purpose."""
    options = [
        {"text": plain(f"{i.number}. {i.title}", 75), "value": str(i.number)}
        for i in items[:ITEM_OPTIONS]
    ]
    item_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": ITEM,
        "placeholder": plain("An agenda item"),
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
            "label": plain(label),
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
            "label": plain("Agenda item"),
            "element": item_select,
        },
        text_input(
            TOPIC,
            "Topic",
            limit=160,
            optional=True,
            placeholder=plain("Without an item: what the group drafts"),
        ),
        {
            "type": "input",
            "block_id": MEMBERS,
            "label": plain("Members"),
            "element": {"type": "multi_users_select", "action_id": MEMBERS},
            "hint": plain("Registered participants; you are invited too."),
        },
        text_input(PURPOSE, "Purpose", limit=1000, optional=True, multiline=True),
    ]
    return {
        "type": "modal",
        "callback_id": GROUP_FORM,
        "private_metadata": json.dumps({"meeting_id": meeting.id}),
        "title": plain("Drafting group", 24),
        "submit": plain("Set up"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def read_group_form(view: dict[str, Any]) -> tuple[int | None, GroupRequest]:
    """(meeting id, the request) from a submitted form, unchecked."""
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
    )
    return (meeting_id if isinstance(meeting_id, int) else None), request
