"""Block Kit and text for drafting groups: the form, the welcome, the link, the answers.

Pure builders: domain values in (bot/domain/groups.py's outcomes and rows), views, blocks or
text out, in the active language (bot/views/i18n.py): the welcome and the link are read by
several people and rendered by their callers in every meeting language, the rest is private.
The form's block ids are the field names `bot.domain.groups.GroupProblem` is under.
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
from bot.views.i18n import N_, _, ngettext, text_of
from bot.views.messages import SlackMessage, escape
from bot.views.refusals import refusal_text
from models import AgendaItem, Delegation, DraftingGroup, Meeting, Participant

GROUP_FORM = "drafting_group"  # the modal's callback_id
NAME, ITEM, TOPIC, MEMBERS, PURPOSE = "name", "item", "topic", "members", "purpose"
ITEM_OPTIONS = 100  # Slack's limit on a static select's options
# The English texts; `expired_form_text()` and `usage()` say them in the active language.
EXPIRED_FORM = N_("This form is out of date: run /group again.")  # its meeting is gone

USAGE = N_("""*/group*: set up a drafting group in a private channel (secretariat only).
• `/group`: the form (name, agenda item or topic, members, purpose)
• `/group 11`: the form, for item 11
• `/group 11 "Rules of procedure" @member @member … [purpose]`: at once, on item 11
• `/group "Customs and pandemics" @member … [purpose]`: on a free topic, its name
• `/group list`: the meeting's drafting groups
The members must be on the meeting's roster; you are invited too. Everything the members write \
in the group's channel is recorded under the group in the summary record.""")

# The chair and the secretariat speak for no delegation: their role's name is shown instead.
ROLE_NAMES = {"chair": N_("Chair"), "secretariat": N_("Secretariat")}


@dataclass(frozen=True)
class GroupMemberName:
    user_id: str
    delegation: str  # the delegation's name, or "Chair" / "Secretariat"
    role: str


def member_name(participant: Participant, delegation: Delegation | None) -> GroupMemberName:
    name, _kind = attribution(participant.role, delegation)
    return GroupMemberName(participant.user_id, name, participant.role)


def expired_form_text() -> str:
    """Under the form's name when the form's meeting is gone."""
    return _(EXPIRED_FORM)


def _about(group: DraftingGroup, item: AgendaItem | None) -> str:
    if item is not None:
        topic = f" ({escape(group.topic)})" if group.topic else ""
        about = _(
            "item {number}: {title}", number=item.number, title=escape(text_of(item, "title"))
        )
        return f"{about}{topic}"
    return escape(group.topic)


def _roll(members: list[GroupMemberName]) -> str:
    return ", ".join(f"<@{m.user_id}> ({escape(_speaks_for(m))})" for m in members)


def _speaks_for(member: GroupMemberName) -> str:
    role = ROLE_NAMES.get(member.role)
    return _(role) if role is not None else member.delegation


def _linked_from(item_number: int | None) -> str:
    if item_number is not None:
        return _("item {number}'s thread", number=item_number)
    return _("the meeting channel")


# -- in Slack --------------------------------------------------------------------------------------


def welcome_message(
    meeting: Meeting,
    group: DraftingGroup,
    item: AgendaItem | None,
    members: list[GroupMemberName],
) -> SlackMessage:
    """The first message in the group's channel: what the group is for and how it is recorded."""
    head = _(
        ":writing_hand: *Drafting group “{name}”* of {meeting}, on {about}. Set up by <@{user}>.",
        name=escape(group.name),
        meeting=escape(text_of(meeting, "title")),
        about=_about(group, item),
        user=group.created_by,
    )
    lines = [head]
    if group.purpose:
        lines.append(_("*Purpose:* {purpose}", purpose=escape(group.purpose)))
    lines.append(_("*Members:* {members}", members=_roll(members)))
    note = _(
        "Everything the members write here, messages and thread replies, is recorded under the "
        "group in the meeting's summary record: edits keep every version and a deleted message "
        "is marked withdrawn. Messages from anyone else are kept aside. The group's drafting is "
        "not a delegation's formal comment: comment on the item in its thread."
    )
    text = "\n".join(lines)
    return SlackMessage(
        text=_(
            "Drafting group “{name}”: {purpose}",
            name=group.name,
            purpose=group.purpose or _("welcome"),
        ),
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
    if item is not None:
        text = _(
            ":busts_in_silhouette: A drafting group, *{name}*, works on this item in "
            "<#{channel}> (private). Members: {members}.",
            name=escape(group.name),
            channel=channel,
            members=_roll(members),
        )
    else:
        text = _(
            ":busts_in_silhouette: A drafting group, *{name}*, works on {topic} in "
            "<#{channel}> (private). Members: {members}.",
            name=escape(group.name),
            topic=escape(group.topic),
            channel=channel,
            members=_roll(members),
        )
    if group.purpose:
        text += "\n" + _("*Purpose:* {purpose}", purpose=escape(group.purpose))
    return SlackMessage(
        text=_("Drafting group “{name}” set up in a private channel.", name=group.name),
        blocks=sections(text),
    )


def usage(error: str = "") -> str:
    return f"{error}\n\n{_(USAGE)}" if error else _(USAGE)


PARSE_ERRORS: dict[GroupParseError, str] = {
    "user_group": N_("Name each member with their own @mention: user groups are not expanded."),
    "no_name": N_("Give the group a name before its members."),
    "no_members": N_("Name the members with @mentions."),
    "unreadable_members": N_(
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
            return usage(_no_such_item(meeting, command.request.item_number))
        case "list":
            return group_list(meeting, list(command.groups))
        case "help":
            error = command.request.error
            return usage(_(PARSE_ERRORS[error]) if error is not None else "")
        case "create":
            assert command.created is not None
            return created_reply(meeting, command.created)
        case "form":  # answered by opening the form, not in words
            return ""


def _no_such_item(meeting: Meeting, number: int | None) -> str:
    return _(
        "{meeting} has no agenda item {number}.",
        meeting=text_of(meeting, "title"),
        number=number,
    )


def created_reply(meeting: Meeting, outcome: GroupOutcome) -> str:
    """The private answer to a one-line `/group`: what is being set up, or why nothing is."""
    match outcome.outcome:
        case "created":
            assert outcome.group is not None
            item = outcome.item
            return _(
                "Setting up the drafting group “{name}”: a private channel for {people} and you, "
                "linked from {where}. I will tell you here when it is ready.",
                name=outcome.group.name,
                people=_people(outcome.members),
                where=_linked_from(item.number if item is not None else None),
            )
        case "resumed":
            assert outcome.group is not None
            return _(
                "The drafting group “{name}” exists but its set-up had not finished: finishing "
                "it now, with the members first named. I will tell you here when it is ready.",
                name=outcome.group.name,
            )
        case "invalid":
            lines = [f"• {problem_text(meeting, p, in_form=False)}" for p in outcome.problems]
            return _("Nothing was set up:") + "\n" + "\n".join(lines) + f"\n\n{usage()}"
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
            return _("Give the group a name.")
        case "name_too_long":
            return _("A name has at most {limit} characters.", limit=NAME_LIMIT)
        case "name_taken":
            existing = problem.existing
            assert existing is not None
            channel = f" (<#{existing.channel}>)" if existing.channel and not in_form else ""
            return _(
                "{meeting} already has a drafting group named “{name}”{channel}. Choose another "
                "name.",
                meeting=text_of(meeting, "title"),
                name=existing.name,
                channel=channel,
            )
        case "no_such_item":
            return _no_such_item(meeting, problem.item_number)
        case "topic_missing":
            return _("Choose the agenda item the group works on, or write its topic.")
        case "topic_too_long":
            return _("A topic has at most {limit} characters.", limit=TOPIC_LIMIT)
        case "purpose_too_long":
            return _("The purpose has at most {limit} characters.", limit=PURPOSE_LIMIT)
        case "no_members":
            return _("Choose at least one member.")
        case "not_on_roster":
            return _not_on_roster(meeting, problem.users, plain=in_form)


def _not_on_roster(meeting: Meeting, unknown: tuple[str, ...], *, plain: bool) -> str:
    title = text_of(meeting, "title")
    if plain:  # a modal shows no mentions: the list of names chosen is right above
        return ngettext(
            "One person chosen is not on the roster of {meeting}: only registered participants "
            "can be members.",
            "{count} people chosen are not on the roster of {meeting}: only registered "
            "participants can be members.",
            len(unknown),
            meeting=title,
        )
    return _(
        "Not on the roster of {meeting}: {people}. Only registered participants can be members.",
        meeting=title,
        people=_people(unknown),
    )


def _people(user_ids: Sequence[str]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


SET_UP_STEPS: dict[SetUpStep, str] = {
    "create_channel": N_("creating the private channel"),
    "invite": N_("inviting the members"),
    "welcome": N_("posting the welcome"),
    "link": N_("posting the link"),
}


def set_up_failure(step: SetUpStep, slack_error: str) -> str:
    """The failed step and Slack's error, as the group's note keeps it and the report says it."""
    return _("{step}: {error}", step=_(SET_UP_STEPS[step]), error=slack_error)


def set_up_error(report: SetUpReport) -> str:
    """The failure in `report`, or "" when none."""
    if report.failed_step is None:
        return ""
    return set_up_failure(report.failed_step, report.slack_error)


def set_up_text(report: SetUpReport) -> str:
    """The private report to the convener once the set-up has run."""
    name = escape(report.name)
    if report.outcome != "done":
        return _(
            ":warning: The drafting group “{name}” is not set up yet: Slack refused {error}. "
            "Nothing is lost: run the same `/group` again to finish it.",
            name=name,
            error=set_up_error(report),
        )
    text = _(
        ":white_check_mark: The drafting group “{name}” is ready in <#{channel}> (private), "
        "linked from {where}. Invited: {invited}.",
        name=name,
        channel=report.channel,
        where=_linked_from(report.linked_item),
        invited=_people(report.invited) or _("nobody"),
    )
    if report.not_invited:
        failed = ", ".join(f"<@{u}> ({error})" for u, error in report.not_invited)
        text += "\n" + _(
            "Slack would not invite {people}: add them to the channel by hand.", people=failed
        )
    return text


def group_list(meeting: Meeting, groups: list[tuple[DraftingGroup, AgendaItem | None]]) -> str:
    title = escape(text_of(meeting, "title"))
    if not groups:
        return _("{meeting} has no drafting groups yet. `/group help` says how.", meeting=title)
    lines = [_("*Drafting groups of {meeting}*", meeting=title)]
    for group, item in groups:
        where = f"<#{group.channel}>" if group.channel else _("no channel yet")
        state = "" if group.set_up_at else " " + _("(set-up not finished: run its `/group` again)")
        lines.append(
            _(
                "• *{name}*, on {about}: {where}",
                name=escape(group.name),
                about=_about(group, item),
                where=where,
            )
            + state
        )
    return "\n".join(lines)


def outsider_notice(group_name: str, secretariat: tuple[str, ...]) -> str:
    """To someone who writes in a group's channel without being a member of the group."""
    if not secretariat:
        return _(
            "Your message is kept, but apart: only the members of the drafting group “{name}” "
            "write its record. Ask the secretariat if you should be a member.",
            name=escape(group_name),
        )
    return _(
        "Your message is kept, but apart: only the members of the drafting group “{name}” write "
        "its record. Ask {ask} if you should be a member.",
        name=escape(group_name),
        ask=_people(secretariat),
    )


# -- the form --------------------------------------------------------------------------------------


def group_modal(
    meeting: Meeting, items: Sequence[AgendaItem], *, item_number: int | None = None
) -> dict[str, Any]:
    """The secretariat's form: name, item (or a topic), members, purpose."""
    options = [
        {"text": plain(f"{i.number}. {text_of(i, 'title')}", 75), "value": str(i.number)}
        for i in items[:ITEM_OPTIONS]
    ]
    item_select: dict[str, Any] = {
        "type": "static_select",
        "action_id": ITEM,
        "placeholder": plain(_("An agenda item")),
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
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{escape(text_of(meeting, 'title'))}*"},
        },
        text_input(NAME, _("Name"), limit=80, optional=False),
        {
            "type": "input",
            "block_id": ITEM,
            "optional": True,
            "label": plain(_("Agenda item")),
            "element": item_select,
        },
        text_input(
            TOPIC,
            _("Topic"),
            limit=160,
            optional=True,
            placeholder=plain(_("Without an item: what the group drafts")),
        ),
        {
            "type": "input",
            "block_id": MEMBERS,
            "label": plain(_("Members")),
            "element": {"type": "multi_users_select", "action_id": MEMBERS},
            "hint": plain(_("Registered participants; you are invited too.")),
        },
        text_input(PURPOSE, _("Purpose"), limit=1000, optional=True, multiline=True),
    ]
    return {
        "type": "modal",
        "callback_id": GROUP_FORM,
        "private_metadata": json.dumps({"meeting_id": meeting.id}),
        "title": plain(_("Drafting group"), 24),
        "submit": plain(_("Set up")),
        "close": plain(_("Cancel")),
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
