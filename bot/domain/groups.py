"""Drafting mini-groups: the secretariat sets up a group of named members for an agenda item or a
free topic; the bot creates a private channel, invites them, welcomes them there and links the
channel from the item's thread.

Two halves, as everywhere in Docket.  `create_group` runs inside the acknowledgement (the slash
command's or the modal's): it checks everything, then writes the group and its members, or
nothing.  `set_up_group` runs after it and makes the Web API calls.  It claims the group first
(a conditional UPDATE, committed before any call) and stores each step's result as soon as Slack
gives it (the channel id, each invitation, the welcome, the link), so a retry, a double submit or
a second worker resumes where the first stopped and never creates a second channel.  A claim
left by a worker that died is taken again after CLAIM_TIMEOUT.

The messages written in the group's channel are recorded by `bot/group_capture.py`.
"""

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, and_, or_, update
from sqlmodel import Session, col, select

from bot.core.db import insert_or_ignore, session_scope
from bot.domain.audit import record_audit
from bot.domain.meetings import find_item, list_items
from bot.domain.session_end import refuse_unless_secretariat
from bot.views.groups import (
    USAGE,
    GroupMemberName,
    group_list,
    group_modal,
    link_message,
    member_name,
    usage,
    welcome_message,
)
from bot.views.messages import SlackMessage
from models import (
    AgendaItem,
    Delegation,
    DraftingGroup,
    DraftingGroupMember,
    Meeting,
    Participant,
)

ACTION = "group"  # the audit log's action, as for the other secretariat commands
CLAIM_TIMEOUT = timedelta(minutes=5)
NAME_LIMIT = 80  # characters of a group's name
PURPOSE_LIMIT = 1000
CHANNEL_LIMIT = 80  # Slack's limit on a channel name
NAME_ATTEMPTS = 20  # name, name-2 ... name-20: past that, the clash is not a coincidence

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
USER_GROUP = re.compile(r"<!subteam\^[A-Z0-9]+(?:\|[^>]*)?>")
# Typed double quotes, and the curly ones phones and macOS substitute for them (a single quote
# is left alone: it is an apostrophe too often, as in "Members' rules").
QUOTES = {'"': '"', "\u201c": "\u201d", "\u201d": "\u201d", "\u201e": "\u201c", "«": "»"}


# -- what the secretariat asked for -------------------------------------------------------------


@dataclass(frozen=True)
class GroupRequest:
    """A parsed `/group` (or a submitted form).

    `action`: create, form (open the modal, `item_number` prefilled), list, or help (`error`
    says what could not be read, when that is why).
    """

    action: str
    name: str = ""
    item_number: int | None = None
    topic: str = ""
    members: tuple[str, ...] = ()
    purpose: str = ""
    error: str = ""
    from_form: bool = False  # errors go under the modal's fields, in plain text


def parse_group(text: str) -> GroupRequest:
    """`/group [N] ["name"|name] @member … [purpose]`; `/group` or `/group N` opens the form.

    Slack sends each mention as `<@U123|name>` (the command escapes them).  Without a number the
    group works on a free topic: its name.
    """
    text = " ".join(text.split())
    if not text:
        return GroupRequest("form")
    if text.lower() in ("help", "?"):
        return GroupRequest("help")
    if text.lower() == "list":
        return GroupRequest("list")
    number: int | None = None
    leading = re.match(r"(\d+)(?:\s+|$)", text)
    if leading:
        number, text = int(leading.group(1)), text[leading.end() :]
        if not text:
            return GroupRequest("form", item_number=number)
    if USER_GROUP.search(text):
        return GroupRequest(
            "help", error="Name each member with their own @mention: user groups are not expanded."
        )
    name, rest = _read_name(text)
    members = tuple(dict.fromkeys(MENTION.findall(rest)))
    purpose = " ".join(MENTION.sub(" ", rest).split()).lstrip("-\u2013\u2014:; ").strip()
    if not name:
        return GroupRequest("help", error="Give the group a name before its members.")
    if not members:
        error = "Name the members with @mentions."
        if "@" in rest or "@" in name:
            error = (
                "The members could not be read: pick each one from the list Slack shows as you "
                "type @, so that the name becomes a mention."
            )
        return GroupRequest("help", error=error)
    topic = "" if number is not None else name
    return GroupRequest("create", name, number, topic, members, purpose)


