"""Setting a drafting group up in Slack: the private channel, the invitations, the welcome and
the link from the item's thread.

The `/group` handler runs it right after its acknowledgement.  It lives with the clock because
it works as the jobs do: it claims the group first (a conditional UPDATE, committed before any
call) and stores each step's result as soon as Slack gives it (the channel id, each invitation,
the welcome, the link), so a retry, a double submit or a second worker resumes where the first
stopped and never creates a second channel.  A claim left by a worker that died is taken again
after the claim timeout (`claimable`, bot/clock/claims.py): by the clock's beat
(`resume_set_ups`, which tells the convener how it ended) or by the next `/group`.

The welcome and the link carry Slack message metadata naming the group and the post
(`group:<id>:welcome`, `group:<id>:link`, and the part for a continuation).  A worker may die,
or lose Slack's answer, after Slack made a post and before its ts was stored; the worker that
takes its claim over looks for each post in the channel (or the item's thread) first and stores
the ts it finds instead of posting it a second time.
"""

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, select, update
from sqlmodel import col

from bot.clock.claims import claim_timeout, claimable
from bot.core.db import session_scope
from bot.domain.groups import (
    GroupPlan,
    SetUpReport,
    SetUpStep,
    channel_name,
    link_target,
    set_up_plan,
)
from bot.domain.languages import language_of, meeting_languages
from bot.slack.api import (
    RECONCILE_MARGIN_SECONDS,
    Outbound,
    delivery_metadata,
    error_detail,
    find_posted,
)
from bot.views.groups import (
    GroupMemberName,
    link_message,
    member_name,
    set_up_failure,
    set_up_text,
    welcome_message,
)
from bot.views.i18n import in_languages, speaking
from bot.views.messages import SlackMessage
from models import DraftingGroup, DraftingGroupMember, Meeting

log = logging.getLogger(__name__)

NAME_ATTEMPTS = 20  # name, name-2 ... name-20: past that, the clash is not a coincidence
GROUP_SET_UP = "docket_group_setup"  # the event_type of the welcome's and the link's metadata


