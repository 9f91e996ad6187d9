"""Posting agenda items to the meeting channel, each exactly once.

An item is claimed in the database (committed) before the Web API call and its root ts stored
after it, so two posters at once, or a retry after a failure, never post an item twice.  A
claim older than the claim timeout without a ts is from a crashed poster: `claimable`
(bot/clock/claims.py) lets it be retaken.

Each root carries Slack message metadata naming its meeting, item and delivery.  When the
answer to a post is lost (the connection dropped after Slack posted it, or no answer came), the
post is not sent again at once (bot/slack/api.py, NOT_REPEATABLE) and the claim stays; when it is
retaken after the timeout, the channel's history since the claim is read first, and a root found
there is recorded instead of posting a second one (a second root would split the item's thread).

A post Slack refuses for a passing reason (rate limit, a 5xx answer) is retried at the next
beat.  One it refuses for good (`not_in_channel`, `invalid_blocks`, ...) is recorded as a
failed delivery (`post:<item id>`): the clock does not try it again, the secretariat is told
once (bot/clock/failures.py), and a person posting the item (the command line, Post now in
/agenda) tries again.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, select, update
from sqlmodel import col

from bot.clock.claims import (
    Due,
    StepsOutcome,
    claimable,
    clear_failure,
    deliver_in_steps,
    deliver_one,
    failed_keys,
    finish_unfinished,
    record_failure,
    schedule,
    skip,
)
from bot.core.db import session_scope
from bot.domain.audit import record_audit
from bot.domain.items import ItemState, PostOutcome, item_state
from bot.domain.languages import meeting_languages
from bot.domain.meetings import find_meeting, list_items
from bot.slack.api import (
    ChannelPacer,
    Outbound,
    classify_error,
    delivery_metadata,
    error_detail,
    find_posted,
)
from bot.views.i18n import in_languages, speaking
from bot.views.messages import SlackMessage, item_details, item_message
from models import AgendaItem, Delivery, Meeting

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostResult:
    number: int
    outcome: PostOutcome
    detail: str = ""


ITEM_POSTED = "docket_item_posted"  # the event_type of an item root's metadata


def post_key(item: AgendaItem) -> str:
    return f"post:{item.id}"


def item_metadata(meeting: Meeting, item: AgendaItem) -> dict[str, Any]:
    return delivery_metadata(
        ITEM_POSTED, meeting=meeting.key, item=item.number, delivery=post_key(item)
    )


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
    """Post the named items (even if not open yet), or every item whose opening has come.

    The clock (`actor="clock"`) leaves alone an item whose posting Slack refused for good: it
    waits for a person, who is told what to fix; anyone else posting tries it again.
    """
    with session_scope(engine) as session:
        meeting = find_meeting(session, meeting_key)
        items = list_items(session, meeting_id=meeting.id or 0)
        failed = failed_keys(session, keys=[post_key(i) for i in items if i.post_ts is None])
    if actor == "clock":
        items = [i for i in items if post_key(i) not in failed]
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
        if post_key(item) in failed:
            clear_failure(engine, post_key(item))
        results.append(_post_one(engine, client, meeting, item, now=now, actor=actor))
    return sorted(results, key=lambda r: r.number)


def root_and_details(state: ItemState) -> tuple[SlackMessage, list[SlackMessage]]:
    """An item's root message in every meeting language (one message), and what each
    language's part of it had to shorten, in full, for the item's thread (each language's in
    turn, rendered with the same share of the root as its part)."""
    languages = meeting_languages(state.meeting)
    root = in_languages(languages, lambda: item_message(state))
    details: list[SlackMessage] = []
    for language in dict.fromkeys(languages):
        with speaking(language, sharing=len(set(languages))):
            details += item_details(state)
    return root, details


def redraw_root(engine: Engine, out: Outbound, item_id: int, *, now: datetime) -> None:
    """Update an item's root message to what the record holds now (its decision in force, its
    deadline, a running silence procedure), in every meeting language: the last step of each
    delivery that changes what the root shows.  Drawn when sent, not when the change was made,
    so two changes sent in either order leave the root showing the later one."""
    with session_scope(engine, read_only=True) as session:
        item = session.get(AgendaItem, item_id)
        meeting = session.get(Meeting, item.meeting_id) if item else None
        assert item is not None and meeting is not None
        assert item.post_channel is not None and item.post_ts is not None
        state = item_state(session, meeting=meeting, item=item, now=now)
        root = in_languages(meeting_languages(meeting), lambda: item_message(state))
    out.update(item.post_channel, item.post_ts, root)


def notice_then_root(
    engine: Engine,
    out: Outbound,
    due: Due,
    notice: SlackMessage,
    *,
    thread: tuple[str, str],
    now: datetime,
    between: Sequence[tuple[str, Callable[[], object]]] = (),
) -> StepsOutcome:
    """A delivery in steps (`deliver_in_steps`): `notice` in the item's thread (channel, root
    ts), the `between` steps (key suffix, action), then the item's root redrawn from the record
    (`redraw_root`), always last."""
    channel, ts = thread
    assert due.item_id is not None

    def announce() -> None:
        for part in notice.parts():
            out.post(channel, part, thread_ts=ts)

    redraw = partial(redraw_root, engine, out, due.item_id, now=now)
    steps: list[tuple[str, Callable[[], object]]] = [("", announce), *between, (":root", redraw)]
    return deliver_in_steps(engine, due, steps, now=now)


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
        # A claim already there (and stale, or the UPDATE below finds nothing) is a poster that
        # never finished: its post may have reached Slack.
        previous = session.execute(
            select(col(AgendaItem.post_claimed_at)).where(col(AgendaItem.id) == item.id)
        ).scalar()
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
        state = item_state(session, meeting=meeting, item=item, now=now)
        message, details = root_and_details(state)
    if claimed != 1:
        return PostResult(item.number, "claimed_elsewhere", "already posted or being posted")
    metadata = item_metadata(meeting, item)
    try:
        # A claim taken over from a poster that never finished: its root may be in the channel.
        found = (
            find_posted(client, meeting.channel, metadata, since=previous)
            if previous is not None
            else None
        )
        if found is not None:
            response: Any = {"channel": meeting.channel, "ts": found}
        else:
            response = client.chat_postMessage(
                channel=meeting.channel,
                text=message.text,
                blocks=message.blocks,
                metadata=metadata,
                unfurl_links=False,
            )
    except SlackApiError as exc:
        error = error_detail(exc)
        if classify_error(exc) == "permanent":
            # Not retried at every beat: recorded as failed, the secretariat is told once.
            due = Due(post_key(item), "post", meeting.id or 0, item.id, item.opens_at or now)
            record_failure(engine, due, now=now, error=error)
            log.warning("item %s: Slack refused the post for good (%s)", item.number, error)
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
    channel, ts = str(response["channel"]), str(response["ts"])
    details_due = _details_due(item, now) if details else None
    with session_scope(engine) as session:
        session.execute(
            update(AgendaItem)
            .where(col(AgendaItem.id) == item.id)
            .values(post_channel=channel, post_ts=ts, posted_at=now)
        )
        if details_due is not None:
            # Owed from the same commit as the root's ts: if this process dies before the
            # thread has them, the clock posts them (`deliver_pending_details`).
            schedule(session, details_due)
        record_audit(
            session,
            now=now,
            actor=actor,
            action="post_item",
            meeting_id=meeting.id,
            detail=f"item {item.number} posted as {ts}"
            + (" (found in the channel: the earlier post's answer was lost)" if found else ""),
        )
    if details_due is not None:
        _post_details(
            engine, client, details_due, channel, ts, details, number=item.number, now=now
        )
    return PostResult(item.number, "posted", f"ts {ts}")


DETAILS = "item_details"  # the delivery kind of an item's full text in its thread


def _details_due(item: AgendaItem, now: datetime) -> Due:
    return Due(f"{post_key(item)}:details", DETAILS, item.meeting_id, item.id, now)


def _post_details(
    engine: Engine,
    client: WebClient,
    due: Due,
    channel: str,
    ts: str,
    details: list[SlackMessage],
    *,
    number: int,
    now: datetime,
) -> bool:
    """What the root message could only show shortened (a very long proposal or list of
    documents), in full in the item's thread: a claimed delivery, so each part carries metadata
    and a sender's lost answer or death leads neither to a second copy nor to none.  The item
    is posted either way: a refusal is logged, and a passing one retried by the clock.  True
    when this call sent it."""
    # Not paced: the parts follow each other in one thread, as one long message would, and
    # the client's rate-limit handler waits when Slack asks it to.
    out = Outbound(client, ChannelPacer(interval=0))

    def send() -> None:
        for part in details:
            out.post(channel, part, thread_ts=ts)

    attempt = deliver_one(engine, due, send, now=now)
    if attempt.outcome in ("failed", "gave_up"):
        log.warning("item %s: the full text in the thread failed: %s", number, attempt.error)
    return attempt.outcome == "sent"


def deliver_pending_details(engine: Engine, client: WebClient, *, now: datetime) -> list[str]:
    """The clock's share: items whose full text a poster left unposted in the thread (it died,
    or Slack refused for a passing reason), once the claim timeout has passed; rendered from
    the record as it stands now.  An item no longer in the channel has nothing to add to."""
    posted: list[str] = []

    def send(key: str) -> bool:
        with session_scope(engine, read_only=True) as session:
            row = session.execute(select(Delivery).where(col(Delivery.key) == key)).scalar_one()
            item = session.get(AgendaItem, row.item_id) if row.item_id else None
            meeting = session.get(Meeting, item.meeting_id) if item else None
            if item is None or meeting is None or not (item.post_channel and item.post_ts):
                due = Due(key, DETAILS, row.meeting_id, row.item_id, row.due_at)
                skip(engine, [due], now=now, reason="the item is not in the channel")
                return False
            _, details = root_and_details(item_state(session, meeting=meeting, item=item, now=now))
        channel, ts, due = item.post_channel, item.post_ts, _details_due(item, row.due_at)
        sent = _post_details(engine, client, due, channel, ts, details, number=item.number, now=now)
        if sent:
            posted.append(f"item {item.number}: full text posted in its thread")
        return sent

    finish_unfinished(engine, kind=DETAILS, now=now, send=send)
    return posted