def _read_name(text: str) -> tuple[str, str]:
    """The quoted name, or everything before the first mention; and what follows it."""
    close = QUOTES.get(text[:1])
    if close is not None:
        end = text.find(close, 1)
        if end > 0:
            return " ".join(text[1:end].split()), text[end + 1 :]
    first = MENTION.search(text)
    if first is None:
        return "", text
    return text[: first.start()].strip(), text[first.start() :]


# -- creating a group (inside the acknowledgement) ----------------------------------------------


@dataclass(frozen=True)
class GroupOutcome:
    """What `create_group` did.  `errors` maps the form's fields (name, item, topic, members,
    purpose) to what is wrong with them; `reply` is the private answer to a command."""

    outcome: str  # created | resumed | exists | invalid | refused
    group: DraftingGroup | None = None
    reply: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def create_group(
    session: Session, *, meeting: Meeting, user_id: str, request: GroupRequest, now: datetime
) -> GroupOutcome:
    """Write the group and its members, or nothing: the secretariat only, everything checked.

    Asking again for a group whose set-up never finished (Slack refused, or a worker died)
    resumes that set-up rather than refusing the name.
    """
    assert meeting.id is not None
    refusal = refuse_unless_secretariat(
        session, meeting=meeting, user_id=user_id, action=ACTION, now=now
    )
    if refusal is not None:
        return GroupOutcome("refused", reply=refusal)
    errors: dict[str, str] = {}
    name = " ".join(request.name.split())
    if not name:
        errors["name"] = "Give the group a name."
    elif len(name) > NAME_LIMIT:
        errors["name"] = f"A name has at most {NAME_LIMIT} characters."
    item: AgendaItem | None = None
    if request.item_number is not None:
        item = find_item(session, meeting_id=meeting.id, number=request.item_number)
        if item is None:
            errors["item"] = f"{meeting.title} has no agenda item {request.item_number}."
    topic = " ".join(request.topic.split())
    if request.item_number is None and not topic:
        errors["topic"] = "Choose the agenda item the group works on, or write its topic."
    elif len(topic) > NAME_LIMIT * 2:
        errors["topic"] = f"A topic has at most {NAME_LIMIT * 2} characters."
    purpose = request.purpose.strip()
    if len(purpose) > PURPOSE_LIMIT:
        errors["purpose"] = f"The purpose has at most {PURPOSE_LIMIT} characters."
    members = list(dict.fromkeys(request.members))
    found = _participants(session, meeting_id=meeting.id, user_ids=[*members, user_id])
    if not members:
        errors["members"] = "Choose at least one member."
    elif unknown := [m for m in members if m not in found]:
        errors["members"] = _not_on_roster(meeting, unknown, plain=request.from_form)
    slug = group_slug(name) if name else ""
    existing = _group_by_slug(session, meeting_id=meeting.id, slug=slug) if slug else None
    if existing is not None and "name" not in errors:
        if existing.set_up_at is None:
            return GroupOutcome("resumed", existing, _resumed(existing))
        errors["name"] = (
            f"{meeting.title} already has a drafting group named “{existing.name}”"
            + (f" (<#{existing.channel}>)" if existing.channel and not request.from_form else "")
            + ". Choose another name."
        )
    if errors:
        return GroupOutcome("invalid", reply=_invalid(errors), errors=errors)

    inserted = insert_or_ignore(
        session,
        DraftingGroup,
        {
            "meeting_id": meeting.id,
            "item_id": item.id if item is not None else None,
            "topic": topic,
            "name": name,
            "slug": slug,
            "purpose": purpose,
            "created_by": user_id,
            "created_at": now,
            "note": "",
        },
        ["meeting_id", "slug"],
    )
    group = _group_by_slug(session, meeting_id=meeting.id, slug=slug)
    assert group is not None and group.id is not None
    if not inserted:  # the same group submitted twice at once: the other request made it
        return GroupOutcome("resumed", group, _resumed(group))
    # The convener (the secretariat member setting it up) is invited too, last.
    for position, member in enumerate(dict.fromkeys([*members, user_id])):
        participant = found[member]
        session.add(
            DraftingGroupMember(
                group_id=group.id,
                participant_id=participant.id or 0,
                user_id=member,
                position=position,
            )
        )
    about = f"item {item.number}" if item is not None else f"topic “{topic}”"
    record_audit(
        session,
        now=now,
        actor=user_id,
        action=ACTION,
        meeting_id=meeting.id,
        detail=f"group {group.id} “{name}” on {about}: " + ", ".join(members),
    )
    session.flush()
    where = f"item {item.number}'s thread" if item is not None else "the meeting channel"
    reply = (
        f"Setting up the drafting group “{name}”: a private channel for "
        f"{_people(members)} and you, linked from {where}. I will tell you here when it is ready."
    )
    return GroupOutcome("created", group, reply)


