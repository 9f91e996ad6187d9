"""The daily digest job, and sending one digest (also for `/digest`, the Home's button and the
final digest): build it in a session, word it with `bot.views.digest`, post it, and record
what it reported once Slack has accepted it.

Each daily digest is one delivery per meeting, recipient and local day, claimed before sending.
A secretariat member reads their digest in their language; a digest to the secretariat's
channel carries every meeting language.
"""

import logging
from datetime import datetime
from functools import partial

from sqlalchemy import Engine

from bot.clock.claims import Due, deliver_one
from bot.core.db import session_scope
from bot.domain.digest import (
    DueDigest,
    build_digest,
    due_digests,
    quiet_day_skipped,
    record_reported,
)
from bot.domain.languages import language_of, meeting_languages
from bot.slack.api import Outbound
from bot.views.digest import digest_message, final_digest_heading
from bot.views.i18n import in_languages, translated
from bot.views.messages import SlackMessage
from models import Meeting

log = logging.getLogger(__name__)


def send_digest(
    engine: Engine,
    out: Outbound,
    *,
    meeting_id: int,
    recipient: str,
    now: datetime,
    forced: bool = False,
    heading: str | None = None,
    final: bool = False,
) -> bool:
    """Build and send one digest; record what it reported.  False if a quiet day sends none.

    A person's digest is in their language; the secretariat channel's in every meeting
    language.  `final`: the final digest, headed so in each language (`heading` gives one
    heading for every language instead)."""
    with session_scope(engine, read_only=True) as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        digest = build_digest(
            session, meeting=meeting, recipient=recipient, now=now, team_url=out.team_url()
        )
        skipped = quiet_day_skipped(digest, meeting, forced=forced)
        if recipient == meeting.secretariat_channel:
            languages = list(meeting_languages(meeting))
        else:
            languages = [language_of(session, meeting=meeting, user_id=recipient)]
    if skipped:
        return False

    def render() -> SlackMessage:
        if final and heading is None:
            title = translated(digest.meeting_title, digest.meeting_translations, "title")
            return digest_message(digest, heading=final_digest_heading(title))
        return digest_message(digest, heading=heading)

    message = in_languages(languages, render)
    for part in message.parts():  # a large meeting's takes several
        out.post(recipient, part)
    with session_scope(engine) as session:
        record_reported(session, meeting_id=meeting_id, digest=digest, now=now)
    return True


def send_daily_digests(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """Each in-session meeting's digest at its local time, once per recipient and day."""
    with session_scope(engine) as session:
        due = [
            (
                Due(
                    f"digest:{d.meeting_id}:{d.recipient}:{d.day}",
                    "digest",
                    d.meeting_id,
                    None,
                    d.moment,
                ),
                d.recipient,
            )
            for d in due_digests(session, now=now)
        ]
    done: list[str] = []
    for delivery, recipient in due:
        send = partial(
            send_digest, engine, out, meeting_id=delivery.meeting_id, recipient=recipient, now=now
        )
        attempt = deliver_one(engine, delivery, send, now=now)
        if attempt.outcome == "failed":
            log.warning("digest to %s failed, will retry: %s", recipient, attempt.error)
        elif attempt.outcome == "sent":
            quiet = "" if attempt.result else " (quiet day: none sent)"
            done.append(f"digest to {recipient}{quiet}")
    return done


def _delivery(digest: DueDigest) -> Due:
    key = f"digest:{digest.meeting_id}:{digest.recipient}:{digest.day}"
    return Due(key, "digest", digest.meeting_id, None, digest.moment)
