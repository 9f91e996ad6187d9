"""Posting agenda items to the meeting channel, each exactly once.

An item is claimed in the database (committed) before the Web API call and its root ts stored
after it, so two posters at once, or a retry after a failure, never post an item twice.  A
claim older than the claim timeout without a ts is from a crashed poster: `claimable`
(bot/clock/claims.py) lets it be retaken.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, update
from sqlmodel import col

from bot.clock.claims import claimable
from bot.core.db import session_scope
from bot.domain.audit import record_audit
from bot.domain.items import PostOutcome, item_state
from bot.domain.meetings import find_meeting, list_items
from bot.views.messages import item_message
from models import AgendaItem, Meeting


@dataclass(frozen=True)
class PostResult:
    number: int
    outcome: PostOutcome
    detail: str = ""


def due_items(items: Iterable[AgendaItem], *, now: datetime) -> list[AgendaItem]:
    """Items whose opening time has come and that are not posted yet."""
    return [i for i in items if i.post_ts is None and (i.opens_at is None or i.opens_at <= now)]


def post_items(
    engine: Engine,
    client: WebClient,
    *,
    meeting_key: str,
    numbers: list[int] | None,
    now: datetime,
    actor: str = "cli",
) -> list[PostResult]:
    """Post the named items (even if not open yet), or every item whose opening has come."""
    with session_scope(engine) as session:
        meeting = find_meeting(session, meeting_key)
        items = list_items(session, meeting_id=meeting.id or 0)
    by_number = {item.number: item for item in items}
    results: list[PostResult] = []
    if numbers:
        chosen = []
        for number in numbers:
            if number not in by_number:
                known = ", ".join(str(n) for n in by_number)
                results.append(PostResult(number, "unknown", f"no such item (items: {known})"))
            else:
                chosen.append(by_number[number])
    else:
        chosen = due_items(items, now=now)
        results += [
            PostResult(i.number, "not_open", f"opens {i.opens_at:%Y-%m-%d %H:%M} UTC")
            for i in items
            if i.post_ts is None and i.opens_at is not None and i.opens_at > now
        ]
    for item in chosen:
        results.append(_post_one(engine, client, meeting, item, now=now, actor=actor))
    return sorted(results, key=lambda r: r.number)


def _post_one(
    engine: Engine,
    client: WebClient,
    meeting: Meeting,
    item: AgendaItem,
    *,
    now: datetime,
    actor: str,
) -> PostResult:
    if item.post_ts is not None:
        return PostResult(item.number, "already_posted", f"ts {item.post_ts}")
    with session_scope(engine) as session:
        claim: Any = session.execute(
            update(AgendaItem)
            .where(
                col(AgendaItem.id) == item.id,
                col(AgendaItem.post_ts).is_(None),
                claimable(AgendaItem.post_claimed_at, now=now),
            )
            .values(post_claimed_at=now)
        )
        claimed = claim.rowcount
        assert item.id is not None
        message = item_message(item_state(session, meeting=meeting, item=item, now=now))
    if claimed != 1:
        return PostResult(item.number, "claimed_elsewhere", "already posted or being posted")
    try:
        response = client.chat_postMessage(
            channel=meeting.channel, text=message.text, blocks=message.blocks, unfurl_links=False
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error", "unknown_error"))
        with session_scope(engine) as session:  # release the claim so a retry can post it
            session.execute(
                update(AgendaItem).where(col(AgendaItem.id) == item.id).values(post_claimed_at=None)
            )
            record_audit(
                session,
                now=now,
                actor=actor,
                action="post_item",
                meeting_id=meeting.id,
                outcome="failed",
                detail=f"item {item.number}: {error}",
            )
        return PostResult(item.number, "failed", error)
    with session_scope(engine) as session:
        session.execute(
            update(AgendaItem)
            .where(col(AgendaItem.id) == item.id)
            .values(post_channel=response["channel"], post_ts=response["ts"], posted_at=now)
        )
        record_audit(
            session,
            now=now,
            actor=actor,
            action="post_item",
            meeting_id=meeting.id,
            detail=f"item {item.number} posted as {response['ts']}",
        )
    return PostResult(item.number, "posted", f"ts {response['ts']}")
