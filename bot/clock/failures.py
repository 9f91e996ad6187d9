"""Telling the secretariat, once, of each delivery Slack refused for good.

`deliver` (bot/clock/claims.py) and item posting mark such a delivery failed instead of
retrying it at every beat.  At each beat this job finds the failures not yet told and sends
each secretariat member a direct message, in their language, with Slack's error and the
remedy; each message is a delivery of its own, claimed once.  A notice that itself fails for
good is not reported again.
"""

import logging
import re
from datetime import datetime
from functools import partial

from sqlalchemy import Engine
from sqlmodel import col, select

from bot.clock.claims import FAILED, Due, deliver_one, settled_keys
from bot.core.db import session_scope
from bot.domain.languages import languages_of
from bot.domain.meetings import role_ids
from bot.slack.api import Outbound
from bot.views.failures import failure_notice
from bot.views.i18n import speaking, text_of
from bot.views.messages import SlackMessage
from models import AgendaItem, Delivery, Meeting

log = logging.getLogger(__name__)

NOTICE_KIND = "failure_notice"
_USER_IN_KEY = re.compile(r"^[UW][A-Z0-9]{6,20}$")


def notice_key(failed_key: str, user_id: str) -> str:
    return f"failure-notice:{failed_key}:{user_id}"


def _recipient(key: str) -> str | None:
    """The person a direct message was for, when the delivery's key names one."""
    for part in reversed(key.split(":")):
        if _USER_IN_KEY.match(part):
            return part
    return None


def tell_failures(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    notices: list[tuple[Due, str, SlackMessage]] = []
    with session_scope(engine) as session:
        failed = session.exec(
            select(Delivery).where(
                col(Delivery.skipped_at).is_not(None),
                col(Delivery.sent_at).is_(None),
                col(Delivery.note).startswith(FAILED),
                col(Delivery.kind) != NOTICE_KIND,
            )
        ).all()
        meetings: dict[int, tuple[Meeting, list[str], dict[str, str]]] = {}
        for delivery in failed:
            if delivery.meeting_id not in meetings:
                meeting = session.get(Meeting, delivery.meeting_id)
                if meeting is None:
                    continue
                secretariat = sorted(
                    role_ids(session, meeting_id=delivery.meeting_id, role="secretariat")
                )
                languages = languages_of(session, meeting=meeting, user_ids=secretariat)
                meetings[delivery.meeting_id] = (meeting, secretariat, languages)
            meeting, secretariat, languages = meetings[delivery.meeting_id]
            item = session.get(AgendaItem, delivery.item_id) if delivery.item_id else None
            in_language: dict[str, SlackMessage] = {}  # the notice, once per language
            for language in dict.fromkeys(languages.values()):
                with speaking(language):
                    in_language[language] = failure_notice(
                        meeting_title=text_of(meeting, "title"),
                        channel=meeting.channel,
                        kind=delivery.kind,
                        item_number=item.number if item is not None else None,
                        recipient=_recipient(delivery.key),
                        error=delivery.note.removeprefix(FAILED),
                    )
            for user_id in secretariat:
                message = in_language[languages[user_id]]
                due = Due(
                    notice_key(delivery.key, user_id),
                    NOTICE_KIND,
                    delivery.meeting_id,
                    delivery.item_id,
                    delivery.skipped_at or now,
                )
                notices.append((due, user_id, message))
        settled = settled_keys(session, keys=[due.key for due, _, _ in notices])
    done: list[str] = []
    for due, user_id, message in notices:
        if due.key in settled:
            continue
        attempt = deliver_one(engine, due, partial(out.direct, user_id, message), now=now)
        if attempt.outcome == "sent":
            done.append(f"told {user_id} of a failed delivery ({due.key})")
        elif attempt.outcome == "failed":
            log.warning("failure notice %s failed, will retry: %s", due.key, attempt.error)
    return done