def _participants(
    session: Session, *, meeting_id: int, user_ids: list[str]
) -> dict[str, Participant]:
    rows = session.exec(
        select(Participant).where(
            Participant.meeting_id == meeting_id,
            col(Participant.user_id).in_(user_ids),
            col(Participant.active),
        )
    )
    return {p.user_id: p for p in rows}


def _group_by_slug(session: Session, *, meeting_id: int, slug: str) -> DraftingGroup | None:
    return session.exec(
        select(DraftingGroup).where(
            DraftingGroup.meeting_id == meeting_id, DraftingGroup.slug == slug
        )
    ).first()


def _not_on_roster(meeting: Meeting, unknown: list[str], *, plain: bool) -> str:
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


def _people(user_ids: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


def _resumed(group: DraftingGroup) -> str:
    return (
        f"The drafting group “{group.name}” exists but its set-up had not finished: finishing "
        "it now, with the members first named. I will tell you here when it is ready."
    )


def _invalid(errors: dict[str, str]) -> str:
    return "Nothing was set up:\n" + "\n".join(f"• {message}" for message in errors.values())


def group_slug(name: str) -> str:
    """The name folded to what a channel name may hold (ASCII letters, digits, hyphens).

    A name with nothing foldable (e.g. only CJK characters) gets a stable stem from its hash.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    if slug:
        return slug
    return "group-" + hashlib.sha256(name.casefold().encode()).hexdigest()[:8]


def channel_name(meeting_key: str, slug: str, attempt: int = 1) -> str:
    """`ptc-2020-rules-of-procedure`, then `…-2`, `…-3` after a clash: the meeting's key first,
    so the workspace sees which meeting a private channel belongs to."""
    prefix = group_slug(meeting_key)
    suffix = "" if attempt == 1 else f"-{attempt}"
    stem = f"{prefix}-{slug}" if not prefix.startswith("group-") else slug
    return stem[: CHANNEL_LIMIT - len(suffix)].rstrip("-") + suffix


# -- setting the channel up (after the acknowledgement) -----------------------------------------


@dataclass(frozen=True)
class SetUpReport:
    """What `set_up_group` did, for the private report to the convener."""

    outcome: str  # done | busy | failed | missing
    group_id: int
    name: str = ""
    creator: str = ""
    channel: str | None = None
    invited: tuple[str, ...] = ()
    not_invited: tuple[tuple[str, str], ...] = ()  # (user, Slack's error)
    linked_in: str = ""  # "item 11's thread" or "the meeting channel"
    error: str = ""  # the step that failed and Slack's error


@dataclass(frozen=True)
class _Plan:
    group: DraftingGroup
    meeting: Meeting
    item: AgendaItem | None
    members: list[tuple[DraftingGroupMember, Participant, Delegation | None]]


class _StepFailed(Exception):
    def __init__(self, step: str, error: str) -> None:
        super().__init__(f"{step}: {error}")
        self.step, self.error = step, error


def set_up_group(
    engine: Engine,
    client: WebClient,
    *,
    group_id: int,
    now: datetime,
) -> SetUpReport:
    """Create the private channel, invite the members, welcome them, link the channel."""
    token = _claim(engine, group_id=group_id, now=now)
    if token is None:
        return SetUpReport("busy", group_id)  # finished already, or another worker holds it
    with session_scope(engine, read_only=True) as session:
        plan = _load(session, group_id)
    if plan is None:
        return SetUpReport("missing", group_id)
    group = plan.group
    try:
        channel = group.channel or _create_channel(engine, client, plan, token)
        invited, failed = _invite(engine, client, plan, channel, now)
        members = plan.members
        if group.welcome_ts is None:
            message = welcome_message(plan.meeting, group, plan.item, _names(members))
            ts = _post(client, "welcome", channel=channel, message=message)
            _store(engine, group_id, token, welcome_ts=ts)
        target, thread_ts, linked_in = _link_target(plan)
        if group.link_ts is None:
            message = link_message(group, channel, plan.item, _names(members))
            ts = _post(client, "link", channel=target, message=message, thread_ts=thread_ts)
            _store(engine, group_id, token, link_ts=ts)
    except _StepFailed as failure:
        _release(engine, group_id, token, note=str(failure))
        return SetUpReport(
            "failed", group_id, group.name, group.created_by, group.channel, error=str(failure)
        )
    _store(engine, group_id, token, set_up_at=now, claim_token=None, claimed_at=None, note="")
    return SetUpReport(
        "done",
        group_id,
        group.name,
        group.created_by,
        channel,
        invited=tuple(invited),
        not_invited=tuple(failed),
        linked_in=linked_in,
    )


def _claim(engine: Engine, *, group_id: int, now: datetime) -> str | None:
    token = secrets.token_hex(8)
    stale = now - CLAIM_TIMEOUT
    with session_scope(engine) as session:
        result: Any = session.execute(
            update(DraftingGroup)
            .where(
                col(DraftingGroup.id) == group_id,
                col(DraftingGroup.set_up_at).is_(None),
                or_(
                    col(DraftingGroup.claimed_at).is_(None),
                    and_(
                        col(DraftingGroup.claimed_at).is_not(None),
                        col(DraftingGroup.claimed_at) < stale,
                    ),
                ),
            )
            .values(claimed_at=now, claim_token=token)
        )
    return token if result.rowcount == 1 else None


def _store(engine: Engine, group_id: int, token: str, **values: Any) -> None:
    """Keep one step's result at once, in its own transaction, while the claim is ours."""
    with session_scope(engine) as session:
        session.execute(
            update(DraftingGroup)
            .where(col(DraftingGroup.id) == group_id, col(DraftingGroup.claim_token) == token)
            .values(**values)
        )


def _release(engine: Engine, group_id: int, token: str, *, note: str) -> None:
    # Released at once rather than left to go stale: the secretariat may retry straight away.
    _store(engine, group_id, token, claimed_at=None, claim_token=None, note=note)


def _load(session: Session, group_id: int) -> _Plan | None:
    group = session.get(DraftingGroup, group_id)
    if group is None:
        return None
    meeting = session.get(Meeting, group.meeting_id)
    assert meeting is not None
    item = session.get(AgendaItem, group.item_id) if group.item_id is not None else None
    rows = session.exec(
        select(DraftingGroupMember, Participant, Delegation)
        .join(Participant, col(Participant.id) == col(DraftingGroupMember.participant_id))
        .join(Delegation, col(Delegation.id) == col(Participant.delegation_id), isouter=True)
        .where(DraftingGroupMember.group_id == group_id)
        .order_by(col(DraftingGroupMember.position))
    )
    members: list[tuple[DraftingGroupMember, Participant, Delegation | None]] = [
        (m, p, d) for m, p, d in rows
    ]
    return _Plan(group, meeting, item, members)


def _create_channel(engine: Engine, client: WebClient, plan: _Plan, token: str) -> str:
    """conversations.create, suffixing the name while Slack answers name_taken; the channel id is
    stored the moment Slack gives it, so nothing after can lead to a second channel."""
    assert plan.group.id is not None
    for attempt in range(1, NAME_ATTEMPTS + 1):
        name = channel_name(plan.meeting.key, plan.group.slug, attempt)
        try:
            response = client.conversations_create(name=name, is_private=True)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            if error == "name_taken":
                continue
            raise _StepFailed("creating the private channel", error) from exc
        channel = str(response["channel"]["id"])
        _store(engine, plan.group.id, token, channel=channel, channel_name=name)
        return channel
    raise _StepFailed("creating the private channel", "name_taken")


def _invite(
    engine: Engine, client: WebClient, plan: _Plan, channel: str, now: datetime
) -> tuple[list[str], list[tuple[str, str]]]:
    """One invitation per member, so that one refusal (a guest, a deactivated account) neither
    blocks the others nor hides which one failed; already there counts as invited."""
    invited: list[str] = []
    failed: list[tuple[str, str]] = []
    for member, _, _ in plan.members:
        if member.invited_at is not None:
            invited.append(member.user_id)
            continue
        error = ""
        try:
            client.conversations_invite(channel=channel, users=member.user_id)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            if error == "channel_not_found":  # the channel itself is gone: nothing more to do
                raise _StepFailed("inviting the members", error) from exc
            if error == "already_in_channel":
                error = ""
        with session_scope(engine) as session:
            session.execute(
                update(DraftingGroupMember)
                .where(col(DraftingGroupMember.id) == member.id)
                .values(invited_at=None if error else now, invite_error=error)
            )
        if error:
            failed.append((member.user_id, error))
        else:
            invited.append(member.user_id)
    return invited, failed


def _post(
    client: WebClient,
    step: str,
    *,
    channel: str,
    message: SlackMessage,
    thread_ts: str | None = None,
) -> str:
    try:
        response = client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts,
            unfurl_links=False,
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        raise _StepFailed(f"posting the {step}", error) from exc
    return str(response["ts"])


def _names(
    members: list[tuple[DraftingGroupMember, Participant, Delegation | None]],
) -> list[GroupMemberName]:
    return [member_name(p, d) for _, p, d in members]


def _link_target(plan: _Plan) -> tuple[str, str | None, str]:
    """The item's thread when the item is posted; else the meeting channel."""
    item = plan.item
    if item is not None and item.post_channel and item.post_ts:
        return item.post_channel, item.post_ts, f"item {item.number}'s thread"
    return plan.meeting.channel, None, "the meeting channel"


# -- finding groups -----------------------------------------------------------------------------


def meeting_groups(
    session: Session, *, meeting_id: int
) -> list[tuple[DraftingGroup, AgendaItem | None]]:
    rows = session.exec(
        select(DraftingGroup, AgendaItem)
        .join(AgendaItem, col(AgendaItem.id) == col(DraftingGroup.item_id), isouter=True)
        .where(DraftingGroup.meeting_id == meeting_id)
        .order_by(col(DraftingGroup.created_at), col(DraftingGroup.id))
    )
    return [(g, i) for g, i in rows]


def group_of_channel(session: Session, *, channel: str) -> DraftingGroup | None:
    if not channel:
        return None
    return session.exec(select(DraftingGroup).where(DraftingGroup.channel == channel)).first()


# -- the command as a whole ---------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCommand:
    """The answer to `/group`: a private reply, or a form to open, and a group to set up."""

    reply: str = ""
    form: dict[str, Any] | None = None
    set_up: int | None = None  # the group whose channel to set up after the acknowledgement


def group_command(
    session: Session, *, meeting: Meeting, user_id: str, request: GroupRequest, now: datetime
) -> GroupCommand:
    """Every form of `/group`, the secretariat's only: anyone else is refused and audited."""
    assert meeting.id is not None
    if request.action != "create":
        refusal = refuse_unless_secretariat(
            session, meeting=meeting, user_id=user_id, action=ACTION, now=now
        )
        if refusal is not None:
            return GroupCommand(refusal)
    if request.action == "form":
        items = list_items(session, meeting_id=meeting.id)
        if request.item_number is not None and all(i.number != request.item_number for i in items):
            return GroupCommand(usage(f"{meeting.title} has no agenda item {request.item_number}."))
        return GroupCommand(form=group_modal(meeting, items, item_number=request.item_number))
    if request.action == "list":
        return GroupCommand(group_list(meeting, meeting_groups(session, meeting_id=meeting.id)))
    if request.action == "help":
        return GroupCommand(usage(request.error))
    outcome = create_group(session, meeting=meeting, user_id=user_id, request=request, now=now)
    if outcome.outcome in ("created", "resumed") and outcome.group is not None:
        return GroupCommand(outcome.reply, set_up=outcome.group.id)
    if outcome.outcome == "invalid":
        return GroupCommand(f"{outcome.reply}\n\n{USAGE}")
    return GroupCommand(outcome.reply)
