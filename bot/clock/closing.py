"""Closing comments when an item's deadline passes: once per deadline, even after downtime.

A deadline that passed while the clock was down is closed at the next heartbeat; moving a
deadline (/extend, or a reloaded file) gives a new delivery key, so the item closes again at
its new deadline.
"""

import logging
from datetime import datetime
from functools import partial

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.clock.claims import Due, deadline_key, deliver_in_steps, settled_keys
from bot.core.db import session_scope
from bot.domain.items import item_state
from bot.domain.languages import meeting_languages
from bot.slack.api import Outbound
from bot.views.i18n import in_languages
from bot.views.messages import closed_notice, item_message
from models import AgendaItem, Meeting

log = logging.getLogger(__name__)


def close_key(item: AgendaItem) -> str:
    assert item.deadline_at is not None
    return f"close:{item.id}:{deadline_key(item.deadline_at)}"


def close_passed_deadlines(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(AgendaItem, Meeting)
            .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
            .where(
                col(AgendaItem.active),
                col(AgendaItem.post_ts).is_not(None),
                col(AgendaItem.deadline_at) <= now,
            )
        )
        due = [
            Due(close_key(item), "close", meeting.id or 0, item.id, item.deadline_at or now)
            for item, meeting in rows
        ]
        # The last step's key: an item whose root was redrawn is fully closed.
        settled = settled_keys(session, keys=[d.key + ":root" for d in due])
    done: list[str] = []
    for delivery in (d for d in due if d.key + ":root" not in settled):
        with session_scope(engine) as session:
            item = session.get(AgendaItem, delivery.item_id)
            meeting = session.get(Meeting, delivery.meeting_id)
            assert item is not None and meeting is not None
            assert item.post_channel is not None and item.post_ts is not None
            # Channel posts: every meeting language, in one message.
            languages = meeting_languages(meeting)
            notice = in_languages(languages, partial(closed_notice, meeting, item))
            state = item_state(session, meeting=meeting, item=item, now=now)
            root = in_languages(languages, partial(item_message, state))
        channel, ts = item.post_channel, item.post_ts
        try:
            finished = deliver_in_steps(
                engine,
                delivery,
                [
                    ("", partial(out.post, channel, notice, thread_ts=ts)),
                    (":root", partial(out.update, channel, ts, root)),
                ],
                now=now,
            )
        except SlackApiError as exc:
            log.warning("closing item %s failed, will retry: %s", item.number, exc)
            continue
        if finished == "finished":
            done.append(f"{meeting.key}: closed item {item.number}")
    return done
