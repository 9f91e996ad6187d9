"""Setting a drafting group up in Slack: the private channel, the invitations, the welcome and
the link from the item's thread.

Not a scheduled job: the `/group` handler runs it right after its acknowledgement.  It lives with
the clock because it works as the jobs do: it claims the group first (a conditional UPDATE,
committed before any call) and stores each step's result as soon as Slack gives it (the channel
id, each invitation, the welcome, the link), so a retry, a double submit or a second worker
resumes where the first stopped and never creates a second channel.  A claim left by a worker
that died is taken again after the claim timeout (`claimable`, bot/clock/claims.py).
"""

import secrets
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, update
from sqlmodel import col

from bot.clock.claims import claimable
from bot.core.db import session_scope
from bot.domain.groups import (
    GroupPlan,
    SetUpReport,
    SetUpStep,
    channel_name,
    link_target,
    set_up_plan,
)
from bot.domain.languages import meeting_languages
from bot.views.groups import (
    GroupMemberName,
    link_message,
    member_name,
    set_up_failure,
    welcome_message,
)
from bot.views.i18n import in_languages
from bot.views.messages import SlackMessage
from models import DraftingGroup, DraftingGroupMember

NAME_ATTEMPTS = 20  # name, name-2 ... name-20: past that, the clash is not a coincidence


class _StepFailed(Exception):
    def __init__(self, step: SetUpStep, error: str) -> None:
        super().__init__(set_up_failure(step, error))
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
        plan = set_up_plan(session, group_id)
    if plan is None:
        return SetUpReport("missing", group_id)
    group = plan.group
    # The welcome is read by several people and the link is in the item's thread or the meeting
    # channel: both in every meeting language, in one message.
    languages = meeting_languages(plan.meeting)
    try:
        channel = group.channel or _create_channel(engine, client, plan, token)
        invited, failed = _invite(engine, client, plan, channel, now)
        if group.welcome_ts is None:
            message = in_languages(
                languages, lambda: welcome_message(plan.meeting, group, plan.item, _names(plan))
            )
            ts = _post(client, "welcome", channel=channel, message=message)
            _store(engine, group_id, token, welcome_ts=ts)
        target = link_target(plan)
        if group.link_ts is None:
            message = in_languages(
                languages, lambda: link_message(group, channel, plan.item, _names(plan))
            )
            ts = _post(
                client, "link", channel=target.channel, message=message, thread_ts=target.thread_ts
            )
            _store(engine, group_id, token, link_ts=ts)
    except _StepFailed as failure:
        _release(engine, group_id, token, note=str(failure))
        return SetUpReport(
            "failed",
            group_id,
            group.name,
            group.created_by,
            group.channel,
            failed_step=failure.step,
            slack_error=failure.error,
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
        linked_item=target.item_number,
    )


def _claim(engine: Engine, *, group_id: int, now: datetime) -> str | None:
    token = secrets.token_hex(8)
    with session_scope(engine) as session:
        result: Any = session.execute(
            update(DraftingGroup)
            .where(
                col(DraftingGroup.id) == group_id,
                col(DraftingGroup.set_up_at).is_(None),
                claimable(DraftingGroup.claimed_at, now=now),
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


def _create_channel(engine: Engine, client: WebClient, plan: GroupPlan, token: str) -> str:
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
            raise _StepFailed("create_channel", error) from exc
        channel = str(response["channel"]["id"])
        _store(engine, plan.group.id, token, channel=channel, channel_name=name)
        return channel
    raise _StepFailed("create_channel", "name_taken")


def _invite(
    engine: Engine, client: WebClient, plan: GroupPlan, channel: str, now: datetime
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
                raise _StepFailed("invite", error) from exc
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
    step: SetUpStep,
    *,
    channel: str,
    message: SlackMessage,
    thread_ts: str | None = None,
) -> str:
    """Post `message` (and its continuations, when it needed more than one); the first's ts."""
    first = ""
    for part in message.parts():
        try:
            response = client.chat_postMessage(
                channel=channel,
                text=part.text,
                blocks=part.blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            raise _StepFailed(step, error) from exc
        first = first or str(response["ts"])
    return first


def _names(plan: GroupPlan) -> list[GroupMemberName]:
    return [member_name(p, d) for _, p, d in plan.members]
