"""An item posted again from `/agenda` ("Post again"), as a claimed delivery like any other.

The secretariat's press writes the delivery's row (`schedule_announcement`, key
`announce:<item id>:<the press's action ts>`), and the request sends it right after
(`deliver_announcement`, handlers/agenda.py).  Its one-line channel post carries the delivery's
metadata (bot/slack/api.py, `delivering`), so if that sender dies, or Slack's answer is lost,
the clock finishes it once the claim timeout has passed (`deliver_pending_announcements`): the
post Slack made is found in the channel, not made a second time.  The text is rendered when it
is sent: the link to the item's thread, and whether its comments are closed, as they stand then.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.clock.claims import Attempt, Due, deliver_one, finish_unfinished, schedule, skip
from bot.core.db import session_scope
from bot.domain.languages import meeting_languages
from bot.slack.api import Outbound
from bot.views.forms import announcement
from bot.views.i18n import speaking
from bot.views.messages import SlackMessage
from models import AgendaItem, Delivery, Meeting

log = logging.getLogger(__name__)

KIND = "announce"


def announcement_key(item_id: int, press: str) -> str:
    """`press` names the request (the button's action ts): one press, one announcement, even
    when the request is seen twice."""
    return f"{KIND}:{item_id}:{press}"


def schedule_announcement(
    session: Session, item: AgendaItem, *, press: str, now: datetime
) -> str | None:
    """In the request's transaction: the announcement is owed from now on.  Its key, or None
    for an item not in the channel (nothing to point at)."""
    if item.id is None or item.post_ts is None or item.post_channel is None:
        return None
    key = announcement_key(item.id, press)
    schedule(session, Due(key, KIND, item.meeting_id, item.id, now))
    return key


def deliver_announcement(
    engine: Engine, out: Outbound, key: str, *, now: datetime
) -> Attempt[str] | None:
    """Claim, post and mark the announcement (the Attempt's result: the message's ts); None
    when there is no such delivery, or its item is gone from the channel (nothing to point at:
    the delivery is then settled as skipped, so the clock forgets it)."""
    with session_scope(engine, read_only=True) as session:
        row = session.exec(select(Delivery).where(Delivery.key == key)).first()
        item = session.get(AgendaItem, row.item_id) if row and row.item_id else None
        meeting = session.get(Meeting, item.meeting_id) if item else None
    if row is None:
        return None
    channel, ts = (item.post_channel, item.post_ts) if item else (None, None)
    if item is None or meeting is None or channel is None or ts is None:
        due = Due(key, KIND, row.meeting_id, row.item_id, row.due_at)
        skip(engine, [due], now=now, reason="the item is not in the channel")
        return None
    languages = meeting_languages(meeting)
    target = item

    def send() -> str:
        # Rendered now: the thread's link, and whether comments have closed since the press.
        link = out.permalink(channel, ts)
        closed = target.deadline_at is not None and target.deadline_at <= now
        text = in_every_language(languages, lambda: announcement(target, link, closed=closed))
        return out.post(channel, SlackMessage(text=text))

    due = Due(key, KIND, row.meeting_id, item.id, row.due_at)
    return deliver_one(engine, due, send, now=now)


def announce_now(engine: Engine, out: Outbound, key: str, *, now: datetime) -> Attempt[str] | None:
    """The request's share: send it at once.  When Slack refuses for a passing reason, the
    person who pressed is told it failed and may press again; that press is a new announcement,
    so this one is settled (skipped), not posted later by the clock behind their back.  A lost
    answer is not a refusal: the exception propagates and the claim stays, for the clock to
    finish (finding the post Slack made)."""
    attempt = deliver_announcement(engine, out, key, now=now)
    if attempt is not None and attempt.outcome == "failed":
        [due] = attempt.held
        skip(engine, [due], now=now, reason=f"failed, the person told: {attempt.error}")
    return attempt


def deliver_pending_announcements(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """The clock's share: announcements whose sender left them unfinished (it died before
    sending, or Slack's answer was lost; a Slack failure at a beat is retried at the next) once
    the claim timeout has passed since the press.  A claim still within its timeout is left
    alone (`deliver` sees it held)."""

    def send(key: str) -> bool:
        attempt = deliver_announcement(engine, out, key, now=now)
        if attempt is not None and attempt.outcome == "failed":
            log.warning("announcement %s: posting it failed, will retry: %s", key, attempt.error)
        return attempt is not None and attempt.outcome == "sent"

    finished = finish_unfinished(engine, kind=KIND, now=now, send=send)
    return [f"announcement {key} posted" for key in finished]


def in_every_language(languages: Iterable[str], render: Callable[[], str]) -> str:
    """A one-line channel post in every meeting language, the main one first (one language:
    exactly what `render` says)."""
    texts = []
    for language in dict.fromkeys(languages):
        with speaking(language):
            texts.append(render())
    return "\n\n".join(texts)