@dataclass(frozen=True)
class _Claim:
    token: str
    # Since when Slack may hold posts of this set-up whose ts were never stored: the stale claim
    # this one took over (a worker that never finished), or the group's creation when an earlier
    # set-up was released after failing part-way; None for a first try (nothing to look for).
    retaken_since: datetime | None


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
    claim = _claim(engine, group_id=group_id, now=now)
    if claim is None:
        return SetUpReport("busy", group_id)  # finished already, or another worker holds it
    token = claim.token
    with session_scope(engine, read_only=True) as session:
        plan = set_up_plan(session, group_id)
    if plan is None:
        return SetUpReport("missing", group_id)
    group = plan.group
    # The welcome is read by several people and the link is in the item's thread or the meeting
    # channel: both in every meeting language, in one message.
    languages = meeting_languages(plan.meeting)
    try:
        channel = group.channel or _create_channel(engine, client, plan, claim)
        invited, failed = _invite(engine, client, plan, channel, now)
        if group.welcome_ts is None:
            message = in_languages(
                languages, lambda: welcome_message(plan.meeting, group, plan.item, _names(plan))
            )
            ts = _post(client, plan, claim, "welcome", channel=channel, message=message)
            _store(engine, group_id, token, welcome_ts=ts)
        target = link_target(plan)
        if group.link_ts is None:
            message = in_languages(
                languages, lambda: link_message(group, channel, plan.item, _names(plan))
            )
            ts = _post(
                client,
                plan,
                claim,
                "link",
                channel=target.channel,
                message=message,
                thread_ts=target.thread_ts,
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


def resume_set_ups(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """The clock's share: set-ups a worker left unfinished, holding its claim (it died, or
    Slack's answer was lost), once the claim timeout has passed.  Each is taken over where it
    stopped, its posts looked for before they are made again, and the convener is told by
    direct message how it ended, as after `/group`.  A set-up released after Slack refused a
    step waits for the secretariat (`/group` again): what Slack refused needs a person."""
    with session_scope(engine, read_only=True) as session:
        stale = session.execute(
            select(col(DraftingGroup.id)).where(
                col(DraftingGroup.set_up_at).is_(None),
                col(DraftingGroup.claimed_at).is_not(None),
                col(DraftingGroup.claimed_at) < now - claim_timeout(),
            )
        ).scalars()
        group_ids: list[int] = list(stale)
    done: list[str] = []
    for group_id in group_ids:
        try:
            report = set_up_group(engine, out.client, group_id=group_id, now=now)
        except OSError as exc:  # Slack's answer lost again: the claim stays for a later beat
            log.warning("drafting group %s: set-up interrupted again: %s", group_id, exc)
            continue
        if report.outcome not in ("done", "failed"):
            continue
        with session_scope(engine, read_only=True) as session:
            meeting = session.get_one(Meeting, session.get_one(DraftingGroup, group_id).meeting_id)
            language = language_of(session, meeting=meeting, user_id=report.creator)
        with speaking(language):  # to the convener, in their language
            text = set_up_text(report)
        try:
            out.direct(report.creator, SlackMessage(text=text))
        except SlackApiError as exc:
            log.warning("drafting group %s: report not sent: %s", group_id, error_detail(exc))
        done.append(f"drafting group {group_id} set-up resumed: {report.outcome}")
    return done


def _claim(engine: Engine, *, group_id: int, now: datetime) -> _Claim | None:
    """Hold the group (None when it is set up or another worker holds it), and say whether a
    stale claim was taken over, read in the same transaction as the claim itself."""
    token = secrets.token_hex(8)
    with session_scope(engine) as session:
        found = session.execute(
            select(
                col(DraftingGroup.claimed_at),
                col(DraftingGroup.note),
                col(DraftingGroup.created_at),
            ).where(col(DraftingGroup.id) == group_id)
        ).first()
        result: Any = session.execute(
            update(DraftingGroup)
            .where(
                col(DraftingGroup.id) == group_id,
                col(DraftingGroup.set_up_at).is_(None),
                claimable(DraftingGroup.claimed_at, now=now),
            )
            .values(claimed_at=now, claim_token=token)
        )
    if result.rowcount != 1 or found is None:
        return None
    previous, failed_before, created_at = found
    # A set-up released after a failure part-way (its error kept in `note`) may have posted the
    # first parts of a message before Slack refused the next: look for those too.
    return _Claim(
        token, previous if previous is not None else created_at if failed_before else None
    )


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


def _create_channel(engine: Engine, client: WebClient, plan: GroupPlan, claim: _Claim) -> str:
    """conversations.create, suffixing the name while Slack answers name_taken; the channel id is
    stored the moment Slack gives it, so nothing after can lead to a second channel.  After a
    claim taken over, the channel a worker created but never stored (Slack's answer lost) is
    looked for first, so that the retry does not create a second one under the next name."""
    assert plan.group.id is not None
    names = [
        channel_name(plan.meeting.key, plan.group.slug, a) for a in range(1, NAME_ATTEMPTS + 1)
    ]
    if claim.retaken_since is not None:
        found = _created_before(client, names, since=claim.retaken_since)
        if found is not None:
            channel, name = found
            _store(engine, plan.group.id, claim.token, channel=channel, channel_name=name)
            return channel
    for name in names:
        try:
            response = client.conversations_create(name=name, is_private=True)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            if error == "name_taken":
                continue
            raise _StepFailed("create_channel", error) from exc
        channel = str(response["channel"]["id"])
        _store(engine, plan.group.id, claim.token, channel=channel, channel_name=name)
        return channel
    raise _StepFailed("create_channel", "name_taken")


LIST_PAGES = 20  # of 200 private channels the bot is in: far more than a workspace gives it


def _created_before(
    client: WebClient, names: list[str], *, since: datetime
) -> tuple[str, str] | None:
    """A private channel the bot itself created since `since` under one of the group's names
    (its id and name), or None.  Private channels are listed to their members only, and the
    bot is in every channel it created; `groups:read` lets it list them.  When they cannot be
    listed, None: a second channel is the lesser harm than no group (the warning says why)."""
    wanted = set(names)
    oldest = since.timestamp() - RECONCILE_MARGIN_SECONDS
    try:
        bot_user = str(client.auth_test()["user_id"])
        cursor: str | None = None
        for _ in range(LIST_PAGES):
            page = client.conversations_list(
                types="private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
            for channel in page.get("channels") or []:
                if (
                    channel.get("name") in wanted
                    and channel.get("creator") == bot_user
                    and float(channel.get("created") or 0) >= oldest
                ):
                    return str(channel["id"]), str(channel["name"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
    except SlackApiError as exc:
        log.warning(
            "could not list private channels to look for the group's (%s); creating it",
            exc.response.get("error"),
        )
    return None


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
    plan: GroupPlan,
    claim: _Claim,
    step: SetUpStep,
    *,
    channel: str,
    message: SlackMessage,
    thread_ts: str | None = None,
) -> str:
    """Post `message` (and its continuations, when it needed more than one); the first's ts.
    After a stale claim, each part already in Slack is found there rather than posted again."""
    first = ""
    for number, part in enumerate(message.parts(), start=1):
        metadata = _metadata(plan, step, number)
        found = None
        if claim.retaken_since is not None:
            found = find_posted(
                client, channel, metadata, since=claim.retaken_since, thread_ts=thread_ts
            )
        try:
            ts = found or _send(client, channel, part, metadata, thread_ts)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "unknown_error"))
            raise _StepFailed(step, error) from exc
        first = first or ts
    return first


def _metadata(plan: GroupPlan, step: SetUpStep, part: int) -> dict[str, Any]:
    assert plan.group.id is not None and plan.meeting.id is not None
    return delivery_metadata(
        GROUP_SET_UP,
        meeting=plan.meeting.id,
        group=plan.group.id,
        delivery=f"group:{plan.group.id}:{step}",
        part=part,
    )


def _send(
    client: WebClient,
    channel: str,
    part: SlackMessage,
    metadata: dict[str, Any],
    thread_ts: str | None,
) -> str:
    response = client.chat_postMessage(
        channel=channel,
        text=part.text,
        blocks=part.blocks,
        thread_ts=thread_ts,
        unfurl_links=False,
        metadata=metadata,
    )
    return str(response["ts"])


def _names(plan: GroupPlan) -> list[GroupMemberName]:
    return [member_name(p, d) for _, p, d in plan.members]
