"""Adopting silence procedures whose deadline passed unbroken, and announcing it once.

The adoption is recorded by `bot.domain.silence.adopt`; the news is three steps of one delivery
(the notice in the thread, the item's root message, the channel notice), so a step that failed
is retried alone and nothing is posted twice.
"""

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.clock.claims import Due, deliver_in_steps, settled_keys, skip
from bot.core.db import session_scope
from bot.domain.items import item_state
from bot.domain.languages import meeting_languages
from bot.domain.silence import adopt, adoptions_due
from bot.slack.api import Outbound
from bot.views.i18n import in_languages
from bot.views.messages import item_message
from bot.views.silence import adoption_notice, silence_notice

log = logging.getLogger(__name__)


def adopt_unbroken(engine: Engine, out: Outbound, *, now: datetime) -> list[str]:
    """Adopt every procedure whose deadline passed unbroken; post, once."""
    with session_scope(engine) as session:
        due = [
            Due(f"silence:{p.id}", "silence", item.meeting_id, item.id, p.deadline_at)
            for p, item in adoptions_due(session, now=now)
        ]
        settled = settled_keys(session, keys=[d.key + ":notice" for d in due])
    done: list[str] = []
    for delivery in (d for d in due if d.key + ":notice" not in settled):
        procedure_id = int(delivery.key.split(":")[1])
        with session_scope(engine) as session:
            adopted = adopt(session, procedure_id=procedure_id)
            if adopted is not None:
                procedure, item, meeting = adopted.procedure, adopted.item, adopted.meeting
                # Channel posts: every meeting language, in one message each.
                languages = meeting_languages(meeting)
                notice = in_languages(
                    languages, partial(adoption_notice, meeting, item, adopted.decision)
                )
                channel_notice = in_languages(
                    languages, partial(silence_notice, meeting, item, procedure)
                )
                state = item_state(session, meeting=meeting, item=item, now=now)
                root = in_languages(languages, partial(item_message, state))
        if adopted is None:  # broken or ended after all: nothing to announce
            skip(
                engine,
                [replace(delivery, key=delivery.key + s) for s in ("", ":root", ":notice")],
                now=now,
                reason="not adopted: silence was broken or ended",
            )
            continue
        assert item.post_channel is not None and item.post_ts is not None
        channel, ts = item.post_channel, item.post_ts
        update_notice: Callable[[], object] = (
            partial(out.update, procedure.notice_channel, procedure.notice_ts, channel_notice)
            if procedure.notice_channel and procedure.notice_ts
            else (lambda: None)  # the channel notice was never posted: nothing to redraw
        )

        try:
            finished = deliver_in_steps(
                engine,
                delivery,
                [
                    ("", partial(out.post, channel, notice, thread_ts=ts)),
                    *(  # a decision too long for one message goes on in the thread
                        (f":part{n}", partial(out.post, channel, part, thread_ts=ts))
                        for n, part in enumerate(notice.more, start=2)
                    ),
                    (":root", partial(out.update, channel, ts, root)),
                    (":notice", update_notice),
                ],
                now=now,
            )
        except SlackApiError as exc:
            log.warning("announcing adoption on item %s failed, will retry: %s", item.number, exc)
            continue
        if finished == "finished":
            done.append(f"{meeting.key}: item {item.number} adopted by silence procedure")
    return done
