"""The announcement round of a revised document: a post in the item's thread, the item's root
message redrawn (it lists the revised documents and the window), and a direct message to each
delegate of every delegation with an active comment on the item.

Idempotent: the whole round and each of its messages are deliveries claimed before they are
sent (bot/clock/claims.py), so the lazy listener right after `/revise` and the clock's
catch-up (`announce_pending`) never tell anyone twice, and a round a crash interrupted is
finished by the next heartbeat.  Who is told is the domain's (bot/domain/revisions.py); the
words are bot/views/revisions.py's.
"""

import logging
from datetime import datetime
from functools import partial

from sqlalchemy import Engine

from bot.clock.claims import (
    Due,
    StepHeldElsewhere,
    deliver,
    deliver_in_steps,
    deliver_one,
    settled_keys,
)
from bot.core.db import session_scope
from bot.domain.languages import languages_of, meeting_languages
from bot.domain.revisions import posted_revisions, revision_announcement
from bot.slack.api import Outbound
from bot.views.i18n import in_languages, speaking
from bot.views.messages import SlackMessage, item_message
from bot.views.revisions import revision_direct_message, revision_notice

log = logging.getLogger(__name__)


def round_key(revision_id: int) -> str:
    return f"revision:{revision_id}"


def announce_revision(engine: Engine, out: Outbound, *, revision_id: int, now: datetime) -> int:
    """Post, redraw and tell, each step at most once.  Returns the delegates told now.

    Nothing happens when another process holds the round; a Slack failure releases the round
    (the next heartbeat finishes it) and is logged, not raised.
    """
    with session_scope(engine) as session:
        found = revision_announcement(session, revision_id=revision_id, now=now)
        if found is None:
            return 0
        readers = languages_of(
            session, meeting=found.meeting, user_ids=[user for user, _ in found.delegates]
        )
    meeting, item, revision = found.meeting, found.item, found.revision
    assert meeting.id is not None and item.post_channel is not None and item.post_ts is not None
    # The thread and the root are the channel's: every meeting language, in one message.
    languages = meeting_languages(meeting)
    notice = in_languages(languages, lambda: revision_notice(meeting, item, revision))
    root = in_languages(languages, lambda: item_message(found.state))
    base = Due(round_key(revision_id), "revision", meeting.id, item.id, revision.published_at)
    channel, ts = item.post_channel, item.post_ts
    told = [0]  # counted as they go: a failure half-way still reports who was told

    def announce(_held: list[Due]) -> None:
        # A notice too long for one message (a long note in several languages) goes on in
        # further messages, each its own step.
        thread = [
            (
                ":thread" if n == 0 else f":thread:{n + 1}",
                partial(out.post, channel, part, thread_ts=ts),
            )
            for n, part in enumerate(notice.parts())
        ]
        posted = deliver_in_steps(
            engine, base, [*thread, (":root", partial(out.update, channel, ts, root))], now=now
        )
        if posted == "held_elsewhere":
            raise StepHeldElsewhere
        link = out.permalink(channel, ts) if found.delegates else None
        for user_id, delegation in found.delegates:
            with speaking(readers.get(user_id)):  # a direct message: in its reader's language
                message = revision_direct_message(meeting, item, revision, delegation, link)
            told[0] += _tell_once(engine, out, base, user_id, message, now=now)

    attempt = deliver(engine, [base], announce, now=now)
    if attempt.outcome == "failed":
        log.warning("announcing revision %s failed, will retry: %s", revision_id, attempt.error)
    return told[0]


def _tell_once(
    engine: Engine, out: Outbound, base: Due, user_id: str, message: SlackMessage, *, now: datetime
) -> int:
    key = f"{base.key}:dm:{user_id}"
    due = Due(key, base.kind, base.meeting_id, base.item_id, now)
    attempt = deliver_one(engine, due, partial(out.direct, user_id, message), now=now)
    if attempt.exception is not None:
        raise attempt.exception  # the round is released, and finished at the next beat
    return 1 if attempt.outcome == "sent" else 0  # else told already, or being told


def announce_pending(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """The clock's catch-up: finish every announcement a crash or a Slack failure left undone."""
    with session_scope(engine) as session:
        rows = posted_revisions(session)
        settled = settled_keys(session, keys=[round_key(r) for r, _, _ in rows])
    done: list[str] = []
    for revision_id, number, key in rows:
        if round_key(revision_id) in settled:
            continue
        told = announce_revision(engine, out, revision_id=revision_id, now=now)
        done.append(f"{key}: revision on item {number} announced ({told} delegate(s) told)")
    return done
